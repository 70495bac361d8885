"""UI tests run every async test on a qasync loop, the same kind of loop as the app."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot


def _qasync_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication([])
    # As in the app: closing a test's last window must not quit the loop under the test.
    app.setQuitOnLastWindowClosed(False)
    return qasync.QEventLoop(app, already_running=False)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """As in the app (ui/gc_guard.py): no cyclic collection in worker or gateway threads,
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
