"""Endpoint profiles: built-ins from the environment, validation, resolving the key."""

from __future__ import annotations

import pytest

from core.profiles import (
    ANYFAST_NAME,
    ENV_PROFILE_NAME,
    MissingKeyError,
    Profile,
    ProfileError,
    all_profiles,
    builtin_profiles,
    describe_url,
    resolve_endpoint,
    validate_profile,
)
from core.secrets import MemorySecrets

KEY = "sk-profile-test-0123456789"


# builtin_profiles / all_profiles


def test_anyfast_uses_the_keyring_by_default() -> None:
    (anyfast,) = builtin_profiles({})
    assert anyfast.name == ANYFAST_NAME == "AnyFast"
    assert anyfast.base_url == "https://www.anyfast.ai"
    assert anyfast.key_source == "keyring"
    assert anyfast.builtin


def test_anyfast_key_from_environment() -> None:
    (anyfast,) = builtin_profiles({"ANYFAST_API_KEY": KEY})
    assert anyfast.key_source == "env"
    assert anyfast.key_env == "ANYFAST_API_KEY"
    assert KEY not in repr(anyfast)


def test_blank_anyfast_key_counts_as_unset() -> None:
    (anyfast,) = builtin_profiles({"ANYFAST_API_KEY": "  "})
    assert anyfast.key_source == "keyring"


def test_openai_base_url_profile_with_key() -> None:
    env = {"OPENAI_BASE_URL": "http://localhost:8080/v1", "OPENAI_API_KEY": KEY}
    _, local = builtin_profiles(env)
    assert local.name == ENV_PROFILE_NAME == "Environment (OPENAI_BASE_URL)"
    assert local.base_url == "http://localhost:8080/v1"
    assert (local.key_source, local.key_env) == ("env", "OPENAI_API_KEY")
    assert local.builtin


def test_openai_base_url_profile_without_key() -> None:
    _, local = builtin_profiles({"OPENAI_BASE_URL": "localhost:11434"})
    assert local.key_source == "none"
    assert local.key_env == ""


def test_all_profiles_puts_builtins_first_and_skips_clashes() -> None:
    mine = [
        Profile(name="OpenRouter", base_url="https://openrouter.ai/api/v1"),
        Profile(name="anyfast", base_url="https://example.com"),  # clashes with a built-in
        Profile(name="openrouter", base_url="https://example.org"),  # repeats a saved name
        Profile(name=ENV_PROFILE_NAME, base_url="http://old", builtin=True),  # stale copy
    ]
    names = [p.name for p in all_profiles(mine, {})]
    assert names == ["AnyFast", "OpenRouter"]


# validate_profile


def test_validate_returns_a_normalised_profile() -> None:
    profile = validate_profile("  Local  ", "localhost:8080/v1/chat/completions", [])
    assert profile == Profile(name="Local", base_url="http://localhost:8080/v1")
    assert not profile.builtin


@pytest.mark.parametrize(
    ("name", "url", "sentence"),
    [
        ("", "https://x.test", "Give the endpoint a name."),
        ("   ", "https://x.test", "Give the endpoint a name."),
        ("x" * 65, "https://x.test", "64 characters"),
        ("two\nlines", "https://x.test", "control characters"),
        ("anyfast", "https://x.test", "An endpoint named “AnyFast” already exists."),
        ("New", "", "Enter a base URL"),
        ("New", "ftp://x.test", "http:// or https://"),
        ("New", "https://a b", "cannot contain spaces"),
    ],
)
def test_validate_sentences(name: str, url: str, sentence: str) -> None:
    existing = builtin_profiles({})
    with pytest.raises(ProfileError) as info:
        validate_profile(name, url, existing)
    assert sentence in str(info.value)
    assert str(info.value).endswith(".")


def test_validate_allows_keeping_the_own_name_when_editing() -> None:
    existing = [Profile(name="Local", base_url="http://localhost:8080/v1")]
    profile = validate_profile("local", "localhost:9090", existing, replacing="Local")
    assert profile.base_url == "http://localhost:9090/v1"


