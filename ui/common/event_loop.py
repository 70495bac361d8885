"""The app's asyncio loop: qasync's, with timers that go away when they are cancelled,
and a last event pass that runs with the loop marked running.

qasync runs every asyncio callback and timer as a Qt timer and, when a timer is
cancelled, only marks its handle: the Qt timer stays registered until it comes due. Each
network read of httpx runs under a read timeout (90 s) that is cancelled as soon as the
read returns, so while answers stream, thousands of dead timers pile up (about 200 a
second with four streams, 18,000 after 90 s), each a Qt timer and an asyncio handle,
and every new timer is inserted into Qt's ever longer sorted list of them.

:class:`EventLoop` keeps qasync's loop and replaces its timer object with
:class:`_Timers`, whose handles kill their Qt timer when they are cancelled.

qasync's ``run_until_complete`` also processes Qt's events one last time after the loop
has stopped, with no running loop set: an asyncio callback due then (a save starting, a
task's next step) failed with "no running event loop". This loop marks itself running for
that last pass, as ``run_forever`` does.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import qasync
from PySide6.QtCore import QEventLoop as QtEventLoop
from PySide6.QtCore import QObject, QThread, QTimerEvent
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


class _TimerHandle(asyncio.Handle):
    """An asyncio handle whose ``cancel()`` also kills its Qt timer."""

    __slots__ = ("_timer_id", "_timers")

    def __init__(
        self,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context | None,
        timers: _Timers,
    ) -> None:
        super().__init__(callback, args, loop, context=context)
        self._timers = timers
        self._timer_id = 0

    def cancel(self) -> None:
        if not self._cancelled:
            super().cancel()
            self._timers.discard(self._timer_id)


class _Timers(QObject):
    """The loop's timers: one Qt timer per handle, killed when it fires or is cancelled.
    The same interface as qasync's ``_SimpleTimer``."""

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, asyncio.Handle] = {}
        self._stopped = False

    def add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        timer_id = self.startTimer(int(max(0.0, delay) * 1000))
        self._handles[timer_id] = handle
        if isinstance(handle, _TimerHandle):
            handle._timer_id = timer_id
        return handle

    def discard(self, timer_id: int) -> None:
        """Forget a cancelled timer; Qt's timers can only be killed on their thread."""
        if QThread.currentThread() is not self.thread():
            return  # it is dropped when it comes due, as qasync would
        if self._handles.pop(timer_id, None) is not None:
            self.killTimer(timer_id)

    def timerEvent(self, event: QTimerEvent) -> None:
        timer_id = event.timerId()
        self.killTimer(timer_id)
        handle = self._handles.pop(timer_id, None)
        if handle is not None and not self._stopped and not handle._cancelled:
            handle._run()

    def stop(self) -> None:
        self._stopped = True
        for timer_id in list(self._handles):
            self.killTimer(timer_id)
        self._handles.clear()

    def set_debug(self, enabled: bool) -> None:
        """qasync's slow-callback warnings are not kept: asyncio's debug mode still works."""

    def pending(self) -> int:
        """Timers registered now (for tests and diagnostics)."""
        return len(self._handles)


class EventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's event loop with :class:`_Timers`; see the module docstring."""

    def __init__(self, app: QApplication | None = None, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._timer = _Timers()

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if asyncio.iscoroutinefunction(callback):
            raise TypeError("coroutines cannot be used with call_later")
        if not callable(callback):
            raise TypeError(f"callback must be callable: {type(callback).__name__}")
        timers: _Timers = self._timer
        return timers.add_callback(_TimerHandle(callback, args, self, context, timers), delay)

    def run_until_complete(self, future: Awaitable[T]) -> T:
        """Run until ``future`` is done; events left over run with the loop marked
        running."""
        if self.is_running():
            raise RuntimeError("Event loop already running")
        task = asyncio.ensure_future(future, loop=self)

        def stop(_: object) -> None:
            self.stop()

        task.add_done_callback(stop)
        try:
            self.run_forever()
        finally:
            task.remove_done_callback(stop)
        app = QApplication.instance()
        dispatcher = app.eventDispatcher() if app is not None else None
        if dispatcher is not None and not self.is_closed():
            asyncio.events._set_running_loop(self)
            try:
                dispatcher.processEvents(QtEventLoop.ProcessEventsFlag.AllEvents)
            finally:
                asyncio.events._set_running_loop(None)
        if not task.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return task.result()

    def pending_timers(self) -> int:
        timers: _Timers = self._timer
        return timers.pending()
