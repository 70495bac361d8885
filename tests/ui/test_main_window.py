"""The assembled window driven as a person would, against the loopback gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gateway import Reply
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly
from ui.endpoints.key_dialog import KeyDialog


@pytest.fixture
async def assembly(gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as built:
        yield built


async def send(assembly: Assembly, text: str) -> None:
    window = assembly.window
    window.composer.set_text(text)
    window.composer.send_requested.emit(text, [])
    await wait_until(lambda: not assembly.controller.is_generating())


async def test_error_is_shown_in_place_and_retry_replaces_it(assembly: Assembly, gateway) -> None:
    page = "<html><title>502 Bad Gateway</title><h1>Bad gateway</h1></html>"
    gateway.push(*[Reply.html(502, page)] * 3)  # the first try and both retries
    await send(assembly, "hi")
    rows = assembly.window.chat_page.view.rows()
    answer = rows[-1].message
    assert answer.status == "error"
    assert answer.error is not None and answer.error.status == 502
    assert answer.error.detail == "502 Bad Gateway"  # the page title, not the HTML
    assembly.window.chat_page.view.retry_requested.emit(answer.id)
    await wait_until(lambda: not assembly.controller.is_generating() and answer.status == "done")
    assert answer.content.startswith("Echo: hi")
    assert assembly.window.composer.text() == ""


async def test_bad_key_offers_the_key_dialog(assembly: Assembly, gateway, qtbot: QtBot) -> None:
    gateway.require_key = "sk-right"
    await send(assembly, "hi")
    window = assembly.window
    answer = window.chat_page.view.rows()[-1].message
    assert answer.error is not None and answer.error.kind == "AuthenticationError"
    assert window.notice_bar.isVisible()
    assert window.notice_bar.action_button.text() == "Set API key…"
    window.notice_bar.action_button.click()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, KeyDialog)]
    assert dialogs and dialogs[-1].isVisible()
    dialogs[-1].reject()


async def test_unset_parameter_is_not_sent(assembly: Assembly, gateway) -> None:
    window = assembly.window
    panel = window.params_panel
    panel.set_values({"stream": True, "temperature": 0.4})
    window.page.set_params(panel.values())
    await send(assembly, "one")
    assert gateway.last.body["temperature"] == 0.4
    row = panel.rows["temperature"]
    row.set_sent(False)
    panel.flush()
    await send(assembly, "two")
    assert "temperature" not in gateway.last.body
    assert assembly.controller.chat is not None
    assert "temperature" not in assembly.controller.chat.params


async def test_delete_chat_and_undo(assembly: Assembly) -> None:
    await send(assembly, "keep me")
    window = assembly.window
    chat = assembly.controller.chat
    assert chat is not None
    window.housekeeping.delete_chat(chat.id)
    await wait_until(lambda: window.undo_bar.isVisible())
    assert assembly.services.store.list_chats() == []
    assert chat.id not in window.sidebar.visible_ids()
    window.undo_bar.undo()
    assert [s.id for s in assembly.services.store.list_chats()] == [chat.id]
    assert chat.id in window.sidebar.visible_ids()


async def test_export_and_import_round_trip(assembly: Assembly, tmp_path: Path) -> None:
    await send(assembly, "export this")
    chat = assembly.controller.chat
    assert chat is not None
    from core.export import chat_to_json

    path = tmp_path / "export.json"
    path.write_bytes(chat_to_json(chat))
    assembly.window.dialogs.import_file(str(path))
    imported = assembly.controller.chat
    assert imported is not None and imported.id != chat.id
    assert [m.content for m in imported.branch()] == [m.content for m in chat.branch()]
    assert len(assembly.services.store.list_chats()) == 2


async def test_import_of_a_bad_file_says_why(assembly: Assembly, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    assembly.window.dialogs.import_file(str(path))
    assert assembly.window.notice_bar.isVisible()
    assert "could not be imported" in assembly.window.notice_bar.label.text().lower()


async def test_search_finds_a_message_and_opens_its_chat(assembly: Assembly) -> None:
    await send(assembly, "the zebra question")
    first = assembly.controller.chat
    assembly.window.new_chat()
    await send(assembly, "something else")
    window = assembly.window
    window.show_search()
    window.search_panel.set_query("zebra")
    window.search_panel.search_now()
    await wait_until(lambda: bool(window.search_panel.hits()))
    hit = window.search_panel.hits()[0]
    assert first is not None and hit.chat_id == first.id
    window.search_panel.hit_activated.emit(hit.chat_id, hit.message_id or "")
    assert assembly.controller.chat is not None and assembly.controller.chat.id == first.id


async def test_missing_key_disables_sending_with_a_reason(gateway, tmp_path: Path) -> None:
    async with running_app({"CHORUS_DATA_DIR": str(tmp_path)}) as built:
        assert not built.window.composer.can_send()
        assert built.services.settings.active_profile == "AnyFast"
        built.services.secrets.set("AnyFast", "sk-new")
        built.window.profiles_changed()
        built.window.composer.set_text("hi")
        assert built.window.composer.can_send()