def test_validate_env_key_source() -> None:
    profile = validate_profile(
        "Groq", "https://api.groq.com/openai", [], key_source="env", key_env=" GROQ_API_KEY "
    )
    assert (profile.key_source, profile.key_env) == ("env", "GROQ_API_KEY")
    with pytest.raises(ProfileError, match="environment variable"):
        validate_profile("Groq", "https://api.groq.com", [], key_source="env")
    with pytest.raises(ProfileError, match="not a valid environment variable name"):
        validate_profile("Groq", "https://api.groq.com", [], key_source="env", key_env="1-X")


def test_validate_drops_key_env_unless_env() -> None:
    profile = validate_profile("Local", "localhost:1", [], key_source="none", key_env="X")
    assert (profile.key_source, profile.key_env) == ("none", "")


# resolve_endpoint / describe_url


def test_resolve_with_key_from_secret_store() -> None:
    secrets = MemorySecrets()
    secrets.set("AnyFast", KEY)
    (anyfast,) = builtin_profiles({})
    endpoint = resolve_endpoint(anyfast, secrets, {})
    assert endpoint.chat_url == "https://www.anyfast.ai/v1/chat/completions"
    assert endpoint.api_key == KEY
    assert endpoint.name == "AnyFast"
    assert KEY not in repr(endpoint)


def test_resolve_missing_keyring_key() -> None:
    (anyfast,) = builtin_profiles({})
    with pytest.raises(MissingKeyError) as info:
        resolve_endpoint(anyfast, MemorySecrets(), {})
    assert str(info.value) == "No API key for AnyFast yet. Add one in Settings → Endpoints."
    assert info.value.profile_name == "AnyFast"


def test_resolve_key_from_environment() -> None:
    env = {"ANYFAST_API_KEY": KEY}
    (anyfast,) = builtin_profiles(env)
    endpoint = resolve_endpoint(anyfast, MemorySecrets(), env)
    assert endpoint.request_headers()["Authorization"] == f"Bearer {KEY}"


def test_resolve_missing_environment_key() -> None:
    (anyfast,) = builtin_profiles({"ANYFAST_API_KEY": KEY})
    with pytest.raises(MissingKeyError) as info:
        resolve_endpoint(anyfast, MemorySecrets(), {})  # the variable went away since
    assert "ANYFAST_API_KEY is not set" in str(info.value)
    assert info.value.env_var == "ANYFAST_API_KEY"


def test_resolve_keyless_profile() -> None:
    env = {"OPENAI_BASE_URL": "localhost:11434"}
    _, local = builtin_profiles(env)
    endpoint = resolve_endpoint(local, MemorySecrets(), env)
    assert endpoint.chat_url == "http://localhost:11434/v1/chat/completions"
    assert "Authorization" not in endpoint.request_headers()


def test_resolve_invalid_url_is_a_sentence() -> None:
    env = {"OPENAI_BASE_URL": "ftp://nowhere"}
    _, broken = builtin_profiles(env)
    with pytest.raises(ProfileError, match="base URL of Environment"):
        resolve_endpoint(broken, MemorySecrets(), env)


def test_resolve_passes_headers() -> None:
    profile = Profile(
        name="Proxy", base_url="https://p.test", key_source="none", headers={"X-Org": "a"}
    )
    assert resolve_endpoint(profile, MemorySecrets(), {}).headers == {"X-Org": "a"}


def test_profile_repr_hides_header_values() -> None:
    profile = Profile(name="P", base_url="https://p.test", headers={"x-api-key": KEY})
    assert KEY not in repr(profile)
    assert "x-api-key" in repr(profile)


def test_describe_url() -> None:
    (anyfast,) = builtin_profiles({})
    assert describe_url(anyfast) == "https://www.anyfast.ai/v1/chat/completions"
    odd = Profile(name="X", base_url="https://h.test/api/v2/chat/completions/")
    assert describe_url(odd) == "https://h.test/api/v2/chat/completions"
    assert "http:// or https://" in describe_url(Profile(name="Y", base_url="ftp://h"))
