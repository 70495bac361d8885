"""API keys behind a small interface: the OS keyring, or memory for this session only.

Keys live in the system keyring (service ``"chorus"``, user name = profile name). When
there is no keyring, :class:`Secrets` says so and keeps keys in memory only after the
person chose that; it never writes a key to a file. No class here shows a key in its
``repr()``, and no message or log line contains one.

The keyring package (tens of ms to import) is imported where it is used, so the app can
show its window before it has been.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, runtime_checkable

from core.endpoint import EndpointUnusable

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)

SERVICE = "chorus"

_T = TypeVar("_T")

# Backend modules and the names a person knows them by.
_BACKEND_LABELS = {
    "keyring.backends.SecretService": "Secret Service",
    "keyring.backends.libsecret": "Secret Service",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Locker",
}
# Third-party backends that keep keys in a file in the home folder.
_FILE_BACKEND_MODULES = ("keyrings.alt.file", "keyrings.alt.pyfs", "keyrings.cryptfile")

_NO_KEYRING = (
    "No system keyring was found: no Secret Service (GNOME Keyring, KeePassXC), KWallet, "
    "macOS Keychain or Windows Credential Locker is available."
)


class SecretStoreError(EndpointUnusable):
    """A key could not be read, saved or deleted; ``str()`` is a sentence for a person."""


class KeyringUnavailableError(SecretStoreError):
    """There is no usable system keyring."""


@runtime_checkable
class SecretStore(Protocol):
    """Where API keys are kept, one per profile name."""

    def get(self, profile_name: str) -> str | None: ...

    def set(self, profile_name: str, key: str) -> None: ...

    def delete(self, profile_name: str) -> None: ...

    def location(self) -> str:
        """A sentence telling the person where their key is kept."""
        ...


@dataclass(frozen=True)
class KeyringStatus:
    """Whether the system keyring can be used, which one it is, and why not."""

    available: bool
    backend: str
    reason: str = ""


def backend_label(backend: keyring.backend.KeyringBackend) -> str:
    """A display name for a keyring backend, such as ``"Secret Service"``."""
    from keyring.backends import chainer

    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        return backend_label(chained[0]) if chained else "none"
    module = type(backend).__module__
    for prefix, label in _BACKEND_LABELS.items():
        if module == prefix or module.startswith(prefix + "."):
            return label
    return str(getattr(type(backend), "name", type(backend).__name__))


def _is_file_backend(backend: keyring.backend.KeyringBackend) -> bool:
    return type(backend).__module__.startswith(_FILE_BACKEND_MODULES)


def probe_keyring(backend: keyring.backend.KeyringBackend | None = None) -> KeyringStatus:
    """Say whether ``backend`` (default: the keyring package's choice) can hold keys.

    This looks at which backend is configured and does not read or write an entry, so
    it never makes the desktop ask to unlock the keyring.
    """
    import keyring
    from keyring.backends import chainer, fail, null

    try:
        chosen = backend if backend is not None else keyring.get_keyring()
    except Exception as exc:  # a broken keyringrc.cfg or backend import fails here
        return KeyringStatus(False, "none", f"The system keyring could not be loaded: {exc}")
    effective = chosen
    if isinstance(chosen, chainer.ChainerBackend):
        chained = list(chosen.backends)
        if not chained:
            return KeyringStatus(False, "none", _NO_KEYRING)
        effective = chained[0]
    if isinstance(effective, fail.Keyring):
        return KeyringStatus(False, "none", _NO_KEYRING)
    if isinstance(effective, null.Keyring):
        return KeyringStatus(
            False, "none", "The keyring is turned off (the keyring package's null backend)."
        )
    label = backend_label(effective)
    if _is_file_backend(effective):
        return KeyringStatus(
            False,
            label,
            f"The configured keyring ({label}) keeps keys in a file, which Chorus does not use.",
        )
    return KeyringStatus(True, label)


def _sentence(exc: BaseException, action: str, secret: str = "") -> str:
    """A sentence for an error of the keyring; ``secret`` is blanked out if it appears."""
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        text = f"Could not {action}. {_NO_KEYRING}"
    elif isinstance(exc, keyring.errors.KeyringLocked):
        text = f"Could not {action}: the keyring is locked and was not unlocked."
    elif isinstance(exc, keyring.errors.InitError):
        text = f"Could not {action}: the keyring could not be opened ({exc})."
    elif isinstance(exc, keyring.errors.PasswordSetError):
        text = f"Could not {action}: the keyring refused to store it ({exc})."
    elif isinstance(exc, keyring.errors.PasswordDeleteError):
        text = f"Could not {action}: the keyring refused to delete it ({exc})."
    else:
        detail = str(exc).strip() or type(exc).__name__
        text = f"Could not {action}: {detail}"
    if secret and secret in text:
        text = text.replace(secret, "•••")
    return text


class KeyringSecrets:
    """Keys in the system keyring: service ``"chorus"``, user name = profile name.

    ``backend`` picks a keyring backend (tests pass an in-memory one); by default the
    keyring package chooses. Every keyring failure becomes :class:`SecretStoreError`.
    """

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, *, service: str = SERVICE
    ) -> None:
        self._given = backend
        self.service = service

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        import keyring

        return self._given if self._given is not None else keyring.get_keyring()

    def get(self, profile_name: str) -> str | None:
        try:
            value = self.backend.get_password(self.service, profile_name)
        except Exception as exc:
            raise _error(exc, f"read the key of {profile_name} from the keyring") from None
        return value or None

    def set(self, profile_name: str, key: str) -> None:
        try:
            self.backend.set_password(self.service, profile_name, key)
        except Exception as exc:
            action = f"save the key of {profile_name} in the keyring"
            raise _error(exc, action, secret=key) from None
        log.info("Saved the key of %s in the keyring", profile_name)

    def delete(self, profile_name: str) -> None:
        """Remove the key; nothing happens when there is none."""
        import keyring.errors

        try:
            self.backend.delete_password(self.service, profile_name)
        except keyring.errors.PasswordDeleteError:
            if self.get(profile_name) is not None:
                raise SecretStoreError(
                    f"Could not delete the key of {profile_name}: the keyring refused."
                ) from None
        except Exception as exc:
            raise _error(exc, f"delete the key of {profile_name} from the keyring") from None

    def location(self) -> str:
        try:
            label = backend_label(self.backend)
        except Exception:  # the default backend failed to load; get/set will say why
            label = "not available"
        return f"Your key is stored in the system keyring ({label}) under “{self.service}”."

    def __repr__(self) -> str:
        chosen = type(self._given).__name__ if self._given is not None else "default"
        return f"KeyringSecrets(service={self.service!r}, backend={chosen})"


def _error(exc: BaseException, action: str, secret: str = "") -> SecretStoreError:
    import keyring.errors

    sentence = _sentence(exc, action, secret)
    log.warning("Keyring error (%s): %s", type(exc).__name__, sentence)
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeyringUnavailableError(sentence)
    return SecretStoreError(sentence)


class MemorySecrets:
    """Keys kept in memory for this session only (and the fake used in tests)."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}

    def get(self, profile_name: str) -> str | None:
        return self._keys.get(profile_name)

    def set(self, profile_name: str, key: str) -> None:
        self._keys[profile_name] = key

    def delete(self, profile_name: str) -> None:
        self._keys.pop(profile_name, None)

    def location(self) -> str:
        return "Your key is kept in memory for this session only."

    def __repr__(self) -> str:
        return f"MemorySecrets(profiles={sorted(self._keys)!r})"


Mode = Literal["keyring", "session", "custom", "none"]


class Secrets:
    """The secret store the app uses.

    It uses the system keyring when there is one. When there is none,
    ``keyring_available`` is False and ``keyring_reason`` says why; keys are then kept
    in memory only after :meth:`use_session_only`, and until then reading finds no key
    and saving raises :class:`SecretStoreError`. :meth:`use_backend` installs another
    store the person explicitly chose. Nothing falls back to a file on its own.
    """

    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None = None,
        *,
        status: KeyringStatus | None = None,
    ) -> None:
        self._backend = backend
        self._keyring = KeyringSecrets(backend)
        self._store: SecretStore | None = None
        self._mode: Mode = "none"
        self._status = KeyringStatus(False, "none", "")
        self._probed = False
        if status is not None:
            self._take(status)

    def _take(self, status: KeyringStatus) -> None:
        self._probed = True
        self._status = status
        self._store = self._keyring if status.available else None
        self._mode = "keyring" if status.available else "none"
        if not status.available:
            log.warning("No usable keyring: %s", status.reason)

    def _ensure(self) -> None:
        """Find the keyring on first use: discovering backends takes tens of ms."""
        if not self._probed:
            self._take(probe_keyring(self._backend))

    @property
    def status(self) -> KeyringStatus:
        self._ensure()
        return self._status

    @property
    def keyring_available(self) -> bool:
        self._ensure()
        return self._status.available

    @property
    def keyring_reason(self) -> str:
        self._ensure()
        return self._status.reason

    @property
    def mode(self) -> Mode:
        """``"keyring"``, ``"session"`` (memory), ``"custom"`` or ``"none"`` (no store)."""
        self._ensure()
        return self._mode

    @property
    def needs_choice(self) -> bool:
        """True when there is no keyring and the person has not chosen what to do."""
        self._ensure()
        return self._store is None

    def use_session_only(self) -> None:
        """Keep keys in memory until the app quits (the person chose this)."""
        self._ensure()
        if self._mode != "session":
            self._store = MemorySecrets()
            self._mode = "session"
            log.info("Keys are kept in memory for this session only")

    def use_backend(self, store: SecretStore) -> None:
        """Keep keys in ``store``, a store the person explicitly chose."""
        self._ensure()
        self._store = store
        self._mode = "custom"
        log.info("Keys are kept in %r", store)

    def get(self, profile_name: str) -> str | None:
        self._ensure()
        if self._store is None:
            return None
        return self._call(lambda store: store.get(profile_name))

    def set(self, profile_name: str, key: str) -> None:
        self._ensure()
        if self._store is None:
            raise KeyringUnavailableError(
                f"{self._status.reason} Choose “Keep keys for this session only” to use "
                "a key without saving it."
            )
        self._call(lambda store: store.set(profile_name, key))

    def delete(self, profile_name: str) -> None:
        self._ensure()
        if self._store is not None:
            self._call(lambda store: store.delete(profile_name))

    def location(self) -> str:
        self._ensure()
        if self._store is None:
            return f"No key can be saved. {self._status.reason}"
        return self._store.location()

    def _call(self, op: Callable[[SecretStore], _T]) -> _T:
        store = self._store
        assert store is not None
        try:
            return op(store)
        except KeyringUnavailableError as exc:
            if store is self._keyring:
                # The keyring went away during the session (its service stopped).
                self._status = KeyringStatus(False, "none", str(exc))
                self._store = None
                self._mode = "none"
            raise

    def __repr__(self) -> str:
        return f"Secrets(mode={self._mode!r}, probed={self._probed})"
