"""The first-run dialog: the AnyFast path, another endpoint, keys and connection tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from core.endpoint import Endpoint
from core.profiles import Profile, builtin_profiles
from core.secrets import Secrets
from tests.ui.async_wait import wait_until
from tests.ui.dialog_support import DictKeyring, hanging_tester, never_called
from ui.endpoints.welcome_dialog import WelcomeDialog

KEY = "sk-welcome-0123456789"


def make_dialog(
    qtbot: QtBot,
    host: QWidget,
    secrets: Secrets,
    tester: Callable[[Endpoint], object] = never_called,
    existing: list[Profile] | None = None,
) -> WelcomeDialog:
    profiles = existing if existing is not None else builtin_profiles({})
    dialog = WelcomeDialog(secrets, tester, profiles, host)  # type: ignore[arg-type]
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def choose_other(qtbot: QtBot, dialog: WelcomeDialog) -> None:
    qtbot.mouseClick(dialog.other_choice, Qt.MouseButton.LeftButton)
    assert dialog.other_page.isVisible()
    assert not dialog.anyfast_page.isVisible()


def test_anyfast_path_stores_the_key_and_emits_the_builtin_profile(
    qtbot: QtBot, host: QWidget
) -> None:
    backend = DictKeyring()
    dialog = make_dialog(qtbot, host, Secrets(backend))
    assert dialog.windowTitle() == "Welcome to Chorus"
    assert dialog.anyfast_page.isVisible()
    intro = dialog.anyfast_page.findChild(QWidget, "anyfastIntro")
    assert intro is not None
    assert 'href="https://www.anyfast.ai"' in intro.text()  # type: ignore[attr-defined]
    assert not dialog.start_button.isEnabled()
    qtbot.keyClicks(dialog.anyfast_key.line_edit, KEY)
    with qtbot.waitSignal(dialog.profile_ready) as blocker:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    profile = blocker.args[0]
    assert profile.name == "AnyFast"
    assert profile.builtin
    assert backend.items == {("chorus", "AnyFast"): KEY}
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_other_endpoint_shows_the_resolved_url_and_stores_the_key(
    qtbot: QtBot, host: QWidget
) -> None:
    backend = DictKeyring()
    dialog = make_dialog(qtbot, host, Secrets(backend))
    choose_other(qtbot, dialog)
    qtbot.keyClicks(dialog.url_field.line_edit, "localhost:8080/v1/chat/completions")
    resolved = dialog.url_field.resolved_label
    assert resolved.text() == "Chat requests go to http://localhost:8080/v1/chat/completions"
    assert resolved.property("tone") == "muted"
    assert dialog.name_edit.text() == "localhost:8080"  # suggested from the URL
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "My llama")
    qtbot.keyClicks(dialog.url_field.line_edit, "/")
    assert dialog.name_edit.text() == "My llama"  # a typed name is kept
    assert not dialog.start_button.isEnabled()  # a key is still needed
    qtbot.keyClicks(dialog.other_key.line_edit, KEY)
    with qtbot.waitSignal(dialog.profile_ready) as blocker:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    profile = blocker.args[0]
    assert profile == Profile(
        name="My llama", base_url="http://localhost:8080/v1", key_source="keyring"
    )
    assert backend.items == {("chorus", "My llama"): KEY}


def test_invalid_base_url_is_explained_in_red(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()))
    choose_other(qtbot, dialog)
    qtbot.keyClicks(dialog.name_edit, "Broken")
    dialog.no_key_box.click()
    qtbot.keyClicks(dialog.url_field.line_edit, "ftp://example.com")
    resolved = dialog.url_field.resolved_label
    assert "must start with http:// or https://" in resolved.text()
    assert resolved.property("tone") == "error"
    assert not dialog.start_button.isEnabled()
    dialog.url_field.line_edit.clear()
    qtbot.keyClicks(dialog.url_field.line_edit, "https://api.example.com")
    assert dialog.start_button.isEnabled()


def test_no_key_server(qtbot: QtBot, host: QWidget) -> None:
    backend = DictKeyring()
    dialog = make_dialog(qtbot, host, Secrets(backend))
    choose_other(qtbot, dialog)
    qtbot.keyClicks(dialog.url_field.line_edit, "http://127.0.0.1:11434")
    assert not dialog.start_button.isEnabled()
    dialog.no_key_box.click()
    assert not dialog.other_key.isVisible()
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(dialog.profile_ready) as blocker:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    profile = blocker.args[0]
    assert profile.key_source == "none"
    assert profile.base_url == "http://127.0.0.1:11434/v1"
    assert backend.items == {}


def test_a_name_already_taken_keeps_the_dialog_open(qtbot: QtBot, host: QWidget) -> None:
    existing = [*builtin_profiles({}), Profile(name="Local", base_url="http://localhost:1/v1")]
    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), existing=existing)
    choose_other(qtbot, dialog)
    qtbot.keyClicks(dialog.url_field.line_edit, "http://localhost:8080")
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "local")
    dialog.no_key_box.click()
    with qtbot.assertNotEmitted(dialog.profile_ready):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "already exists" in dialog.error_label.text()
    assert dialog.error_label.isVisible()


def test_no_keyring_offers_session_only(qtbot: QtBot, host: QWidget) -> None:
    secrets = Secrets(fail.Keyring())
    dialog = make_dialog(qtbot, host, secrets)
    field = dialog.anyfast_key
    assert field.no_keyring.isVisible()
    assert secrets.keyring_reason in field.reason_label.text()
    qtbot.keyClicks(field.line_edit, KEY)
    assert not dialog.start_button.isEnabled()
    field.session_box.click()
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(dialog.profile_ready):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert secrets.mode == "session"
    assert secrets.get("AnyFast") == KEY


async def test_connection_test_of_a_keyless_server(qtbot: QtBot, host: QWidget) -> None:
    seen: list[Endpoint] = []

    async def tester(endpoint: Endpoint) -> str:
        seen.append(endpoint)
        await asyncio.sleep(0.02)
        return "Connected: 3 models"

    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), tester)
    choose_other(qtbot, dialog)
    qtbot.keyClicks(dialog.url_field.line_edit, "localhost:8080")
    test = dialog.connection_test
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    assert test.result_tone() == "error"  # no key and no "needs no key" yet
    assert "needs no key" in test.result_text()
    dialog.no_key_box.click()
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    assert test.busy.isVisible()
    await wait_until(lambda: not test.is_running())
    assert test.result_text() == "Connected: 3 models"
    assert test.result_tone() == "ok"
    assert seen[0].base_url == "http://localhost:8080/v1"
    assert seen[0].api_key == ""


async def test_connection_failure_and_switching_paths_clears_it(
    qtbot: QtBot, host: QWidget
) -> None:
    async def tester(endpoint: Endpoint) -> str:
        raise ConnectionError("Can't reach https://www.anyfast.ai/v1: connection refused.")

    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), tester)
    test = dialog.connection_test
    assert "https://www.anyfast.ai/v1/chat/completions" in test.url_label.text()
    qtbot.keyClicks(dialog.anyfast_key.line_edit, KEY)
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: not test.is_running())
    assert test.result_text() == "Can't reach https://www.anyfast.ai/v1: connection refused."
    assert test.result_tone() == "error"
    choose_other(qtbot, dialog)
    assert test.result_text() == ""
    assert not test.url_label.isVisible()


async def test_closing_cancels_a_running_test(qtbot: QtBot, host: QWidget) -> None:
    tester, cancelled = hanging_tester()

    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), tester)
    qtbot.keyClicks(dialog.anyfast_key.line_edit, KEY)
    qtbot.mouseClick(dialog.connection_test.button, Qt.MouseButton.LeftButton)
    await asyncio.sleep(0.02)
    dialog.reject()
    await asyncio.wait_for(cancelled.wait(), 2)
    assert dialog.anyfast_key.key() == ""
