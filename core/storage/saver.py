"""Throttled saving of chats that change many times a second (streamed answers).

The caller calls :meth:`ThrottledSaver.touch` after every change. The first change is
written at the next turn of the event loop, later ones at most once every ``interval``
seconds, and :meth:`ThrottledSaver.flush` writes whatever is left at once (end of stream,
stop, error, quit). One write is in flight at a time, so a crash loses at most about
``interval`` seconds of text.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Protocol

from core.chat import Chat

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 1.0


class AsyncChatSaver(Protocol):
    async def save_async(self, chat: Chat) -> None: ...


class ThrottledSaver:
    """Coalesces saves of one or more chats into at most one write per ``interval``.

    ``on_error`` is called with the exception of a failed background write (the chat stays
    pending and is tried again after ``interval``); a failed write during :meth:`flush`
    is raised from it. ``on_recovered`` is called when a write succeeds after a failure.
    """

    def __init__(
        self,
        store: AsyncChatSaver,
        interval: float = DEFAULT_INTERVAL_S,
        *,
        on_error: Callable[[Exception], None] | None = None,
        on_recovered: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self.interval = interval
        self._on_error = on_error
        self._on_recovered = on_recovered
        self._failing = False  # the last write failed
        self._dirty: dict[str, Chat] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[Exception | None] | None = None
        self._last_start = -math.inf
        self.writes = 0  # completed writes, for diagnostics and tests

    @property
    def pending(self) -> bool:
        """True while a change has not reached the disk yet."""
        return bool(self._dirty) or self._task is not None

    def touch(self, chat: Chat) -> None:
        """Note that ``chat`` changed; it is saved within ``interval`` seconds."""
        self._dirty[chat.id] = chat
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None or self._task is not None or not self._dirty:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last_start + self.interval - loop.time())
        self._timer = loop.call_later(delay, self._start)

    def _start(self) -> None:
        self._timer = None
        if self._task is None and self._dirty:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="chorus-throttled-save"
            )

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _run(self, report: bool = True) -> Exception | None:
        """Write every chat that is dirty now; returns the first failure (not raised).

        With ``report`` the failure also goes to ``on_error``.
        """
        loop = asyncio.get_running_loop()
        self._last_start = loop.time()
        batch, self._dirty = self._dirty, {}
        failure: Exception | None = None
        try:
            for chat_id, chat in batch.items():
                try:
                    await self._store.save_async(chat)
                    self.writes += 1
                except Exception as exc:
                    log.warning("Could not save chat %s: %s", chat_id, exc)
                    self._dirty.setdefault(chat_id, chat)
                    failure = failure or exc
        finally:
            self._task = None
            self._schedule()
        if failure is not None and report and self._on_error is not None:
            self._on_error(failure)
        if failure is None and batch and self._failing and self._on_recovered is not None:
            self._on_recovered()
        self._failing = failure is not None if batch else self._failing
        return failure

    async def flush(self) -> None:
        """Write every pending change now and wait for it; raises if that write fails."""
        while True:
            self._cancel_timer()
            task = self._task
            if task is None:
                if not self._dirty:
                    return
                task = self._task = asyncio.get_running_loop().create_task(
                    self._run(report=False), name="chorus-throttled-save"
                )
                failure = await asyncio.shield(task)
                if failure is not None:
                    raise failure
            else:
                await asyncio.shield(task)
