"""After a whole session, the API key is nowhere on disk, in the logs or in a repr().

Each test uses a distinctive random key, drives the assembled app against the loopback
gateway (chats, errors, retries, regenerate, exports, presets, closing), captures every
log record, and then searches every file below the data folder for the key and its
encoded forms.
"""

from __future__ import annotations

import base64
import logging
import secrets as random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from core.export import chat_to_json, chat_to_markdown
from core.profiles import validate_profile
from core.storage.atomic import atomic_write_bytes
from tests.gateway import Reply, error_body
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly


def new_key() -> str:
    return f"sk-chorus-hygiene-{random.token_hex(16)}"


def forms_of(key: str) -> list[bytes]:
    """The key as it could end up in a file: plain, base64 (alone and as a bearer
    header or basic-auth pair) and URL-encoded."""
    raw = key.encode()
    forms = {raw, quote(key, safe="").encode()}
    for text in (raw, b"Bearer " + raw, b":" + raw, raw + b":"):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(text).rstrip(b"="))
    return sorted(forms)


def files_below(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path


def assert_nowhere_on_disk(root: Path, key: str) -> list[Path]:
    """Every file below ``root`` is free of the key in any form; returns the files read."""
    read: list[Path] = []
    for path in files_below(root):
        data = path.read_bytes()
        read.append(path)
        for form in forms_of(key):
            assert form not in data, f"the key ({form!r}) is in {path}"
    return read


@pytest.fixture
def log_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Path]:
    """Every record of every logger, at DEBUG, into caplog and into a file."""
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "logs" / "session.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()


def assert_not_logged(caplog: pytest.LogCaptureFixture, log_file: Path, key: str) -> None:
    assert caplog.records, "nothing was logged: the capture is not working"
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert key not in text, f"the key is in a log record of {record.name}"
    assert key not in caplog.text
    data = log_file.read_bytes()
    assert data, "the log file is empty"
    for form in forms_of(key):
        assert form not in data


async def send(assembly: Assembly, text: str) -> None:
    window = assembly.window
    window.composer.set_text(text)
    window.composer.send_requested.emit(text, [])
    await wait_until(lambda: not assembly.controller.is_generating(), 15.0)


async def run_session(assembly: Assembly, gateway, tmp_path: Path, key: str) -> None:
    """Chat, fail, retry, regenerate, export, change settings."""
    window = assembly.window
    controller = assembly.controller
    await send(assembly, "first question")
    await send(assembly, "second question")
    assert gateway.last.key == key  # the key was sent, so it was in the app's hands

    chat = controller.chat
    assert chat is not None
    gateway.push(Reply.error(401, error_body("Incorrect API key provided.")))
    await send(assembly, "this one is refused")
    answer = window.chat_page.view.rows()[-1].message
    assert answer.status == "error"

    page = "<html><title>500 Internal Server Error</title><h1>Oops</h1></html>"
    gateway.push(*[Reply.html(500, page)] * 3)  # the first try and both retries
    await send(assembly, "this one fails on the server")
    answer = window.chat_page.view.rows()[-1].message
    assert answer.status == "error" and answer.error is not None
    window.chat_page.view.retry_requested.emit(answer.id)
    await wait_until(lambda: not controller.is_generating() and answer.status == "done", 15.0)

    window.chat_page.view.regenerate_requested.emit(answer.id)
    await wait_until(lambda: not controller.is_generating(), 15.0)
    assert window.chat_page.view.rows()[-1].message.status == "done"

    exports = tmp_path / "exports"
    atomic_write_bytes(exports / "chat.md", chat_to_markdown(chat).encode())
    atomic_write_bytes(exports / "chat.json", chat_to_json(chat))

    # The model list, fetched with the key and cached, as the model picker does.
    services = assembly.services
    endpoint = services.endpoint_for(chat)
    result = await services.catalog.refresh(
        services.profile(chat.profile).name, lambda: services.client.list_models(endpoint)
    )
    assert result.models and not result.error
    assert any(files_below(services.catalog.cache_dir))

    panel = window.params_panel
    panel.set_values({"stream": True, "temperature": 0.3})
    window.page.set_params(panel.values())
    window.presets.save_preset("hygiene")
    window.presets.load_preset("hygiene")
    await send(assembly, "with the preset")
    assert gateway.last.body["temperature"] == 0.3
    window.presets.delete_preset("hygiene")
    window.presets.save_preset("kept")
    assembly.services.prefs.set(theme="dark")
    assembly.services.prefs.flush()

    window.update_preview()
    curl = window.preview.curl_text()
    assert curl.startswith("curl ") and "Authorization" in curl
    assert key not in curl
    assembly.save_all_now()


