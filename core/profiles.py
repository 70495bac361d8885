"""Endpoint profiles: a name, a base URL and where the key lives (never the key itself).

The built-in profiles come from the app (AnyFast) and the environment
(``OPENAI_BASE_URL``); the person adds their own in Settings. A profile resolves to an
:class:`~core.endpoint.Endpoint` once its key is read from the secret store or the
environment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

import msgspec

from core.endpoint import Endpoint, EndpointUnusable, InvalidBaseURL, normalize_base_url

if TYPE_CHECKING:
    from core.secrets import SecretStore

KeySource = Literal["keyring", "env", "none"]

ANYFAST_NAME = "AnyFast"
ANYFAST_BASE_URL = "https://www.anyfast.ai"
ANYFAST_KEY_ENV = "ANYFAST_API_KEY"
OPENAI_BASE_URL_ENV = "OPENAI_BASE_URL"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
ENV_PROFILE_NAME = "Environment (OPENAI_BASE_URL)"
MAX_NAME_LENGTH = 64

_ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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

    def __repr__(self) -> str:
        # Header values can carry credentials (x-api-key and the like): show names only.
        headers = f", headers={sorted(self.headers)!r}" if self.headers else ""
        return (
            f"Profile(name={self.name!r}, base_url={self.base_url!r}, "
            f"key_source={self.key_source!r}, key_env={self.key_env!r}, "
            f"builtin={self.builtin!r}{headers})"
        )


class ProfileError(EndpointUnusable, ValueError):
    """A profile cannot be saved or used; ``str()`` is a sentence for a person."""


class MissingKeyError(EndpointUnusable, LookupError):
    """A profile needs an API key and none is available; ``str()`` is a sentence."""

    def __init__(self, message: str, *, profile_name: str, env_var: str = "") -> None:
        super().__init__(message)
        self.profile_name = profile_name
        self.env_var = env_var  # the variable that was read, for key_source "env"


def _env_value(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def builtin_profiles(env: Mapping[str, str]) -> list[Profile]:
    """AnyFast always, plus an ``OPENAI_BASE_URL`` profile when that variable is set.

    AnyFast reads its key from ``ANYFAST_API_KEY`` when that is set and from the secret
    store otherwise. The environment profile takes its key from ``OPENAI_API_KEY`` and
    sends none when that is unset.
    """
    if _env_value(env, ANYFAST_KEY_ENV):
        anyfast = Profile(
            name=ANYFAST_NAME,
            base_url=ANYFAST_BASE_URL,
            key_source="env",
            key_env=ANYFAST_KEY_ENV,
            builtin=True,
        )
    else:
        anyfast = Profile(
            name=ANYFAST_NAME, base_url=ANYFAST_BASE_URL, key_source="keyring", builtin=True
        )
    profiles = [anyfast]
    env_url = _env_value(env, OPENAI_BASE_URL_ENV)
    if env_url:
        has_key = bool(_env_value(env, OPENAI_KEY_ENV))
        profiles.append(
            Profile(
                name=ENV_PROFILE_NAME,
                base_url=env_url,
                key_source="env" if has_key else "none",
                key_env=OPENAI_KEY_ENV if has_key else "",
                builtin=True,
            )
        )
    return profiles


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def all_profiles(user_profiles: Iterable[Profile], env: Mapping[str, str]) -> list[Profile]:
    """The built-in profiles, then the person's own in their saved order.

    A saved profile whose name repeats an earlier one (built-in or saved) is left out,
    so every name in the result is unique; so is a saved copy of a built-in profile,
    since those are derived afresh from the app and the environment.
    """
    result = builtin_profiles(env)
    seen = {_name_key(p.name) for p in result}
    for profile in user_profiles:
        key = _name_key(profile.name)
        if profile.builtin or not key or key in seen:
            continue
        seen.add(key)
        result.append(profile)
    return result


def validate_profile(
    name: str,
    base_url: str,
    existing: Iterable[Profile],
    *,
    key_source: KeySource = "keyring",
    key_env: str = "",
    replacing: str = "",
) -> Profile:
    """Check what a person typed and return the profile to save.

    ``existing`` holds the profiles the name must not repeat (compared without case);
    ``replacing`` names the profile being edited, so keeping its own name is allowed.
    Raises :class:`ProfileError` with a sentence saying what to fix.
    """
    clean_name = name.strip()
    if not clean_name:
        raise ProfileError("Give the endpoint a name.")
    if len(clean_name) > MAX_NAME_LENGTH:
        raise ProfileError(f"Keep the name to {MAX_NAME_LENGTH} characters or fewer.")
    if any(unicodedata.category(ch).startswith("C") for ch in clean_name):
        raise ProfileError("A name cannot contain line breaks or other control characters.")
    own = _name_key(replacing) if replacing else None
    for other in existing:
        other_key = _name_key(other.name)
        if other_key == _name_key(clean_name) and other_key != own:
            raise ProfileError(
                f"An endpoint named “{other.name}” already exists. Choose another name."
            )
    try:
        url = normalize_base_url(base_url)
    except InvalidBaseURL as exc:
        raise ProfileError(str(exc)) from None
    env_name = key_env.strip()
    if key_source == "env":
        if not env_name:
            raise ProfileError(
                "Enter the name of the environment variable that holds the key, "
                "for example OPENAI_API_KEY."
            )
        if not _ENV_VAR_NAME.match(env_name):
            raise ProfileError(
                f"“{env_name}” is not a valid environment variable name: use letters, "
                "digits and underscores, not starting with a digit."
            )
    else:
        env_name = ""
    return Profile(name=clean_name, base_url=url, key_source=key_source, key_env=env_name)


def resolve_endpoint(profile: Profile, secrets: SecretStore, env: Mapping[str, str]) -> Endpoint:
    """The endpoint to send requests to, with its key read from where the profile says.

    Raises :class:`MissingKeyError` when a key is needed and there is none, and
    :class:`ProfileError` when the base URL is unusable. Errors of the secret store
    (``SecretStoreError``) pass through unchanged.
    """
    key = ""
    if profile.key_source == "env":
        var = profile.key_env or OPENAI_KEY_ENV
        key = _env_value(env, var)
        if not key:
            raise MissingKeyError(
                f"No API key for {profile.name}: the environment variable {var} is not set.",
                profile_name=profile.name,
                env_var=var,
            )
    elif profile.key_source == "keyring":
        key = (secrets.get(profile.name) or "").strip()
        if not key:
            raise MissingKeyError(
                f"No API key for {profile.name} yet. Add one in Settings → Endpoints.",
                profile_name=profile.name,
            )
    try:
        return Endpoint(profile.base_url, key, name=profile.name, headers=profile.headers)
    except InvalidBaseURL as exc:
        raise ProfileError(f"The base URL of {profile.name} cannot be used. {exc}") from None


def describe_url(profile: Profile) -> str:
    """The URL chat requests are POSTed to, for display; a sentence if the URL is invalid."""
    try:
        base = normalize_base_url(profile.base_url)
    except InvalidBaseURL as exc:
        return str(exc)
    return f"{base}/chat/completions"
