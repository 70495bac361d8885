"""Bodies read in turns (core/api/turns.py): the loop gets a turn after a reader's turn
of work, and a read that must wait for the network first waits out the read interval.
A fake clock and a recording sleep make every case exact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.api.turns import READ_INTERVAL_S, TURN_S, TurnTaking
from tests.gateway import Reply, text_chunks


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """Records each sleep; a real ``asyncio.sleep(0)`` lets the loop run."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)


async def buffered(count: int) -> AsyncIterator[bytes]:
    """Parts that are all there already: reading them never suspends."""
    for i in range(count):
        yield b"part %d" % i


async def arriving(gates: list[asyncio.Event]) -> AsyncIterator[bytes]:
    """One part per gate: each read waits for its gate (a network wait)."""
    for i, gate in enumerate(gates):
        await gate.wait()
        yield b"part %d" % i


async def test_the_loop_gets_a_turn_once_the_reader_has_worked_a_turn() -> None:
    clock, sleeps = FakeClock(), Sleeps()
    parts = TurnTaking(buffered(10), clock=clock, sleep=sleeps)
    got = []
    async for part in parts:
        got.append(part)
        clock.now += 0.0008  # the reader's own work on each part
    assert len(got) == 10
    # 0.8 ms a part: past the 2 ms turn after the third part, then every third part.
    assert TURN_S == 0.002
    assert sleeps.calls == [0, 0, 0]


async def test_other_tasks_run_between_the_turns() -> None:
    clock, sleeps = FakeClock(), Sleeps()
    order: list[str] = []

    async def other() -> None:
        for _ in range(3):
            order.append("other")
            await asyncio.sleep(0)

    async def reader() -> None:
        async for _ in TurnTaking(buffered(8), clock=clock, sleep=sleeps):
            order.append("part")
            clock.now += 0.003  # every part is a whole turn of work

    await asyncio.gather(reader(), other())
    assert order.index("other") < order.index("part") + 2  # not all parts first
    assert order.count("part") == 8


async def test_a_read_that_waits_for_the_network_first_waits_out_the_interval() -> None:
    clock, sleeps = FakeClock(), Sleeps()
    gates = [asyncio.Event() for _ in range(3)]
    parts = TurnTaking(arriving(gates), clock=clock, sleep=sleeps)
    first = asyncio.ensure_future(parts.__anext__())
    await asyncio.sleep(0)
    gates[0].set()  # the part arrives while the reader waits for it
    assert await first == b"part 0"
    assert sleeps.calls == []  # the first read is never held back
    clock.now += 0.0015  # 1.5 ms later (within its turn) the reader asks again
    second = asyncio.ensure_future(parts.__anext__())
    await asyncio.sleep(0)  # nothing has arrived: the read waits, first the interval out
    assert sleeps.calls == [pytest.approx(READ_INTERVAL_S - 0.0015)]
    gates[1].set()
    assert await second == b"part 1"
    clock.now += 0.05  # 50 ms of work later: a turn for the loop, and no waiting out
    gates[2].set()
    assert await parts.__anext__() == b"part 2"
    assert sleeps.calls[1:] == [0]
    with pytest.raises(StopAsyncIteration):
        await parts.__anext__()


async def test_stop_during_the_wait_ends_the_read_too() -> None:
    clock = FakeClock()
    ended = asyncio.Event()
    gate = asyncio.Event()

    async def source() -> AsyncIterator[bytes]:
        yield b"first"
        try:
            await gate.wait()
            yield b"never"
        finally:
            ended.set()

    inner = source()
    parts = TurnTaking(inner, clock=clock)  # the real asyncio.sleep: a 10 ms wait
    assert await parts.__anext__() == b"first"
    read = asyncio.ensure_future(parts.__anext__())
    await asyncio.sleep(0)
    read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read
    await inner.aclose()
    assert ended.is_set()


async def test_the_apps_http_client_reads_streams_in_turns(gateway, chat) -> None:
    """Through the app's client and the loopback gateway, a streamed answer arrives whole
    and in order with the turns on (the hook is part of ``make_http_client``)."""
    from core.api.accumulator import StreamAccumulator
    from core.endpoint import Endpoint

    words = " ".join(f"w{i}" for i in range(300))
    gateway.push(Reply.stream(text_chunks(words), delay=0.0005))
    acc = StreamAccumulator()
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    completion = await chat.complete(Endpoint(gateway.url), body, acc)
    assert completion.choices[0].content == words


async def test_a_part_already_received_is_read_at_once_after_a_bare_yield() -> None:
    """anyio yields once (``sleep(0)``, a checkpoint) before it hands out a part it has
    already received: that is no wait for the network, so the read is not held back
    (held back, the reads fell behind the parts and an answer ended ~20 ms late)."""
    clock, sleeps = FakeClock(), Sleeps()

    async def checkpointed(count: int) -> AsyncIterator[bytes]:
        for i in range(count):
            await asyncio.sleep(0)
            yield b"part %d" % i

    parts = TurnTaking(checkpointed(5), clock=clock, sleep=sleeps)
    got = [part async for part in parts]
    assert len(got) == 5
    assert sleeps.calls == []


async def test_a_hurried_reader_waits_for_the_network_without_the_interval() -> None:
    clock, sleeps = FakeClock(), Sleeps()
    gates = [asyncio.Event() for _ in range(3)]
    parts = TurnTaking(arriving(gates), clock=clock, sleep=sleeps)
    gates[0].set()
    assert await parts.__anext__() == b"part 0"
    parts.hurry()  # the answer's end is coming: read it the moment it arrives
    clock.now += 0.0015
    for i in (1, 2):
        read = asyncio.ensure_future(parts.__anext__())
        await asyncio.sleep(0)
        gates[i].set()
        assert await read == b"part %d" % i
    assert sleeps.calls == []
