"""Endpoint profiles: a name, a base URL and where the key lives (never the key itself)."""

from __future__ import annotations

from typing import Literal

import msgspec

KeySource = Literal["keyring", "env", "none"]

ANYFAST_NAME = "AnyFast"
ANYFAST_BASE_URL = "https://www.anyfast.ai"


class Profile(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A place to send requests.

    ``key_source``: ``"keyring"`` (the OS keyring, service "chorus", user = profile name;
    or a session-only key when no keyring exists), ``"env"`` (the environment variable
    named by ``key_env``), or ``"none"`` (a local server that needs no key).
    """

    name: str
    base_url: str
    key_source: KeySource = "keyring"
    key_env: str = ""
    builtin: bool = False  # shipped with the app or derived from the environment: not editable
    headers: dict[str, str] = {}
