"""UI tests run every async test on the app's own loop (qasync's, ui/common/event_loop.py)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import pytestqt.plugin
import qasync
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.common.event_loop import EventLoop
from ui.transcript.chat_view import ChatView

_loops: list[qasync.QEventLoop] = []  # the current test's loop


def _qasync_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication([])
    # As in the app: closing a test's last window must not quit the loop under the test.
    app.setQuitOnLastWindowClosed(False)
    loop = EventLoop(app, already_running=False)
    _loops[:] = [loop]
    return loop


def _process_events_on_the_loop() -> None:
    """pytest-qt processes Qt events around each test phase, outside the loop's
    run_forever: asyncio callbacks pending on the qasync loop would then run with no
    running loop (asyncio.get_running_loop() fails in them). Mark the test's loop as
    running while they do, as run_forever would."""
    loop = _loops[0] if _loops else None
    if loop is None or loop.is_closed() or loop.is_running():
        _plain_process_events()
        return
    asyncio.events._set_running_loop(loop)
    try:
        _plain_process_events()
    finally:
        asyncio.events._set_running_loop(None)


_plain_process_events = pytestqt.plugin._process_events
pytestqt.plugin._process_events = _process_events_on_the_loop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """As in the app (ui/common/gc_guard.py): no cyclic collection in worker or gateway threads,
    where it would destroy Qt objects off their thread."""
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    """A shown parent window for dialogs, as in the app: closing a dialog then does not
    close the last window."""
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[ChatView]:
    """A shown ChatView (the chat view tests)."""
    chat = ChatView("light")
    qtbot.addWidget(chat)
    chat.resize(800, 600)
    chat.show()
    qtbot.waitExposed(chat)
    yield chat
    chat.worker.cancel_where(lambda key: True)
