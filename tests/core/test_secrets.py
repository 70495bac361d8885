"""Secret stores: memory, the keyring (with an in-memory backend), no keyring at all."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import keyring
import keyring.core
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from core.secrets import (
    KeyringSecrets,
    KeyringStatus,
    KeyringUnavailableError,
    MemorySecrets,
    Secrets,
    SecretStore,
    SecretStoreError,
    probe_keyring,
)

KEY = "sk-test-0123456789abcdef"


class DictKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in a dict (never chosen automatically)."""

    priority = -100  # below fail.Keyring: never chosen as the default

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError("No such password!")
        del self.items[(service, username)]


class RaisingKeyring(DictKeyring):
    """Raises the given keyring error from every call."""

    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc

    def delete_password(self, service: str, username: str) -> None:
        raise self.exc


def _fail() -> KeyringBackend:
    return fail.Keyring()  # type: ignore[no-untyped-call]


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    dirs = [tmp_path / name for name in ("home", "data", "config", "cache", "state")]
    for folder in dirs:
        folder.mkdir()
    for var, folder in zip(
        ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"),
        dirs,
        strict=True,
    ):
        monkeypatch.setenv(var, str(folder))
    return dirs


def _files_under(dirs: list[Path]) -> list[Path]:
    return [Path(root) / f for d in dirs for root, _, files in os.walk(d) for f in files]


# MemorySecrets


def test_memory_secrets_round_trip() -> None:
    store = MemorySecrets()
    assert isinstance(store, SecretStore)
    assert store.get("AnyFast") is None
    store.set("AnyFast", KEY)
    assert store.get("AnyFast") == KEY
    store.delete("AnyFast")
    store.delete("AnyFast")  # deleting twice is fine
    assert store.get("AnyFast") is None
    assert store.location() == "Your key is kept in memory for this session only."


def test_memory_secrets_repr_hides_keys() -> None:
    store = MemorySecrets()
    store.set("AnyFast", KEY)
    assert KEY not in repr(store)
    assert "AnyFast" in repr(store)


# KeyringSecrets


def test_keyring_secrets_uses_service_chorus_and_profile_name() -> None:
    backend = DictKeyring()
    store = KeyringSecrets(backend)
    assert isinstance(store, SecretStore)
    store.set("AnyFast", KEY)
    assert backend.items == {("chorus", "AnyFast"): KEY}
    assert store.get("AnyFast") == KEY
    assert store.get("Other") is None
    store.delete("AnyFast")
    assert store.get("AnyFast") is None
    store.delete("AnyFast")  # a missing key is not an error
    assert KEY not in repr(store)


def test_keyring_secrets_default_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = DictKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    keyring.set_keyring(backend)
    store = KeyringSecrets()
    store.set("Local", KEY)
    assert backend.items[("chorus", "Local")] == KEY
    assert "under “chorus”" in store.location()


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (keyring.errors.KeyringLocked("Failed to unlock the collection!"), "locked"),
        (keyring.errors.InitError("Failed to create the collection"), "could not be opened"),
        (keyring.errors.PasswordSetError("denied"), "refused to store"),
        (keyring.errors.NoKeyringError("none"), "No system keyring"),
        (RuntimeError("D-Bus went away"), "D-Bus went away"),
    ],
)
def test_keyring_errors_become_sentences(exc: Exception, words: str) -> None:
    store = KeyringSecrets(RaisingKeyring(exc))
    with pytest.raises(SecretStoreError) as info:
        store.set("AnyFast", KEY)
    assert words in str(info.value)
    assert "AnyFast" in str(info.value)
    assert info.value.__cause__ is None
    with pytest.raises(SecretStoreError):
        store.get("AnyFast")


def test_key_in_a_backend_error_message_is_blanked() -> None:
    store = KeyringSecrets(RaisingKeyring(keyring.errors.PasswordSetError(f"bad value {KEY}")))
    with pytest.raises(SecretStoreError) as info:
        store.set("AnyFast", KEY)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)


def test_no_keyring_error_is_keyring_unavailable() -> None:
    store = KeyringSecrets(_fail())
    with pytest.raises(KeyringUnavailableError):
        store.get("AnyFast")


# probe_keyring


def test_probe_fail_backend() -> None:
    status = probe_keyring(_fail())
    assert not status.available
    assert "No system keyring" in status.reason


def test_probe_null_backend() -> None:
    status = probe_keyring(null.Keyring())  # type: ignore[no-untyped-call]
    assert not status.available
    assert "turned off" in status.reason


