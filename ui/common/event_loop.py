"""The app's asyncio loop: qasync's loop on Qt's, with one fix.

qasync's ``run_until_complete`` processes Qt's events one last time after the loop has
stopped, with no running loop set: an asyncio callback that is due then (a save starting,
a task's next step) fails with "no running event loop". This loop marks itself running
for that last pass, as ``run_forever`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import qasync
from PySide6.QtCore import QEventLoop as QtEventLoop
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


class EventLoop(qasync.QEventLoop):  # type: ignore[misc]
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
