"""The key dialog with real widgets, a dict-backed keyring and async testers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from core.endpoint import Endpoint
from core.profiles import Profile, builtin_profiles
from core.secrets import Secrets
from tests.ui.async_wait import wait_until
from tests.ui.dialog_support import DictKeyring, RefusingKeyring, hanging_tester, never_called
from ui.endpoints.key_dialog import KeyDialog

KEY = "sk-test-0123456789abcdef"


def anyfast() -> Profile:
    return builtin_profiles({})[0]


def make_dialog(
    qtbot: QtBot,
    host: QWidget,
    secrets: Secrets,
    tester: Callable[[Endpoint], object] = never_called,
) -> KeyDialog:
    dialog = KeyDialog(anyfast(), secrets, tester, host)  # type: ignore[arg-type]
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_save_stores_the_key_in_the_keyring(qtbot: QtBot, host: QWidget) -> None:
    backend = DictKeyring()
    secrets = Secrets(backend)
    dialog = make_dialog(qtbot, host, secrets)
    field = dialog.key_field
    assert "system keyring" in field.location_label.text()
    assert not field.no_keyring.isVisible()
    assert not dialog.save_button.isEnabled()
    assert field.line_edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(field.line_edit, f"  {KEY} ")
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.key_saved) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["AnyFast"]
    assert backend.items == {("chorus", "AnyFast"): KEY}
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert field.line_edit.text() == ""  # the key does not linger in the widget


def test_show_hide_toggle(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()))
    field = dialog.key_field
    qtbot.keyClicks(field.line_edit, KEY)
    qtbot.mouseClick(field.show_button, Qt.MouseButton.LeftButton)
    assert field.line_edit.echoMode() == QLineEdit.EchoMode.Normal
    assert field.show_button.text() == "Hide"
    qtbot.mouseClick(field.show_button, Qt.MouseButton.LeftButton)
    assert field.line_edit.echoMode() == QLineEdit.EchoMode.Password


def test_no_keyring_says_why_and_offers_session_only(qtbot: QtBot, host: QWidget) -> None:
    secrets = Secrets(fail.Keyring())
    assert secrets.needs_choice
    dialog = make_dialog(qtbot, host, secrets)
    field = dialog.key_field
    assert field.no_keyring.isVisible()
    assert "No system keyring was found" in field.reason_label.text()
    assert field.session_box.text() == "Keep the key for this session only"
    qtbot.keyClicks(field.line_edit, KEY)
    assert not dialog.save_button.isEnabled()  # no silent fallback: a choice is needed
    assert secrets.mode == "none"
    field.session_box.setChecked(True)
    assert dialog.save_button.isEnabled()
    assert "this session" in field.location_label.text()
    with qtbot.waitSignal(dialog.key_saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert secrets.mode == "session"
    assert secrets.get("AnyFast") == KEY


def test_session_choice_made_earlier_needs_no_new_choice(qtbot: QtBot, host: QWidget) -> None:
    secrets = Secrets(fail.Keyring())
    secrets.use_session_only()
    dialog = make_dialog(qtbot, host, secrets)
    assert not dialog.key_field.no_keyring.isVisible()
    assert "this session only" in dialog.key_field.location_label.text()
    qtbot.keyClicks(dialog.key_field.line_edit, KEY)
    assert dialog.save_button.isEnabled()


def test_a_save_error_is_shown_and_the_dialog_stays_open(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host, Secrets(RefusingKeyring()))
    qtbot.keyClicks(dialog.key_field.line_edit, KEY)
    with qtbot.assertNotEmitted(dialog.key_saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert "refused" in dialog.error_label.text()
    assert KEY not in dialog.error_label.text()


async def test_connection_test_success_is_green(qtbot: QtBot, host: QWidget) -> None:
    seen: list[Endpoint] = []

    async def tester(endpoint: Endpoint) -> str:
        seen.append(endpoint)
        await asyncio.sleep(0.05)
        return "Connected: 68 models"

    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), tester)
    test = dialog.connection_test
    assert "https://www.anyfast.ai/v1/chat/completions" in test.url_label.text()
    qtbot.keyClicks(dialog.key_field.line_edit, KEY)
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    assert test.is_running()
    assert test.busy.isVisible()
    assert test.button.text() == "Stop"
    await wait_until(lambda: not test.is_running())
    assert test.result_text() == "Connected: 68 models"
    assert test.result_tone() == "ok"
    assert not test.busy.isVisible()
    assert seen[0].api_key == KEY
    assert seen[0].chat_url == "https://www.anyfast.ai/v1/chat/completions"


async def test_connection_test_failure_is_red_and_masks_the_key(
    qtbot: QtBot, host: QWidget
) -> None:
    async def tester(endpoint: Endpoint) -> str:
        raise RuntimeError(f"The server rejected the key {endpoint.api_key}. Check your API key.")

    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), tester)
    test = dialog.connection_test
    qtbot.keyClicks(dialog.key_field.line_edit, KEY)
    with qtbot.waitSignal(test.finished) as blocker:
        qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: not test.is_running())
    assert blocker.args[0] is False
    assert test.result_tone() == "error"
    assert "Check your API key." in test.result_text()
    assert KEY not in test.result_text()


def test_testing_without_a_key_says_so(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()))
    qtbot.mouseClick(dialog.connection_test.button, Qt.MouseButton.LeftButton)
    assert dialog.connection_test.result_text() == "Enter a key to test it."
    assert dialog.connection_test.result_tone() == "error"


async def test_closing_the_dialog_cancels_the_test(qtbot: QtBot, host: QWidget) -> None:
    tester, cancelled = hanging_tester()

    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), tester)
    qtbot.keyClicks(dialog.key_field.line_edit, KEY)
    qtbot.mouseClick(dialog.connection_test.button, Qt.MouseButton.LeftButton)
    await asyncio.sleep(0.02)
    assert dialog.connection_test.is_running()
    dialog.reject()
    await asyncio.wait_for(cancelled.wait(), 2)
    assert not dialog.connection_test.is_running()
    assert dialog.key_field.line_edit.text() == ""


async def test_stop_button_stops_a_running_test(qtbot: QtBot, host: QWidget) -> None:
    async def tester(endpoint: Endpoint) -> str:
        await asyncio.sleep(30)
        return "never"

    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()), tester)
    test = dialog.connection_test
    qtbot.keyClicks(dialog.key_field.line_edit, KEY)
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    await asyncio.sleep(0.02)
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    assert not test.is_running()
    assert test.result_text() == "Test stopped."
    assert test.button.text() == "Test connection"
    assert dialog.isVisible()


def test_result_colours_follow_a_theme_switch(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host, Secrets(DictKeyring()))
    label = dialog.connection_test.result_label
    qtbot.mouseClick(dialog.connection_test.button, Qt.MouseButton.LeftButton)
    assert dialog.connection_test.result_tone() == "error"

    def colour() -> str:
        return label.palette().color(QPalette.ColorRole.WindowText).name()

    on_light = colour()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.palette()
    dark = QPalette(before)
    dark.setColor(QPalette.ColorRole.Window, QColor("#1f2124"))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: colour() != on_light)  # the change arrives as an event
    finally:
        app.setPalette(before)
    qtbot.waitUntil(lambda: colour() == on_light)
