"""Where requests go: base URL normalisation and the resolved endpoint.

Whatever a person pastes (``https://host``, ``https://host/v1/``,
``https://host/v1/chat/completions``, ``localhost:8080``) resolves to one base URL
ending in a version segment, from which the chat and models URLs are derived.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_VERSION_SEGMENT = re.compile(r"/v\d+[a-z0-9]*$", re.IGNORECASE)
_KNOWN_TAILS = ("/chat/completions", "/completions", "/models", "/chat")
_LOCAL_HOSTS = ("localhost", "127.", "[::1]", "0.0.0.0")


class EndpointUnusable(Exception):
    """This endpoint cannot be used now (no key, a bad URL, a locked keyring); ``str()``
    is a sentence for a person. The base of every such error, so callers catch one class."""


class InvalidBaseURL(EndpointUnusable, ValueError):
    """The text cannot be a base URL; ``str()`` is a sentence for a person."""


def normalize_base_url(text: str) -> str:
    """Resolve what a person pasted to a base URL such as ``https://host/v1``.

    Raises :class:`InvalidBaseURL` with a readable sentence when it cannot be one.
    """
    raw = text.strip()
    if not raw:
        raise InvalidBaseURL("Enter a base URL, for example https://www.anyfast.ai.")
    if any(ch.isspace() for ch in raw):
        raise InvalidBaseURL(f"A URL cannot contain spaces: {raw!r}.")
    if "://" not in raw:
        scheme = "http" if raw.lower().startswith(_LOCAL_HOSTS) else "https"
        raw = f"{scheme}://{raw}"
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidBaseURL(f"The URL must start with http:// or https://, not {parts.scheme}://.")
    if not parts.hostname:
        raise InvalidBaseURL(f"{text.strip()!r} has no host name.")
    try:
        _ = parts.port
    except ValueError:
        raise InvalidBaseURL(f"{text.strip()!r} has an invalid port.") from None
    path = parts.path.rstrip("/")
    stripped = True
    while stripped:
        stripped = False
        for tail in _KNOWN_TAILS:
            if path.lower().endswith(tail):
                path = path[: -len(tail)].rstrip("/")
                stripped = True
    if not _VERSION_SEGMENT.search(path):
        path = f"{path}/v1"
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))


class Endpoint:
    """A resolved endpoint: base URL, key and extra headers.

    The key never appears in ``repr()``, so it cannot leak through logs.
    """

    __slots__ = ("_api_key", "base_url", "headers", "name")

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        name: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self._api_key = api_key
        self.name = name
        self.headers = dict(headers or {})

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def models_url(self) -> str:
        return f"{self.base_url}/models"

    def request_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **self.headers}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"Endpoint({self.base_url!r}, key={key})"


def mask_key(key: str) -> str:
    """``sk-abc…wxyz`` style: enough to recognise a key, never enough to use it."""
    if not key:
        return ""
    if len(key) <= 8:
        return "•" * len(key)
    return f"{key[:3]}…{key[-4:]}"
