"""Response bodies read in turns and at a bounded rate, so streams leave the event loop
room for everything else.

A streamed answer arrives as many small pieces (one SSE event per HTTP chunk, often one
per network packet). Two things follow when a body is read as it arrives:

- every piece wakes the loop up on its own: the socket's readiness, the read, the HTTP
  layers, the reading task's step. That costs about 0.3 ms of CPU a piece whatever the
  piece holds (an event read with others costs less than 0.03 ms), so four answers at
  500 tokens a second took most of a core in wake-ups alone (bench/app_stream.py);
- when pieces come faster than the loop runs, they wait in the socket buffer, and the
  reading task then takes them one after another without ever suspending: httpx hands
  out a buffered piece without awaiting anything, and the loop (other streams, painting,
  keys) waits until the buffer is empty.

:class:`TurnTaking` wraps a body's iterator against both. A read that has to wait for
the network waits at least until ``READ_INTERVAL_S`` after the previous such wait ended,
so what arrived meanwhile is read at once, in one wake-up (a piece is shown at most that
much later: far less than a frame of the 30 Hz view). A read whose part is already
received is not held back, although anyio yields once (``sleep(0)``) before it hands it
out: only a wait on a future is a wait for the network. (Held back as well, the reads
fell behind the parts, which anyio queues one per socket read while the reader waits:
each answer ended ~20 ms after its last byte came, 8% of the evaluation benchmark's
time.) And once the reader has run for
``TURN_S`` without suspending (its own work on the pieces counted), it gives the loop a
turn (``await asyncio.sleep(0)``) before the next piece. :func:`take_turns` is an httpx
response hook installing it on every body; :func:`hurry` stops the pacing of a body whose
last few pieces are coming (an answer whose every choice has its finish reason), so its
end is read the moment it arrives, not up to ``READ_INTERVAL_S`` later.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

TURN_S = 0.002  # the longest a body's reader runs before the loop gets a turn
READ_INTERVAL_S = 0.01  # the least time between two reads that wait for the network


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class _Paced:
    """Awaits ``awaitable``; when that has to wait (for the network), first waits until
    ``not_before``. ``suspended`` tells afterwards whether it waited at all."""

    __slots__ = ("awaitable", "clock", "not_before", "sleep", "suspended")

    def __init__(
        self, awaitable: Awaitable[Any], not_before: float, clock: Clock, sleep: Sleep
    ) -> None:
        self.awaitable = awaitable
        self.not_before = not_before
        self.clock = clock
        self.sleep = sleep
        self.suspended = False

    def __await__(self) -> Generator[Any, Any, Any]:
        inner = self.awaitable.__await__()
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = inner.send(value) if error is None else inner.throw(error)
            except StopIteration as done:
                return done.value
            # A bare yield (``asyncio.sleep(0)``: anyio's checkpoint before it hands out
            # a part already received) is not a wait for the network; a future is.
            if not self.suspended and step is not None:
                self.suspended = True
                delay = self.not_before - self.clock()
                if delay > 0:
                    try:
                        yield from self.sleep(delay).__await__()
                    except BaseException as exc:  # cancelled: the inner read ends too
                        value, error = None, exc
                        continue
            try:
                value, error = (yield step), None
            except BaseException as exc:  # cancellation goes to the inner awaitable
                value, error = None, exc


class TurnTaking:
    """``parts`` read in turns and at a bounded rate; see the module docstring."""

    __slots__ = (
        "__weakref__",
        "_clock",
        "_interval",
        "_parts",
        "_sleep",
        "_started",
        "_turn_s",
        "_woke",
    )

    def __init__(
        self,
        parts: AsyncIterator[bytes],
        turn_s: float = TURN_S,
        interval_s: float = READ_INTERVAL_S,
        *,
        clock: Clock = time.perf_counter,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._parts = parts
        self._turn_s = turn_s
        self._interval = interval_s
        self._clock = clock
        self._sleep = sleep
        self._started: float | None = None  # when the reader's current turn began
        self._woke = -1.0  # when the last read that waited for the network ended

    def __aiter__(self) -> TurnTaking:
        return self

    def hurry(self) -> None:
        """From now on, read what arrives at once (the turns stay)."""
        self._interval = 0.0
        self._woke = -1.0

    async def __anext__(self) -> bytes:
        clock = self._clock
        started = self._started
        if started is not None and clock() - started > self._turn_s:
            await self._sleep(0)
            self._started = started = clock()
        paced = _Paced(self._parts.__anext__(), self._woke + self._interval, clock, self._sleep)
        part: bytes = await paced  # StopAsyncIteration ends the body
        if paced.suspended:
            self._woke = self._started = clock()
        elif started is None:
            self._started = clock()
        return part


@cache
def _stream_class() -> Callable[[httpx.AsyncByteStream], httpx.AsyncByteStream]:
    """The httpx stream class (httpx is imported only when the client is made)."""
    import httpx

    class TurnTakingStream(httpx.AsyncByteStream):
        """A response body stream read in turns (see the module docstring)."""

        def __init__(self, inner: httpx.AsyncByteStream) -> None:
            self._inner = inner
            # Weak: the response outlives its reading (an error keeps it in a traceback),
            # and a reader kept alive with it would keep the transport's own generator
            # unclosed until the garbage collector finalises it outside the event loop.
            self._reader: weakref.ref[TurnTaking] | None = None

        def __aiter__(self) -> AsyncIterator[bytes]:
            reader = TurnTaking(self._inner.__aiter__())
            self._reader = weakref.ref(reader)
            return reader

        def hurry(self) -> None:
            reader = self._reader() if self._reader is not None else None
            if reader is not None:
                reader.hurry()

        async def aclose(self) -> None:
            await self._inner.aclose()

    return TurnTakingStream


async def take_turns(response: httpx.Response) -> None:
    """An httpx ``response`` event hook: read the body in turns."""
    import httpx

    stream = response.stream
    if isinstance(stream, httpx.AsyncByteStream):
        response.stream = _stream_class()(stream)


def hurry(response: httpx.Response) -> None:
    """Read the rest of ``response``'s body as it arrives (see the module docstring)."""
    hurry_up = getattr(response.stream, "hurry", None)
    if hurry_up is not None:
        hurry_up()
