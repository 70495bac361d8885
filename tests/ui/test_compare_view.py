"""The comparison widgets with real widgets: columns, headers, signals, streaming, scrolling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.chat import Message
from ui.compare.column import MIN_COLUMN_WIDTH, CompareColumn
from ui.compare.view import MAX_COLUMNS, CompareView
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow

THREE = [("a", "gpt-4o-mini"), ("b", "claude-sonnet-4-5"), ("c", "deepseek-chat")]
LONG = "A paragraph that is long enough to wrap over several lines in a narrow column. " * 6


@pytest.fixture
def compare(qtbot: QtBot) -> Iterator[CompareView]:
    view = CompareView("light")
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.set_columns(list(THREE))
    view.show()
    qtbot.waitExposed(view)
    yield view
    for column in view.columns():
        column.view.worker.cancel_where(lambda key: True)


def col(view: CompareView, column_id: str) -> CompareColumn:
    column = view.column(column_id)
    assert column is not None
    return column


def settle(view: ChatView) -> None:
    for _ in range(3):
        view.worker.run_all()
        QApplication.processEvents()
        view.keeper.apply_pending()


def conversation(turns: int) -> list[MessageRow]:
    rows: list[MessageRow] = []
    for turn in range(turns):
        rows.append(MessageRow(Message(role="user", content=f"Question {turn}?")))
        rows.append(MessageRow(Message(role="assistant", content=f"Answer {turn}. {LONG}")))
    return rows


def recorder(signal: object) -> list[tuple[object, ...]]:
    calls: list[tuple[object, ...]] = []
    signal.connect(lambda *args: calls.append(args))  # type: ignore[attr-defined]
    return calls


# --- columns ----------------------------------------------------------------------------


def test_set_columns_keeps_surviving_widgets_in_the_new_order(compare: CompareView) -> None:
    a, c = col(compare, "a"), col(compare, "c")
    a.view.set_rows(conversation(1))
    assert [column.column_id for column in compare.columns()] == ["a", "b", "c"]

    compare.set_columns([("c", "deepseek-chat"), ("a", "gpt-4.1")])
    QApplication.processEvents()

    assert compare.columns() == [c, a]
    assert compare.column("b") is None
    assert compare.column("a") is a and a.model() == "gpt-4.1"
    assert "gpt-4.1" in a.header.model_button.text()
    assert len(a.view.rows()) == 2  # the kept widget kept its messages
    assert c.geometry().right() < a.geometry().left()  # shown in the new order
    assert not c.header.move_left_action.isEnabled() and c.header.move_right_action.isEnabled()
    assert a.header.move_left_action.isEnabled() and not a.header.move_right_action.isEnabled()

    compare.set_columns([("a", "gpt-4.1"), ("d", "o3"), ("c", "deepseek-chat")])
    QApplication.processEvents()
    assert [column.column_id for column in compare.columns()] == ["a", "d", "c"]
    assert compare.columns()[0] is a and compare.columns()[2] is c
    assert a.geometry().right() < col(compare, "d").geometry().left()
    assert col(compare, "d").geometry().right() < c.geometry().left()


def test_remove_column(compare: CompareView) -> None:
    compare.remove_column("b")
    assert compare.column_ids() == ["a", "c"]
    compare.remove_column("nope")
    assert compare.column_ids() == ["a", "c"]


def test_columns_share_the_width_then_scroll_horizontally(compare: CompareView) -> None:
    QApplication.processEvents()
    widths = [column.width() for column in compare.columns()]
    assert max(widths) - min(widths) <= 1 and min(widths) > MIN_COLUMN_WIDTH
    assert compare.scroll_area.horizontalScrollBar().maximum() == 0
    compare.set_columns([(f"c{i}", "m") for i in range(MAX_COLUMNS)])
    QApplication.processEvents()
    assert all(column.width() >= MIN_COLUMN_WIDTH for column in compare.columns())
    assert compare.scroll_area.horizontalScrollBar().maximum() > 0


def test_add_column_button(compare: CompareView, qtbot: QtBot) -> None:
    with qtbot.waitSignal(compare.add_column_requested, timeout=1000):
        QTest.mouseClick(compare.add_button, Qt.MouseButton.LeftButton)
    compare.set_columns([(f"c{i}", "m") for i in range(MAX_COLUMNS)])
    assert not compare.add_button.isEnabled()
    compare.set_columns(list(THREE))
    assert compare.add_button.isEnabled()


def test_set_theme_reaches_every_column(compare: CompareView) -> None:
    compare.set_theme("dark")
    assert [column.view.theme for column in compare.columns()] == ["dark"] * 3
    compare.set_columns([*THREE, ("d", "o3")])
    assert col(compare, "d").view.theme == "dark"


# --- header and menus -------------------------------------------------------------------


def test_stop_is_visible_only_while_generating(compare: CompareView, qtbot: QtBot) -> None:
    b = col(compare, "b")
    header = b.header
    assert not header.stop_button.isVisible() and not header.busy.isVisible()
    assert header.regenerate_button.isVisible()
    height = header.height()

    b.set_generating(True)
    assert header.stop_button.isVisible() and header.busy.isVisible()
    assert not header.regenerate_button.isVisible()
    assert not col(compare, "a").header.stop_button.isVisible()
    QApplication.processEvents()
    assert header.height() == height  # the busy bar keeps its room: columns stay aligned
    stops = recorder(compare.column_stop_requested)
    QTest.mouseClick(header.stop_button, Qt.MouseButton.LeftButton)
    assert stops == [("b",)]

    b.set_generating(False)
    assert not header.stop_button.isVisible() and not header.busy.isVisible()
    regenerates = recorder(compare.column_regenerate_requested)
    QTest.mouseClick(header.regenerate_button, Qt.MouseButton.LeftButton)
    assert regenerates == [("b",)]
    header.set_can_regenerate(False)
    assert not header.regenerate_button.isEnabled()


def test_menu_actions_carry_the_column_id(compare: CompareView) -> None:
    header = col(compare, "b").header
    duplicates = recorder(compare.column_duplicate_requested)
    moves = recorder(compare.column_move_requested)
    continues = recorder(compare.column_continue_requested)
    removes = recorder(compare.column_remove_requested)
    models = recorder(compare.column_model_clicked)
    assert header.menu_button.menu() is header.menu
    assert [action.text() for action in header.menu.actions() if not action.isSeparator()] == [
        "Duplicate",
        "Move left",
        "Move right",
        "Continue with this one",
        "Remove",
    ]

    header.duplicate_action.trigger()
    header.move_left_action.trigger()
    header.move_right_action.trigger()
    header.continue_action.trigger()
    header.remove_action.trigger()
    QTest.mouseClick(header.model_button, Qt.MouseButton.LeftButton)

    assert duplicates == [("b",)]
    assert moves == [("b", -1), ("b", 1)]
    assert continues == [("b",)]
    assert removes == [("b",)]
    assert models == [("b",)]
    assert compare.column_ids() == ["a", "b", "c"]  # the owner decides what happens


def test_chat_view_requests_carry_the_column_id(compare: CompareView) -> None:
    view = col(compare, "c").view
    retries = recorder(compare.column_retry_requested)
    branches = recorder(compare.column_branch_requested)
    choices = recorder(compare.column_choice_requested)
    edits = recorder(compare.column_edit_requested)
    view.retry_requested.emit("m1")
    view.branch_requested.emit("m2", -1)
    view.choice_requested.emit("m3", 2)
    view.edit_requested.emit("m4")
    assert retries == [("c", "m1")]
    assert branches == [("c", "m2", -1)]
    assert choices == [("c", "m3", 2)]
    assert edits == [("c", "m4")]


# --- parameters -----------------------------------------------------------------------


def test_params_toggle_opens_the_column_panel(compare: CompareView, qtbot: QtBot) -> None:
    a = col(compare, "a")
    a.set_params({"temperature": 0.3})
    assert a.params_panel is None
    QTest.mouseClick(a.header.params_button, Qt.MouseButton.LeftButton)
    panel = a.params_panel
    assert panel is not None and panel.isVisible()
    assert a.header.params_button.isChecked()
    assert panel.values() == {"temperature": 0.3}
    assert col(compare, "b").params_panel is None

    changes = recorder(compare.column_params_changed)
    panel.rows["top_p"].set_sent(True)
    panel.flush()
    assert len(changes) == 1
    column_id, values = changes[0]
    assert column_id == "a"
    assert values == {"temperature": 0.3, "top_p": panel.rows["top_p"].value()}
    assert a.params() == values

    QTest.mouseClick(a.header.params_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible() and not a.header.params_button.isChecked()


# --- streaming --------------------------------------------------------------------------


def test_streaming_into_one_column_leaves_the_others_alone(compare: CompareView) -> None:
    a, b = col(compare, "a"), col(compare, "b")
    question = MessageRow(Message(role="user", content="Hello?"))
    answer_a = MessageRow(Message(role="assistant", content="Hi from A"))
    a.view.set_rows([question, answer_a])
    b.view.set_rows([MessageRow(Message(role="user", content="Hello?"))])
    settle(a.view)
    before = a.view.rows()
    live = MessageRow(Message(role="assistant", content="", status="streaming"))

    b.view.start_stream(live)
    b.view.stream_text(live.id, "Streaming **into B**", "thinking")
    b.view.flush_stream()

    assert b.view.is_streaming()
    assert b.view.message_text(live.id) == "Streaming **into B**"
    assert a.view.rows() == before
    assert not a.view.is_streaming()
    assert a.view.message_text(live.id) == ""
    assert a.view.message_text(answer_a.id) == "Hi from A"
    assert col(compare, "c").view.rows() == []


# --- synced scrolling -------------------------------------------------------------------


def wheel(column: CompareColumn, delta: int) -> None:
    viewport = column.view.view.viewport()
    centre = QPointF(viewport.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(viewport.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)


def _scrollable(compare: CompareView) -> tuple[CompareColumn, CompareColumn, CompareColumn]:
    a, b, c = (col(compare, cid) for cid in "abc")
    a.view.set_rows(conversation(12))
    b.view.set_rows(conversation(24))
    c.view.set_rows(conversation(6))
    for column in (a, b, c):
        settle(column.view)
        assert column.view.keeper.bottom() > 0
    assert a.view.keeper.bottom() != b.view.keeper.bottom()
    return a, b, c


def test_synced_scrolling_moves_the_others_proportionally(compare: CompareView) -> None:
    a, b, c = _scrollable(compare)
    assert not compare.synced_scrolling()
    changes = recorder(compare.synced_scrolling_changed)
    QTest.mouseClick(compare.sync_button, Qt.MouseButton.LeftButton)
    assert compare.synced_scrolling() and changes == [(True,)]
    echoes = recorder(b.scrolled)

    bar_a = a.view.view.verticalScrollBar()
    target = a.view.keeper.bottom() // 4
    bar_a.setSliderPosition(target)  # as a drag does: reports a scroll action
    assert bar_a.value() == target

    for other in (b, c):
        bar = other.view.view.verticalScrollBar()
        expected = round(0.25 * other.view.keeper.bottom())
        assert abs(bar.value() - expected) <= 2, other.column_id
        assert not other.view.keeper.stick
    assert b.view.view.verticalScrollBar().value() != target  # relative, not absolute
    assert echoes == []  # the moved columns report nothing back

    b.view.view.verticalScrollBar().triggerAction(
        b.view.view.verticalScrollBar().SliderAction.SliderToMaximum
    )
    assert a.view.view.verticalScrollBar().value() == a.view.keeper.bottom()
    assert c.view.view.verticalScrollBar().value() == c.view.keeper.bottom()

    wheel(c, 120)  # a wheel turn up in column c
    fraction = c.scroll_fraction()
    assert fraction < 1.0
    assert a.scroll_fraction() == pytest.approx(fraction, abs=0.01)
    assert b.scroll_fraction() == pytest.approx(fraction, abs=0.01)


def test_scrolling_by_the_program_does_not_sync(compare: CompareView) -> None:
    a, b, _c = _scrollable(compare)
    compare.set_synced_scrolling(True)
    b_value = b.view.view.verticalScrollBar().value()
    a.view.view.verticalScrollBar().setValue(10)  # e.g. the view keeping its place
    assert b.view.view.verticalScrollBar().value() == b_value


def test_synced_scrolling_off_leaves_the_others(compare: CompareView) -> None:
    a, b, c = _scrollable(compare)
    compare.set_synced_scrolling(True)
    compare.set_synced_scrolling(False)
    assert not compare.sync_button.isChecked()
    values = [column.view.view.verticalScrollBar().value() for column in (b, c)]
    a.view.view.verticalScrollBar().setSliderPosition(5)
    assert a.view.view.verticalScrollBar().value() == 5
    assert [column.view.view.verticalScrollBar().value() for column in (b, c)] == values
