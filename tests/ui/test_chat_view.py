"""The chat view with real widgets: rendering, streaming, links, menus, copying."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.chat import ChoiceSnapshot, ErrorInfo, Message, Stats, Usage
from tests.ui.chat_view_support import (
    NO_MODIFIER,
    assistant,
    click_link,
    clipboard_text,
    docs_of,
    settle,
    user,
)
from ui.render.palette import palette
from ui.render.row_documents import H_PAD
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow


def test_rows_render_with_header_body_and_stats(view: ChatView) -> None:
    stats = Stats(
        model="gpt-x-2024",
        request_id="req_123",
        ttft_s=0.42,
        tokens_per_s=38.1,
        usage=Usage(prompt_tokens=12, completion_tokens=240),
        finish_reason="stop",
    )
    rows = [user(), assistant(stats=stats)]
    view.set_rows(rows)
    settle(view)
    first = docs_of(view, rows[0].id)
    answer = docs_of(view, rows[1].id)
    assert "You" in first.plain_text("head")
    assert "How do I add numbers?" in first.plain_text("body")
    assert "Assistant" in answer.plain_text("head") and "gpt-x-2024" in answer.plain_text("head")
    assert "def add(a, b):" in answer.plain_text("body")
    footer = answer.plain_text("foot")
    assert "gpt-x-2024 · TTFT 0.42 s · 38.1 tok/s · 12+240 tokens · stop" in footer
    foot = answer.section_rect("foot")
    assert answer.tooltip_at(foot.topLeft() + QPoint(10, 5).toPointF()) == "Request id: req_123"
    assert view.model.height(1) == answer.height
    assert view.model.exact_width(1) == view.renderer.width


def test_set_rows_with_2000_rows_opens_at_the_bottom(view: ChatView) -> None:
    rows = [user(f"question {i}") if i % 2 == 0 else assistant(f"answer {i}") for i in range(2000)]
    view.set_rows(rows)
    QApplication.processEvents()
    bar = view.view.verticalScrollBar()
    assert view.model.rowCount() == 2000
    assert bar.maximum() > 0 and bar.value() == view.keeper.bottom()
    assert view.renderer.cached(rows[-1].id) is not None
    bottom = view.view.indexAt(QPoint(10, view.view.viewport().height() - 5))
    assert bottom.row() == 1999


def test_theme_switch_rebuilds_rows_in_the_new_colours(view: ChatView) -> None:
    row = assistant()
    view.set_rows([row])
    settle(view)
    assert palette("light").code_bg in "".join(p.html for p in docs_of(view, row.id).flat)
    view.set_theme("dark")
    settle(view)
    assert view.theme == "dark"
    assert "".join(p.html for p in docs_of(view, row.id).flat).count(palette("dark").code_bg) >= 1
    base = view.view.palette().color(QPalette.ColorRole.Base).name()
    assert base == palette("dark").base
    view.set_theme("light")
    settle(view)
    assert palette("light").code_bg in "".join(p.html for p in docs_of(view, row.id).flat)


def test_update_and_remove_rows(view: ChatView) -> None:
    rows = [user(), assistant("first answer")]
    view.set_rows(rows)
    settle(view)
    edited = MessageRow(Message(id=rows[1].id, role="assistant", content="edited answer " * 40))
    old_height = view.model.height(1)
    view.update_row(edited)
    settle(view)
    assert "edited answer" in docs_of(view, rows[1].id).plain_text("body")
    assert view.model.height(1) > old_height
    view.remove_row(rows[0].id)
    assert view.model.rowCount() == 1
    assert view.renderer.cached(rows[0].id) is None


def test_narrower_view_lays_rows_out_again(view: ChatView, qtbot: QtBot) -> None:
    row = assistant("word " * 400)
    view.set_rows([row])
    settle(view)
    wide = view.model.height(0)
    view.resize(400, 600)
    qtbot.waitUntil(lambda: view.renderer.width < 400)
    settle(view)
    assert view.model.height(0) > wide
    assert view.model.exact_width(0) == view.renderer.width


# --- streaming ------------------------------------------------------------------------


def test_branch_choice_and_retry_links_emit_signals(view: ChatView, qtbot: QtBot) -> None:
    message = Message(
        role="assistant",
        content="One of two answers.",
        choices=[ChoiceSnapshot(index=0, content="a"), ChoiceSnapshot(index=1, content="b")],
        chosen=0,
        status="error",
        error=ErrorInfo(
            kind="RateLimitError", message="Rate limited.", status=429, detail="slow down"
        ),
    )
    row = MessageRow(message, sibling_index=1, sibling_count=3)
    view.set_rows([user(), row])
    settle(view)
    docs = docs_of(view, row.id)
    assert "2/3" in docs.plain_text("head")
    assert "Choice 1 of 2" in docs.plain_text("foot")
    with qtbot.waitSignal(view.branch_requested) as blocker:
        click_link(qtbot, view, row.id, "chorus:branch/1")
    assert blocker.args == [row.id, 1]
    with qtbot.waitSignal(view.branch_requested) as blocker:
        click_link(qtbot, view, row.id, "chorus:branch/-1")
    assert blocker.args == [row.id, -1]
    with qtbot.waitSignal(view.choice_requested) as blocker:
        click_link(qtbot, view, row.id, "chorus:choice/1")
    assert blocker.args == [row.id, 1]
    with qtbot.waitSignal(view.retry_requested) as blocker:
        click_link(qtbot, view, row.id, "chorus:retry")
    assert blocker.args == [row.id]
    assert "slow down" not in docs_of(view, row.id).plain_text("foot")
    click_link(qtbot, view, row.id, "chorus:details")
    settle(view)
    assert "slow down" in docs_of(view, row.id).plain_text("foot")
    assert "Status: 429" in docs_of(view, row.id).plain_text("foot")


def test_copy_link_copies_its_code_block(view: ChatView, qtbot: QtBot) -> None:
    row = assistant()
    view.set_rows([row])
    settle(view)
    click_link(qtbot, view, row.id, "chorus:copy/1")
    assert clipboard_text() == "second block"
    click_link(qtbot, view, row.id, "chorus:copy/0")
    assert clipboard_text() == "def add(a, b):\n    return a + b"


def test_external_links_are_handed_to_the_window(view: ChatView, qtbot: QtBot) -> None:
    row = assistant("Read [the guide](https://example.com/guide).")
    view.set_rows([row])
    settle(view)
    with qtbot.waitSignal(view.link_activated) as blocker:
        click_link(qtbot, view, row.id, "https://example.com/guide")
    assert blocker.args == ["https://example.com/guide"]


def test_thinking_is_collapsed_until_clicked(view: ChatView, qtbot: QtBot) -> None:
    row = assistant("The answer.", reasoning="First I considered the secret plan.")
    view.set_rows([row])
    settle(view)
    assert "Thinking" in docs_of(view, row.id).plain_text("head")
    assert "secret plan" not in docs_of(view, row.id).plain_text("think")
    collapsed = view.model.height(0)
    click_link(qtbot, view, row.id, "chorus:think")
    settle(view)
    assert "secret plan" in docs_of(view, row.id).plain_text("think")
    assert view.model.height(0) > collapsed
    click_link(qtbot, view, row.id, "chorus:think")
    settle(view)
    assert docs_of(view, row.id).plain_text("think") == ""
    assert view.model.height(0) == collapsed


# --- menus and copying ------------------------------------------------------------------


def test_context_menu_actions_emit_the_right_signals(view: ChatView, qtbot: QtBot) -> None:
    question, answer = user(), assistant()
    view.set_rows([question, answer])

    def actions(message_id: str) -> dict[str, QAction]:
        menu = view.context_menu_for(message_id)
        return {a.text(): a for a in menu.actions() if a.text()}

    user_actions = actions(question.id)
    assert "Edit" in user_actions and "Regenerate" not in user_actions
    with qtbot.waitSignal(view.edit_requested) as blocker:
        user_actions["Edit"].trigger()
    assert blocker.args == [question.id]
    answer_actions = actions(answer.id)
    assert "Regenerate" in answer_actions and "Edit" not in answer_actions
    with qtbot.waitSignal(view.regenerate_requested) as blocker:
        answer_actions["Regenerate"].trigger()
    assert blocker.args == [answer.id]
    with qtbot.waitSignal(view.delete_requested) as blocker:
        actions(answer.id)["Delete"].trigger()
    assert blocker.args == [answer.id]


def test_copy_actions_put_text_on_the_clipboard(view: ChatView, qtbot: QtBot) -> None:
    question, answer = user("What is **2+2**?"), assistant("It is **4**.")
    view.set_rows([question, answer])
    menu = {a.text(): a for a in view.context_menu_for(question.id).actions()}
    menu["Copy"].trigger()
    assert clipboard_text() == "What is 2+2?"
    menu["Copy as Markdown"].trigger()
    assert clipboard_text() == "What is **2+2**?"
    with qtbot.waitSignal(view.copy_all_requested):  # the page copies its whole chat
        menu["Copy all"].trigger()


def test_ctrl_c_copies_the_current_row(view: ChatView, qtbot: QtBot) -> None:
    rows = [user("first question"), assistant("the *answer*")]
    view.set_rows(rows)
    view.view.setFocus()
    view.view.setCurrentIndex(view.model.index(1))
    QTest.keyClick(view.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard_text() == "the answer"


def test_double_click_opens_a_text_selector_and_escape_closes_it(
    view: ChatView, qtbot: QtBot
) -> None:
    row = assistant("Select part of this sentence, please.")
    view.set_rows([row])
    settle(view)
    docs = docs_of(view, row.id)
    rect = view.view.visualRect(view.model.index(0))
    body = docs.section_rect("body")
    point = QPoint(rect.left() + H_PAD + 5, rect.top() + int(body.top()) + 5)
    # A real double-click: press, release, then the double-click event.
    QTest.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, NO_MODIFIER, point)
    QTest.mouseDClick(view.view.viewport(), Qt.MouseButton.LeftButton, NO_MODIFIER, point)
    qtbot.waitUntil(lambda: view.text_selector() is not None)
    editor = view.text_selector()
    assert editor is not None and editor.isReadOnly()
    assert "Select part of this sentence" in editor.toPlainText()
    editor.selectAll()
    assert view.selected_text().strip() == "Select part of this sentence, please."
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.text_selector() is None)
    assert view.selected_text() == ""


def test_select_text_action_opens_the_selector(view: ChatView, qtbot: QtBot) -> None:
    row = assistant("Some text to select.")
    view.set_rows([row])
    settle(view)
    menu = {a.text(): a for a in view.context_menu_for(row.id).actions()}
    menu["Select text…"].trigger()
    qtbot.waitUntil(lambda: view.text_selector() is not None)
    editor = view.text_selector()
    assert editor is not None and "Some text to select." in editor.toPlainText()
