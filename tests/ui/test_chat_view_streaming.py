"""ChatView while an answer streams: theme and width changes, reasoning, tool calls."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem, QToolTip
from pytestqt.qtbot import QtBot

from core.chat import Message, Stats, ToolCall
from tests.ui.chat_view_support import (
    CODE_ANSWER,
    assistant,
    click_link,
    docs_of,
    settle,
    stream,
    user,
)
from ui.render.live_markdown import CODE_PART_LINES, SYNC_HIGHLIGHT_LINES
from ui.render.palette import palette
from ui.render.row_documents import H_PAD
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow


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
def test_stats_tooltip_shows_the_request_and_response_ids(view: ChatView, qtbot: QtBot) -> None:
    stats = Stats(
        model="gpt-x",
        request_id="req_abc",
        response_id="chatcmpl-1",
        tokens_per_s=12.0,
        finish_reason="stop",
    )
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
    qtbot.waitUntil(lambda: QToolTip.text() == "Request id: req_abc · Response id: chatcmpl-1")
    QToolTip.hideText()


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
