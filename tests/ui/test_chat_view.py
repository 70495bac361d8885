"""The chat view with real widgets: rendering, streaming, links, menus, copying."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QHelpEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem, QToolTip
from pytestqt.qtbot import QtBot

from core.chat import ChoiceSnapshot, ErrorInfo, Message, Stats, ToolCall, Usage
from ui.models.message_model import MessageRow
from ui.render.live_markdown import CODE_PART_LINES, SYNC_HIGHLIGHT_LINES
from ui.render.row_documents import H_PAD, RowDocs
from ui.render.theme import palette
from ui.widgets.chat_view import ChatView

CODE_ANSWER = (
    "Here you go:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\n"
    "And more:\n\n```\nsecond block\n```\n"
)


NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def user(text: str = "How do I add numbers?") -> MessageRow:
    return MessageRow(Message(role="user", content=text))


def assistant(text: str = CODE_ANSWER, **fields: object) -> MessageRow:
    return MessageRow(Message(role="assistant", model="gpt-x", content=text, **fields))  # type: ignore[arg-type]


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[ChatView]:
    chat = ChatView("light")
    qtbot.addWidget(chat)
    chat.resize(800, 600)
    chat.show()
    qtbot.waitExposed(chat)
    yield chat
    chat.worker.cancel_where(lambda key: True)


def settle(view: ChatView) -> None:
    for _ in range(3):
        view.worker.run_all()
        QApplication.processEvents()
        view.keeper.apply_pending()


def docs_of(view: ChatView, message_id: str) -> RowDocs:
    docs = view.renderer.cached(message_id)
    if docs is None:
        view.renderer.docs_for(view.model.row_of(message_id), 1e6)
        docs = view.renderer.cached(message_id)
    assert docs is not None
    return docs


def click_link(qtbot: QtBot, view: ChatView, message_id: str, href: str) -> None:
    index = view.model.index(view.model.row_of(message_id))
    view.view.scrollTo(index)
    settle(view)
    rect = view.delegate.anchor_rect(view.view, index, href)
    assert not rect.isEmpty(), f"no link {href}"
    assert view.view.viewport().rect().contains(rect.center())
    QTest.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, NO_MODIFIER, rect.center())


def clipboard_text() -> str:
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None
    return clipboard.text()


# --- rendering ------------------------------------------------------------------------


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


def test_stream_text_is_buffered_and_flushed_by_the_timer(view: ChatView, qtbot: QtBot) -> None:
    view.set_rows([user()])
    live = assistant("", status="streaming")
    view.start_stream(live)
    calls: list[str] = []
    original = view.renderer.live_update

    def counting(message_id: str, *args: object, **kwargs: object) -> None:
        calls.append(message_id)
        original(message_id, *args, **kwargs)  # type: ignore[arg-type]

    view.renderer.live_update = counting  # type: ignore[method-assign]
    text = ""
    for word in ["Hello", " streaming", " world", "."] * 10:
        text += word
        view.stream_text(live.id, text)
    assert calls == []  # nothing is rendered per token
    assert "Hello" not in docs_of(view, live.id).plain_text("body")
    qtbot.waitUntil(lambda: "Hello streaming world." in docs_of(view, live.id).plain_text("body"))
    assert len(calls) <= 2
    assert "Generating" in docs_of(view, live.id).plain_text("foot")
    view.stream_text(live.id, text + "\n\nA second paragraph")
    qtbot.waitUntil(lambda: "second paragraph" in docs_of(view, live.id).plain_text("body"))


def test_finish_renders_the_answer_with_highlighting(view: ChatView, qtbot: QtBot) -> None:
    live = assistant("", status="streaming")
    view.set_rows([user()])
    view.start_stream(live)
    partial = "Code:\n\n```python\ndef add(a, b):\n"
    view.stream_text(live.id, partial)
    view.flush_stream()
    code_html = "".join(p.html for p in docs_of(view, live.id).sections["body"])
    assert "def add" in code_html and "<span style" not in code_html  # plain while open
    stats = Stats(model="gpt-x", tokens_per_s=10.0, finish_reason="stop")
    final = MessageRow(Message(id=live.id, role="assistant", content=CODE_ANSWER, stats=stats))
    view.finish_stream(final)
    docs = docs_of(view, live.id)
    assert not view.renderer.is_live(live.id)
    html = "".join(p.html for p in docs.sections["body"])
    assert '<span style="color:' in html
    assert "Generating" not in docs.plain_text("foot")
    assert "gpt-x · 10.0 tok/s · stop" in docs.plain_text("foot")
    assert view.model.data(view.model.index(1), view.model.HtmlRole)


def test_long_code_is_highlighted_after_finish_in_slices(view: ChatView, qtbot: QtBot) -> None:
    assert CODE_PART_LINES * 2 > SYNC_HIGHLIGHT_LINES
    lines = "\n".join(f"value_{i} = compute({i})" for i in range(CODE_PART_LINES * 2 + 10))
    text = f"Long:\n\n```python\n{lines}\n```\n"
    live = assistant("")
    view.set_rows([])
    view.start_stream(live)
    view.stream_text(live.id, text[: len(text) // 2])
    view.flush_stream()
    view.finish_stream(MessageRow(Message(id=live.id, role="assistant", content=text)))
    body = docs_of(view, live.id).sections["body"]
    assert not any("<span style" in item.html for item in body if item.kind == "code")

    def highlighted() -> bool:
        parts = docs_of(view, live.id).sections["body"]
        code = [item for item in parts if item.kind == "code"]
        return len(code) == 3 and all("<span style" in item.html for item in code)

    qtbot.waitUntil(highlighted)


def test_view_sticks_to_the_bottom_while_streaming(view: ChatView) -> None:
    view.set_rows([user(f"question {i}") for i in range(30)])
    live = assistant("")
    view.start_stream(live)
    bar = view.view.verticalScrollBar()
    values = []
    text = ""
    for i in range(60):
        text += f"Line {i} of the answer with a few words in it.\n\n"
        view.stream_text(live.id, text)
        view.flush_stream()
        QApplication.processEvents()
        assert bar.value() == view.keeper.bottom()
        values.append(bar.value())
    assert values[-1] > values[0]
    last_line = view.view.indexAt(QPoint(10, view.view.viewport().height() - 5))
    assert last_line.row() == view.model.row_of(live.id)


def test_scrolled_up_view_keeps_its_place_while_streaming(view: ChatView) -> None:
    view.set_rows([user(f"question {i} " * 20) for i in range(40)])
    live = assistant("")
    view.start_stream(live)
    settle(view)
    bar = view.view.verticalScrollBar()
    bar.setValue(bar.value() - 1500)  # the person scrolls up
    assert not view.keeper.stick
    value = bar.value()
    top_row = view.view.indexAt(QPoint(10, 5)).row()
    text = ""
    for i in range(40):
        text += f"Line {i} of the answer.\n\n"
        view.stream_text(live.id, text)
        view.flush_stream()
        QApplication.processEvents()
    settle(view)
    assert bar.value() == value
    assert view.view.indexAt(QPoint(10, 5)).row() == top_row


def test_live_row_height_signals_are_rare(view: ChatView) -> None:
    view.set_rows([user()])
    live = assistant("")
    view.start_stream(live)
    changes: list[int] = []
    view.model.dataChanged.connect(lambda *args: changes.append(1))
    text = ""
    for i in range(60):
        text += f"Line {i}\n\n"
        view.stream_text(live.id, text)
        view.flush_stream()
    assert 0 < len(changes) < 20


async def test_streaming_from_an_asyncio_task(view: ChatView, qtbot: QtBot) -> None:
    view.set_rows([user()])
    live = assistant("")
    view.start_stream(live)

    async def network() -> str:
        text = ""
        for i in range(30):
            text += f"token{i} "
            view.stream_text(live.id, text)
            await asyncio.sleep(0.002)
        return text

    text = await network()
    qtbot.waitUntil(lambda: "token29" in docs_of(view, live.id).plain_text("body"))
    view.finish_stream(MessageRow(Message(id=live.id, role="assistant", content=text)))
    assert "token29" in docs_of(view, live.id).plain_text("body")


# --- links ----------------------------------------------------------------------------


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


def test_copy_actions_put_text_on_the_clipboard(view: ChatView) -> None:
    question, answer = user("What is **2+2**?"), assistant("It is **4**.")
    view.set_rows([question, answer])
    menu = {a.text(): a for a in view.context_menu_for(question.id).actions()}
    menu["Copy"].trigger()
    assert clipboard_text() == "What is 2+2?"
    menu["Copy as Markdown"].trigger()
    assert clipboard_text() == "What is **2+2**?"
    menu["Copy all"].trigger()
    everything = clipboard_text()
    assert "What is **2+2**?" in everything and "It is **4**." in everything
    assert everything.index("2+2") < everything.index("It is")


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


# --- live-row edge cases ----------------------------------------------------------------


def stream(view: ChatView, message_id: str, text: str, step: int = 200, **kw: object) -> None:
    for end in range(step, len(text) + step, step):
        view.stream_text(message_id, text[:end], **kw)  # type: ignore[arg-type]
        view.flush_stream()


def test_theme_switch_while_streaming_catches_up(view: ChatView) -> None:
    live = assistant("")
    view.set_rows([user()])
    view.start_stream(live)
    text = "".join(f"Paragraph {i} with some words.\n\n" for i in range(300))
    text += "```python\nx = 1\n```\n\n"
    stream(view, live.id, text, step=2000)
    view.set_theme("dark")
    more = text + "The end of the answer."
    view.stream_text(live.id, more)
    settle(view)
    view.flush_stream()
    docs = docs_of(view, live.id)
    assert docs.theme == "dark"
    body = docs.plain_text("body")
    assert "Paragraph 0 with" in body and "Paragraph 299 with" in body
    assert "The end of the answer." in body
    assert palette("dark").code_bg in "".join(p.html for p in docs.sections["body"])
    view.finish_stream(MessageRow(Message(id=live.id, role="assistant", content=more)))
    assert "The end of the answer." in docs_of(view, live.id).plain_text("body")


def test_width_change_while_streaming_relays_out_the_live_row(view: ChatView, qtbot: QtBot) -> None:
    live = assistant("")
    view.set_rows([user()])
    view.start_stream(live)
    stream(view, live.id, "word " * 600, step=500)
    settle(view)
    height = docs_of(view, live.id).height
    view.resize(420, 600)
    qtbot.waitUntil(lambda: view.renderer.width < 420)
    settle(view)
    docs = docs_of(view, live.id)
    assert all(item.doc.textWidth() == view.renderer.width for item in docs.flat)
    assert docs.height > height


def test_reasoning_streams_under_a_thinking_toggle(view: ChatView, qtbot: QtBot) -> None:
    live = assistant("")
    view.set_rows([user()])
    view.start_stream(live)
    view.stream_text(live.id, "", reasoning="Considering the options")
    view.flush_stream()
    docs = docs_of(view, live.id)
    assert "Thinking…" in docs.plain_text("head")
    assert docs.plain_text("think") == ""
    click_link(qtbot, view, live.id, "chorus:think")
    assert "Considering the options" in docs_of(view, live.id).plain_text("think")
    view.stream_text(live.id, "The answer", reasoning="Considering the options carefully")
    view.flush_stream()
    docs = docs_of(view, live.id)
    assert "carefully" in docs.plain_text("think")
    assert "The answer" in docs.plain_text("body")
    assert "Thinking…" not in docs.plain_text("head")


def test_tool_calls_show_while_streaming_and_pretty_when_done(view: ChatView) -> None:
    live = assistant("")
    view.set_rows([user()])
    view.start_stream(live)
    partial = [ToolCall(name="get_weather", arguments='{"city": "Par')]
    view.stream_text(live.id, "", tool_calls=partial)
    view.flush_stream()
    tools = docs_of(view, live.id).plain_text("tools")
    assert "get_weather" in tools and '{"city": "Par' in tools
    done = [ToolCall(name="get_weather", arguments='{"city": "Paris", "unit": "C"}')]
    final = Message(id=live.id, role="assistant", content="", tool_calls=done)
    view.finish_stream(MessageRow(final))
    assert '{\n  "city": "Paris",\n  "unit": "C"\n}' in docs_of(view, live.id).plain_text("tools")


def test_update_and_remove_of_a_live_row(view: ChatView) -> None:
    live = assistant("")
    view.set_rows([user()])
    view.start_stream(live)
    stream(view, live.id, "Some streamed text.")
    waiting = Message(id=live.id, role="assistant", model="other-model", status="streaming")
    view.update_row(MessageRow(waiting))
    docs = docs_of(view, live.id)
    assert "other-model" in docs.plain_text("head")
    assert "Some streamed text." in docs.plain_text("body")
    view.remove_row(live.id)
    view.stream_text(live.id, "Some streamed text. More")  # a late read: ignored
    view.flush_stream()
    assert view.model.rowCount() == 1
    assert not view.is_streaming()


def test_finish_with_a_different_text_renders_it_anew(view: ChatView) -> None:
    live = assistant("")
    view.set_rows([user()])
    view.start_stream(live)
    stream(view, live.id, "Draft text that will be replaced.")
    view.finish_stream(MessageRow(Message(id=live.id, role="assistant", content="Final text.")))
    settle(view)
    body = docs_of(view, live.id).plain_text("body")
    assert body.strip() == "Final text."


# Showing a tooltip raises its window, which the offscreen platform only warns about.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_stats_tooltip_shows_the_request_id(view: ChatView, qtbot: QtBot) -> None:
    stats = Stats(model="gpt-x", request_id="req_abc", tokens_per_s=12.0, finish_reason="stop")
    row = assistant("Answer.", stats=stats)
    view.set_rows([row])
    settle(view)
    docs = docs_of(view, row.id)
    index = view.model.index(0)
    rect = view.view.visualRect(index)
    foot = docs.section_rect("foot")
    point = rect.topLeft() + QPoint(H_PAD + 10, int(foot.top()) + 5)
    option = QStyleOptionViewItem()
    option.rect = rect
    event = QHelpEvent(QEvent.Type.ToolTip, point, view.view.viewport().mapToGlobal(point))
    assert view.delegate.helpEvent(event, view.view, option, index)
    qtbot.waitUntil(lambda: QToolTip.text() == "Request id: req_abc")
    QToolTip.hideText()