def test_probe_empty_chainer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.backend, "get_all_keyring", list)
    status = probe_keyring(chainer.ChainerBackend())  # type: ignore[no-untyped-call]
    assert not status.available
    assert "No system keyring" in status.reason


def test_probe_file_backend_is_not_used() -> None:
    class PlaintextKeyring(DictKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    status = probe_keyring(PlaintextKeyring())
    assert not status.available
    assert "file" in status.reason


def test_probe_usable_backend() -> None:
    status = probe_keyring(DictKeyring())
    assert status.available
    assert status.reason == ""


def test_probe_default_backend_answers() -> None:
    status = probe_keyring()
    assert isinstance(status, KeyringStatus)
    assert status.available or status.reason


# Secrets facade


def test_secrets_with_a_keyring() -> None:
    backend = DictKeyring()
    secrets = Secrets(backend)
    assert secrets.keyring_available
    assert secrets.mode == "keyring"
    assert not secrets.needs_choice
    secrets.set("AnyFast", KEY)
    assert backend.items[("chorus", "AnyFast")] == KEY
    assert secrets.get("AnyFast") == KEY
    assert "system keyring" in secrets.location()
    secrets.delete("AnyFast")
    assert secrets.get("AnyFast") is None


def test_secrets_without_keyring_writes_no_file(isolated_home: list[Path]) -> None:
    secrets = Secrets(_fail())
    assert not secrets.keyring_available
    assert "No system keyring" in secrets.keyring_reason
    assert secrets.needs_choice
    assert secrets.get("AnyFast") is None
    with pytest.raises(KeyringUnavailableError) as info:
        secrets.set("AnyFast", KEY)
    assert "session only" in str(info.value)
    assert "No key can be saved" in secrets.location()

    secrets.use_session_only()
    assert secrets.mode == "session"
    assert not secrets.needs_choice
    secrets.set("AnyFast", KEY)
    assert secrets.get("AnyFast") == KEY
    assert secrets.location() == "Your key is kept in memory for this session only."
    assert KEY not in repr(secrets)
    assert _files_under(isolated_home) == []

    fresh = Secrets(_fail())  # a new session remembers nothing
    fresh.use_session_only()
    assert fresh.get("AnyFast") is None
    assert _files_under(isolated_home) == []


def test_secrets_keyring_vanishing_is_reported_not_hidden() -> None:
    backend = RaisingKeyring(keyring.errors.NoKeyringError("gone"))
    secrets = Secrets(backend, status=KeyringStatus(True, "Test"))
    with pytest.raises(KeyringUnavailableError):
        secrets.set("AnyFast", KEY)
    assert not secrets.keyring_available
    assert secrets.mode == "none"
    assert secrets.needs_choice


def test_secrets_locked_keyring_raises_and_stays() -> None:
    backend = RaisingKeyring(keyring.errors.KeyringLocked("Failed to unlock"))
    secrets = Secrets(backend, status=KeyringStatus(True, "Test"))
    with pytest.raises(SecretStoreError, match="locked"):
        secrets.get("AnyFast")
    assert secrets.mode == "keyring"


def test_secrets_use_backend_takes_an_explicit_store() -> None:
    chosen = MemorySecrets()
    secrets = Secrets(_fail())
    secrets.use_backend(chosen)
    assert secrets.mode == "custom"
    secrets.set("AnyFast", KEY)
    assert chosen.get("AnyFast") == KEY
    assert KEY not in repr(secrets)


def test_no_key_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    Secrets(DictKeyring()).set("AnyFast", KEY)
    secrets = Secrets(_fail())
    secrets.use_session_only()
    secrets.set("AnyFast", KEY)
    with pytest.raises(SecretStoreError):
        KeyringSecrets(RaisingKeyring(keyring.errors.PasswordSetError(KEY))).set("A", KEY)
    assert caplog.records
    assert KEY not in caplog.text


@pytest.mark.real_keyring
def test_real_keyring_round_trip() -> None:
    status = probe_keyring()
    if not status.available:
        if os.environ.get("CHORUS_EXPECT_REAL_KEYRING"):
            pytest.fail(f"scripts/with-keyring.sh started a keyring, but: {status.reason}")
        pytest.skip(f"No system keyring here: {status.reason}")
    store = KeyringSecrets()
    name = f"chorus-test-{uuid.uuid4().hex[:8]}"
    try:
        store.set(name, KEY)
        assert store.get(name) == KEY
    finally:
        store.delete(name)
    assert store.get(name) is None
