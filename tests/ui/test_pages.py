"""Every menu action and shortcut, on both kinds of page: each acts on what is on screen.

Each test runs once with a chat on screen and once with a comparison on screen (which
holds a hidden chat behind it, the one the window used to act on by mistake).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from pytestqt.qtbot import QtBot

from core.chat import Chat
from core.export import chat_to_markdown
from tests.gateway import Reply, text_chunks
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly
from ui.shell.page import ALL_TARGETS

KINDS = ["chat", "compare"]


@dataclass
class Screen:
    """The app with a page of one kind on screen, after one question was answered."""

    assembly: Assembly
    kind: str
    hidden: Chat  # the chat behind a comparison (the chat itself on a chat page)

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.assembly.window

    def shown(self) -> Chat:
        """The chat or comparison on screen."""
        if self.kind == "chat":
            chat = self.assembly.controller.chat
        else:
            chat = self.assembly.comparisons.comparison
        assert chat is not None
        return chat

    def threads(self) -> list[Chat]:
        """What answers arrive in: the chat, or every column."""
        shown = self.shown()
        return shown.columns if self.kind == "compare" else [shown]

    def idle(self) -> bool:
        return not self.window.page.is_generating()


@pytest.fixture(params=KINDS)
async def screen(request, qapp, gateway, tmp_path: Path) -> AsyncIterator[Screen]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        hidden = assembly.controller.chat
        assert hidden is not None
        if request.param == "compare":
            window.menu_actions["compare"].trigger()
            assert window.page is window.compare_page
        found = Screen(assembly, request.param, hidden)
        window.composer.send_requested.emit("first question", [])
        await wait_until(found.idle)
        assert all(len(t.messages) == 2 for t in found.threads())
        yield found


def test_shortcuts_are_the_documented_ones(screen: Screen) -> None:
    actions = screen.window.menu_actions
    expected = {
        "new_chat": QKeySequence(QKeySequence.StandardKey.New),
        "compare": QKeySequence("Ctrl+Shift+N"),
        "model": QKeySequence("Ctrl+K"),
        "stop": QKeySequence("Ctrl+."),
        "regenerate": QKeySequence("Ctrl+R"),
        "system": QKeySequence("Ctrl+Shift+S"),
        "export_md": QKeySequence("Ctrl+E"),
        "export_json": QKeySequence("Ctrl+Shift+E"),
        "copy_all": QKeySequence("Ctrl+Shift+C"),
        "search_all": QKeySequence("Ctrl+Shift+F"),
        "text_reset": QKeySequence("Ctrl+0"),
    }
    for name, keys in expected.items():
        assert actions[name].shortcut() == keys, name


async def test_system_prompt_goes_to_the_page_on_screen(
    screen: Screen, qtbot: QtBot, gateway
) -> None:
    window = screen.window
    window.menu_actions["system"].trigger()
    assert window.header.system_edit.isVisible()
    window.header.system_edit.setPlainText("Answer in French.")
    window.header.flush()
    assert screen.shown().system_prompt == "Answer in French."
    assert all(t.system_prompt == "Answer in French." for t in screen.threads())
    if screen.kind == "compare":  # not the chat hidden behind the comparison
        assert screen.hidden.system_prompt == ""
    before = len(gateway.chat_requests())
    window.composer.send_requested.emit("bonjour", [])
    await wait_until(screen.idle)
    sent = gateway.chat_requests()[before:]
    assert len(sent) == len(screen.threads())
    for request in sent:
        assert request.body["messages"][0] == {"role": "system", "content": "Answer in French."}


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")
async def test_choose_model_goes_to_the_page_on_screen(
    screen: Screen, qtbot: QtBot, gateway
) -> None:
    window = screen.window
    heading = window.header.model_button.text()
    window.menu_actions["model"].trigger()
    picker = window.dialogs.picker
    assert picker is not None and picker.isVisible()
    if screen.kind == "compare":
        assert picker.target_box is not None
        first = screen.shown().columns[0]
        assert picker.target_box.currentData() == first.id  # the focused column
    picker.search.setText("qwen3-coder")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    await screen.assembly.runner.flush()  # let the picker's model refresh end
    if screen.kind == "chat":
        assert screen.shown().model == "qwen3-coder"
        assert "qwen3-coder" in window.header.model_button.text()
        return
    first, second = screen.shown().columns
    assert (first.model, second.model) == ("qwen3-coder", "gpt-4o")
    assert screen.hidden.model == "gpt-4o"  # the hidden chat keeps its model
    assert window.header.model_button.text() == heading  # still "Comparison · 2 columns"
    assert heading.startswith("Comparison · 2 columns")
    window.set_model("deepseek-v3-2", ALL_TARGETS)
    assert [c.model for c in screen.shown().columns] == ["deepseek-v3-2"] * 2


async def test_parameters_go_to_the_page_on_screen(screen: Screen) -> None:
    window = screen.window
    panel = window.params_panel
    values = {**panel.values(), "temperature": 0.25}
    panel.set_values(values)
    panel.params_changed.emit(panel.values())
    assert screen.shown().params["temperature"] == 0.25
    assert all(t.params["temperature"] == 0.25 for t in screen.threads())
    if screen.kind == "compare":
        assert screen.hidden.params.get("temperature") != 0.25


async def test_regenerate_makes_a_new_answer_on_screen(screen: Screen, gateway) -> None:
    before = len(gateway.chat_requests())
    screen.window.menu_actions["regenerate"].trigger()
    await wait_until(lambda: len(gateway.chat_requests()) == before + len(screen.threads()))
    await wait_until(screen.idle)
    for thread in screen.threads():
        answer = thread.branch()[-1]
        assert answer.status == "done" and len(thread.siblings(answer.id)) == 2
    if screen.kind == "compare":
        assert screen.hidden.messages == []  # the chat behind the comparison is untouched


async def test_stop_stops_what_streams_on_screen(screen: Screen, gateway) -> None:
    window = screen.window
    assert not window.menu_actions["stop"].isEnabled()
    assert window.menu_actions["stop"].toolTip()  # says why
    for _ in screen.threads():
        gateway.push(Reply.stream(text_chunks([f"w{i} " for i in range(400)]), delay=0.02))
    window.composer.send_requested.emit("count slowly", [])
    await wait_until(lambda: all(len(t.branch()[-1].content) > 5 for t in screen.threads()))
    assert window.menu_actions["stop"].isEnabled()
    window.menu_actions["stop"].trigger()
    await wait_until(screen.idle)
    assert all(t.branch()[-1].status == "stopped" for t in screen.threads())


async def test_export_and_copy_take_what_is_on_screen(screen: Screen, monkeypatch) -> None:
    window = screen.window
    exported: list[tuple[str, str]] = []
    monkeypatch.setattr(
        window.dialogs, "export_chat", lambda chat, kind: exported.append((chat.id, kind))
    )
    window.menu_actions["export_md"].trigger()
    window.menu_actions["export_json"].trigger()
    shown = screen.shown()
    assert exported == [(shown.id, "markdown"), (shown.id, "json")]
    window.menu_actions["copy_all"].trigger()
    assert QGuiApplication.clipboard().text() == chat_to_markdown(shown)


async def test_rename_changes_the_copy_on_screen(screen: Screen) -> None:
    window = screen.window
    shown = screen.shown()
    window.sidebar.rename_requested.emit(shown.id, "Renamed")
    assert shown.title == "Renamed"
    assert window.services.store.load(shown.id).title == "Renamed"
    window.composer.send_requested.emit("and another", [])  # a later save keeps the title
    await wait_until(screen.idle)
    await screen.assembly.runner.flush()
    assert window.services.store.load(shown.id).title == "Renamed"


async def test_delete_removes_what_is_on_screen(screen: Screen) -> None:
    window = screen.window
    shown = screen.shown()
    window.housekeeping.delete_chat(shown.id)
    await wait_until(lambda: shown.id not in window.sidebar.visible_ids())
    assert not window.services.store.path_of(shown.id).exists()
    assert window.page is window.chat_page  # a new, empty chat is shown
    assert window.chat_page.chat is not None and not window.chat_page.chat.messages
    window.undo_bar.undo()
    assert window.services.store.path_of(shown.id).exists()


async def test_search_result_opens_on_its_own_kind_of_page(screen: Screen) -> None:
    window = screen.window
    shown = screen.shown()
    window.new_chat()
    assert window.page is window.chat_page
    window.show_search()
    window.search_panel.hit_activated.emit(shown.id, "")
    expected = window.compare_page if screen.kind == "compare" else window.chat_page
    assert window.page is expected
    assert window.page.shown_chat_id() == shown.id


async def test_unavailable_commands_are_disabled_with_a_reason(screen: Screen) -> None:
    window = screen.window
    window.new_chat()  # nothing to export, regenerate or stop in a new chat
    for name in ("export_md", "copy_all", "regenerate", "stop"):
        action = window.menu_actions[name]
        assert not action.isEnabled(), name
        assert action.toolTip() and action.toolTip() != action.text().replace("&", ""), name


async def test_edit_in_the_message_box_makes_a_branch_and_esc_cancels(
    screen: Screen, qtbot: QtBot
) -> None:
    window = screen.window
    thread = screen.threads()[0]
    question = thread.branch()[0]
    if screen.kind == "chat":
        window.chat_page.view.edit_requested.emit(question.id)
    else:
        window.compare_page.view.column_edit_requested.emit(thread.id, question.id)
    assert window.composer.text() == "first question"
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Escape)
    assert window.composer.text() == "" and window.page.editing is None
    if screen.kind == "chat":
        window.chat_page.view.edit_requested.emit(question.id)
    else:
        window.compare_page.view.column_edit_requested.emit(thread.id, question.id)
    window.composer.set_text("second version")
    window.composer.send_requested.emit("second version", [])
    await wait_until(screen.idle)
    edited = thread.branch()[0]
    assert edited.content == "second version"
    assert [m.content for m in thread.siblings(edited.id)] == ["first question", "second version"]
    if screen.kind == "compare":  # only the edited column got a new branch
        other = screen.threads()[1]
        assert len(other.siblings(other.branch()[0].id)) == 1