def assert_reprs_clean(assembly: Assembly, key: str) -> None:
    services = assembly.services
    chat = assembly.controller.chat
    assert chat is not None
    endpoint = services.endpoint_for(chat)
    assert endpoint.api_key == key
    for thing in (endpoint, services.secrets, services.profile(chat.profile)):
        assert key not in repr(thing), f"the key is in repr() of {type(thing).__name__}"


async def test_environment_key_is_never_written(
    gateway, tmp_path: Path, caplog: pytest.LogCaptureFixture, log_file: Path
) -> None:
    key = new_key()
    gateway.require_key = key
    data = tmp_path / "data"
    env = {"CHORUS_DATA_DIR": str(data), "OPENAI_BASE_URL": gateway.url, "OPENAI_API_KEY": key}
    async with running_app(env) as assembly:
        assert assembly.services.settings.active_profile != "AnyFast"  # the env profile
        await run_session(assembly, gateway, tmp_path, key)
        assert_reprs_clean(assembly, key)
    assert all(r.key == key for r in gateway.chat_requests()[:2])
    read = assert_nowhere_on_disk(tmp_path, key)
    names = {p.name for p in read}
    assert {"settings.json", "index.json", "chat.md", "chat.json", "session.log"} <= names
    assert any(p.parent.name == "cache" for p in read)
    assert sum(1 for p in read if p.parent.name == "chats") >= 2  # index and a chat
    assert_not_logged(caplog, log_file, key)


async def test_services_repr_hides_the_environment_key(gateway, tmp_path: Path) -> None:
    key = new_key()
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url, "OPENAI_API_KEY": key}
    async with running_app(env) as assembly:
        assert key not in repr(assembly.services)


async def test_stored_key_of_a_custom_profile_is_never_written(
    gateway, tmp_path: Path, caplog: pytest.LogCaptureFixture, log_file: Path
) -> None:
    key = new_key()
    gateway.require_key = key
    data = tmp_path / "data"
    async with running_app({"CHORUS_DATA_DIR": str(data)}) as assembly:
        services = assembly.services
        assert services.settings.active_profile == "AnyFast"
        assert not assembly.window.composer.can_send()
        # As the endpoints dialog does: a profile of the person's own, its key stored.
        profile = validate_profile("Hygiene gateway", gateway.url, services.profiles())
        assert profile.key_source == "keyring"
        services.secrets.set(profile.name, key)
        services.secrets.set("AnyFast", key)
        assembly.window.dialogs._profiles_changed([profile], profile.name)
        assembly.window.new_chat()
        chat = assembly.controller.chat
        assert chat is not None and chat.profile == profile.name
        settings_file = services.settings_path
        await wait_until(settings_file.is_file)  # saved shortly after the change
        saved = settings_file.read_text(encoding="utf-8")
        assert "Hygiene gateway" in saved and key not in saved
        await run_session(assembly, gateway, tmp_path, key)
        assert_reprs_clean(assembly, key)
        assert key not in repr(services)
        assert key not in repr(services.settings)
    saved = settings_file.read_bytes()
    assert b"Hygiene gateway" in saved
    for form in forms_of(key):
        assert form not in saved
    read = assert_nowhere_on_disk(tmp_path, key)
    assert settings_file in read
    assert_not_logged(caplog, log_file, key)
