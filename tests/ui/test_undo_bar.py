"""The undo bar: Undo calls back once and hides; the timeout and × hide without undoing."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QCursor, QEnterEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.common.undo_bar import DEFAULT_TIMEOUT_MS, UndoBar


def make(qtbot: QtBot) -> UndoBar:
    bar = UndoBar()
    qtbot.addWidget(bar)
    # Away from the pointer: hovering pauses the countdown.
    QCursor.setPos(0, 0)
    bar.move(300, 300)
    return bar


def test_undo_calls_the_callback_once_and_hides(qtbot: QtBot) -> None:
    bar = make(qtbot)
    assert not bar.isVisible() and not bar.is_pending()
    calls: list[str] = []
    bar.show_message("Chat deleted", lambda: calls.append("undo"))
    qtbot.waitExposed(bar)
    assert bar.isVisible() and bar.is_pending()
    assert bar.label.text() == "Chat deleted"
    assert 0 < bar.remaining_ms() <= DEFAULT_TIMEOUT_MS * 1.05  # a coarse timer's slack
    with qtbot.waitSignal(bar.undone):
        qtbot.mouseClick(bar.undo_button, Qt.MouseButton.LeftButton)
    assert calls == ["undo"]
    assert not bar.isVisible() and not bar.is_pending()
    bar.undo()  # nothing pending any more
    assert calls == ["undo"]


def test_it_starts_hidden_inside_a_shown_window(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    bar = UndoBar(window)
    window.show()
    qtbot.waitExposed(window)
    assert not bar.isVisible()
    bar.show_message("Chat deleted", lambda: None)
    assert bar.isVisible()
    bar.undo()
    assert not bar.isVisible() and window.isVisible()


def test_it_hides_itself_after_the_timeout_without_undoing(qtbot: QtBot) -> None:
    bar = make(qtbot)
    calls: list[str] = []
    with qtbot.waitSignal(bar.expired, timeout=2000):
        bar.show_message("Chat deleted", lambda: calls.append("undo"), timeout_ms=50)
        assert bar.isVisible()
    assert not bar.isVisible()
    assert calls == []
    assert not bar.is_pending()


def test_close_button_dismisses_without_undoing(qtbot: QtBot) -> None:
    bar = make(qtbot)
    calls: list[str] = []
    bar.show_message("Chat deleted", lambda: calls.append("undo"))
    with qtbot.waitSignal(bar.expired), qtbot.assertNotEmitted(bar.undone):
        qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    assert calls == []


def test_a_new_message_replaces_the_old_one(qtbot: QtBot) -> None:
    bar = make(qtbot)
    calls: list[str] = []
    bar.show_message("Chat A deleted", lambda: calls.append("A"))
    bar.show_message("Chat B deleted", lambda: calls.append("B"))
    assert bar.label.text() == "Chat B deleted"
    bar.undo()
    assert calls == ["B"]


def test_the_countdown_pauses_while_the_pointer_is_over_the_bar(qtbot: QtBot) -> None:
    bar = make(qtbot)
    bar.show_message("Chat deleted", lambda: None, timeout_ms=60)
    inside = QPointF(5, 5)
    QApplication.sendEvent(bar, QEnterEvent(inside, inside, bar.mapToGlobal(inside)))
    assert bar.remaining_ms() == -1
    qtbot.wait(150)
    assert bar.isVisible() and bar.is_pending()
    QApplication.sendEvent(bar, QEvent(QEvent.Type.Leave))
    assert bar.remaining_ms() > 0
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=2000)
