"""The endpoints dialog: built-ins, add/edit/delete, keys, the active profile, tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from core.endpoint import Endpoint
from core.profiles import ENV_PROFILE_NAME, Profile
from core.secrets import MemorySecrets, Secrets
from tests.ui.async_wait import wait_until
from tests.ui.dialog_support import never_called
from ui.endpoints.endpoints_dialog import EndpointsDialog

KEY = "sk-endpoints-0123456789"
ENV = {"OPENAI_BASE_URL": "http://localhost:1234", "OPENAI_API_KEY": "sk-env"}
LOCAL = Profile(name="Local", base_url="http://localhost:8080/v1", key_source="none")
WORK = Profile(name="Work", base_url="https://proxy.example.com/v1")


def memory_secrets() -> Secrets:
    """A Secrets facade whose store is a MemorySecrets (no system keyring involved)."""
    secrets = Secrets(fail.Keyring())
    secrets.use_backend(MemorySecrets())
    return secrets


def make_dialog(
    qtbot: QtBot,
    host: QWidget,
    secrets: Secrets | None = None,
    *,
    active: str = "Work",
    env: dict[str, str] | None = None,
    tester: Callable[[Endpoint], object] = never_called,
) -> EndpointsDialog:
    dialog = EndpointsDialog(
        [LOCAL, WORK],
        env if env is not None else ENV,
        active,
        secrets or memory_secrets(),
        tester,  # type: ignore[arg-type]
        host,
    )
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def select(dialog: EndpointsDialog, name: str) -> None:
    dialog.profile_list.setCurrentRow(dialog.profile_names().index(name))
    assert dialog.current_profile() is not None
    assert dialog.current_profile().name == name  # type: ignore[union-attr]


def accept(qtbot: QtBot, dialog: EndpointsDialog) -> tuple[list[Profile], str]:
    with qtbot.waitSignal(dialog.profiles_changed) as blocker:
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    profiles, active = blocker.args
    return profiles, active


def test_builtins_are_listed_first_and_locked(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host)
    assert dialog.profile_names() == ["AnyFast", ENV_PROFILE_NAME, "Local", "Work"]
    assert dialog.current_profile() == WORK  # the active profile is shown first
    assert "active" in dialog.profile_list.currentItem().text()
    for name in ("AnyFast", ENV_PROFILE_NAME):
        select(dialog, name)
        assert "built in" in dialog.profile_list.currentItem().text()
        assert not dialog.delete_button.isEnabled()
        assert dialog.form.name_edit.isReadOnly()
        assert not dialog.form.source_combo.isEnabled()
        assert dialog.form.origin_label.text()
        dialog.delete_button.click()  # disabled: nothing happens
        assert name in dialog.profile_names()
    select(dialog, "Local")
    assert dialog.delete_button.isEnabled()
    assert not dialog.form.name_edit.isReadOnly()


def test_only_anyfast_without_the_environment(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host, env={})
    assert dialog.profile_names() == ["AnyFast", "Local", "Work"]


def test_add_a_profile(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.profile_names()[-1] == "New endpoint"
    assert dialog.form_error.isVisible()  # it has no base URL yet
    dialog.form.name_edit.clear()
    qtbot.keyClicks(dialog.form.name_edit, "Ollama")
    qtbot.keyClicks(dialog.form.url_field.line_edit, "localhost:11434/v1/chat/completions")
    resolved = dialog.form.url_field.resolved_label.text()
    assert resolved == "Chat requests go to http://localhost:11434/v1/chat/completions"
    assert not dialog.form_error.isVisible()
    dialog.form.source_combo.setCurrentIndex(dialog.form.source_combo.findData("none"))
    profiles, active = accept(qtbot, dialog)
    assert profiles == [
        LOCAL,
        WORK,
        Profile(name="Ollama", base_url="http://localhost:11434/v1", key_source="none"),
    ]
    assert active == "Work"


def test_edit_a_profile_and_the_active_name_follows(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host)
    select(dialog, "Work")
    dialog.form.name_edit.clear()
    qtbot.keyClicks(dialog.form.name_edit, "Office")
    assert dialog.profile_names()[-1] == "Office"
    profiles, active = accept(qtbot, dialog)
    assert [p.name for p in profiles] == ["Local", "Office"]
    assert active == "Office"


def test_invalid_base_url_blocks_ok(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host)
    select(dialog, "Local")
    dialog.form.url_field.line_edit.clear()
    qtbot.keyClicks(dialog.form.url_field.line_edit, "ftp://nowhere")
    assert dialog.form.url_field.resolved_label.property("tone") == "error"
    assert "http:// or https://" in dialog.form_error.text()
    select(dialog, "Work")  # switching away keeps the typed text
    with qtbot.assertNotEmitted(dialog.profiles_changed):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert dialog.current_profile().name == "Local"  # type: ignore[union-attr]
    assert dialog.form.url_field.text() == "ftp://nowhere"
    assert dialog.form_error.isVisible()


def test_a_duplicate_name_is_refused(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host)
    select(dialog, "Local")
    dialog.form.name_edit.clear()
    qtbot.keyClicks(dialog.form.name_edit, "anyfast")
    assert "already exists" in dialog.form_error.text()
    assert "needs a fix" in dialog.profile_list.currentItem().text()
    with qtbot.assertNotEmitted(dialog.profiles_changed):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible()


def test_delete_the_active_profile_falls_back_to_anyfast(qtbot: QtBot, host: QWidget) -> None:
    secrets = memory_secrets()
    secrets.set("Work", KEY)
    dialog = make_dialog(qtbot, host, secrets)
    select(dialog, "Work")
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert "Work" not in dialog.profile_names()
    assert dialog.active_name() == "AnyFast"
    assert secrets.get("Work") == KEY  # nothing is removed before OK
    profiles, active = accept(qtbot, dialog)
    assert profiles == [LOCAL]
    assert active == "AnyFast"
    assert secrets.get("Work") is None


def test_choose_the_active_profile(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host)
    select(dialog, "Local")
    assert dialog.use_button.isEnabled()
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert not dialog.use_button.isEnabled()
    assert "active" in dialog.profile_list.currentItem().text()
    select(dialog, ENV_PROFILE_NAME)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert accept(qtbot, dialog)[1] == ENV_PROFILE_NAME


def test_key_from_an_environment_variable(qtbot: QtBot, host: QWidget) -> None:
    dialog = make_dialog(qtbot, host)
    select(dialog, "Local")
    form = dialog.form
    assert not form.env_edit.isVisible()
    form.source_combo.setCurrentIndex(form.source_combo.findData("env"))
    assert form.env_edit.isVisible()
    assert not dialog.set_key_button.isEnabled()
    qtbot.keyClicks(form.env_edit, "OPENAI_API_KEY")
    assert form.key_note.text() == "The key is read from OPENAI_API_KEY, which is set."
    form.env_edit.clear()
    qtbot.keyClicks(form.env_edit, "1BAD")
    assert "not a valid environment variable name" in dialog.form_error.text()
    form.env_edit.clear()
    qtbot.keyClicks(form.env_edit, "LOCAL_KEY")
    assert "LOCAL_KEY, which is not set" in form.key_note.text()
    profiles, _ = accept(qtbot, dialog)
    assert profiles[0].key_source == "env"
    assert profiles[0].key_env == "LOCAL_KEY"


def test_set_key_opens_the_key_dialog(qtbot: QtBot, host: QWidget) -> None:
    secrets = memory_secrets()
    dialog = make_dialog(qtbot, host, secrets)
    select(dialog, "Local")  # needs no key
    assert not dialog.set_key_button.isEnabled()
    select(dialog, "Work")
    qtbot.mouseClick(dialog.set_key_button, Qt.MouseButton.LeftButton)
    key_dialog = dialog.key_dialog
    assert key_dialog is not None
    qtbot.waitExposed(key_dialog)
    assert dialog.isVisible()
    assert key_dialog.profile.name == "Work"
    qtbot.keyClicks(key_dialog.key_field.line_edit, KEY)
    qtbot.mouseClick(key_dialog.save_button, Qt.MouseButton.LeftButton)
    assert secrets.get("Work") == KEY
    assert dialog.key_status.text() == "The key of Work was saved."
    assert dialog.key_dialog is None


def test_renaming_moves_the_saved_key_on_ok(qtbot: QtBot, host: QWidget) -> None:
    secrets = memory_secrets()
    secrets.set("Work", KEY)
    dialog = make_dialog(qtbot, host, secrets)
    select(dialog, "Work")
    dialog.form.name_edit.clear()
    qtbot.keyClicks(dialog.form.name_edit, "Office")
    accept(qtbot, dialog)
    assert secrets.get("Office") == KEY
    assert secrets.get("Work") is None


def test_cancel_forgets_keys_of_profiles_never_kept(qtbot: QtBot, host: QWidget) -> None:
    secrets = memory_secrets()
    dialog = make_dialog(qtbot, host, secrets)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.form.url_field.line_edit, "https://api.example.com")
    qtbot.mouseClick(dialog.set_key_button, Qt.MouseButton.LeftButton)
    assert dialog.key_dialog is not None
    qtbot.keyClicks(dialog.key_dialog.key_field.line_edit, KEY)
    qtbot.mouseClick(dialog.key_dialog.save_button, Qt.MouseButton.LeftButton)
    assert secrets.get("New endpoint") == KEY
    with qtbot.assertNotEmitted(dialog.profiles_changed):
        dialog.reject()
    assert secrets.get("New endpoint") is None


async def test_test_connection_of_the_selected_profile(qtbot: QtBot, host: QWidget) -> None:
    seen: list[Endpoint] = []

    async def tester(endpoint: Endpoint) -> str:
        seen.append(endpoint)
        await asyncio.sleep(0.02)
        if endpoint.base_url.startswith("https://proxy"):
            raise ConnectionError("Can't reach https://proxy.example.com/v1.")
        return "Connected: 12 models"

    secrets = memory_secrets()
    dialog = make_dialog(qtbot, host, secrets, tester=tester)
    test = dialog.connection_test
    select(dialog, "Work")
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    assert test.result_text() == "No key is saved for Work yet. Use “Set key…” first."
    assert test.result_tone() == "error"
    secrets.set("Work", KEY)
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: not test.is_running())
    assert test.result_text() == "Can't reach https://proxy.example.com/v1."
    assert test.result_tone() == "error"
    assert seen[-1].api_key == KEY
    select(dialog, "Local")
    assert test.result_text() == ""  # a result belongs to the profile it tested
    qtbot.mouseClick(test.button, Qt.MouseButton.LeftButton)
    assert test.busy.isVisible()
    await wait_until(lambda: not test.is_running())
    assert test.result_text() == "Connected: 12 models"
    assert test.result_tone() == "ok"
    assert seen[-1].base_url == "http://localhost:8080/v1"
    assert seen[-1].api_key == ""
