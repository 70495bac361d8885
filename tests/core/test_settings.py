from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from core import paths
from core.profiles import Profile
from core.settings import (
    RECENT_MODELS_MAX,
    SETTINGS_VERSION,
    Settings,
    load_settings,
    save_settings,
    secret_headers,
)
from core.storage import atomic


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHORUS_DATA_DIR", str(tmp_path))
    return paths.settings_path()


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else msgspec.json.encode(data))


def set_aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.bad-*"))


def test_missing_file_gives_defaults(path: Path) -> None:
    assert load_settings(path) == (Settings(), None)
    defaults = Settings()
    assert (defaults.theme, defaults.send_with, defaults.font_size) == ("system", "enter", 11)
    assert defaults.active_profile == "AnyFast" and defaults.version == SETTINGS_VERSION == 2


def test_round_trip(path: Path) -> None:
    settings = Settings(
        theme="dark",
        send_with="ctrl_enter",
        font_size=14,
        active_profile="Local",
        profiles=[Profile(name="Local", base_url="http://localhost:8080/v1", key_source="none")],
        favourite_models=["gpt-x"],
        recent_models=["b", "a"],
        default_model="gpt-x",
        default_params={"temperature": 0.7, "stop": ["\n"]},
        presets={"Precise": {"temperature": 0.0, "top_p": 1}},
        window_geometry="AdnQywADAAA=",
        sidebar_width=300,
    )
    save_settings(settings, path)
    assert load_settings(path) == (settings, None)
    assert path.read_bytes().startswith(b'{\n  "version": 2,')


def test_unknown_keys_and_newer_version_are_accepted(path: Path) -> None:
    write(path, {"version": 5, "theme": "light", "hologram_mode": True, "font_size": 20})
    settings, problem = load_settings(path)
    assert problem is None
    assert (settings.theme, settings.font_size, settings.version) == ("light", 20, 5)
    assert set_aside(path) == []
    save_settings(settings, path)
    raw = msgspec.json.decode(path.read_bytes())
    assert raw["version"] == SETTINGS_VERSION and "hologram_mode" not in raw


@pytest.mark.parametrize("data", [b'{"theme": "dark"', b"\xff\x00garbage", b"[1, 2]", b'"x"'])
def test_corrupt_file_is_set_aside(path: Path, data: bytes) -> None:
    write(path, data)
    settings, problem = load_settings(path)
    assert settings == Settings()
    [aside] = set_aside(path)
    assert aside.read_bytes() == data
    assert not path.exists()
    assert problem == (
        "Your settings file settings.json could not be read (it is not a valid settings "
        f"file), so the default settings are in use; the old file was kept as {aside.name}."
    )
    assert aside.name.startswith("settings.json.bad-" + time.strftime("%Y"))


def test_invalid_values_are_reset_and_the_rest_kept(path: Path) -> None:
    write(
        path,
        {
            "theme": "neon",
            "send_with": "ctrl_enter",
            "font_size": 99,
            "sidebar_width": -5,
            "window_geometry": "not base64!",
            "recent_models": ["m"],
        },
    )
    settings, problem = load_settings(path)
    assert (settings.theme, settings.font_size, settings.sidebar_width) == ("system", 11, 260)
    assert settings.window_geometry == ""
    assert (settings.send_with, settings.recent_models) == ("ctrl_enter", ["m"])
    [aside] = set_aside(path)
    assert problem is not None
    assert problem.startswith(
        "Some settings in settings.json were not valid (Invalid enum value 'neon' - at `$.theme`; "
    )
    for name in ("theme", "font_size", "sidebar_width", "window_geometry"):
        assert f"`$.{name}`" in problem
    assert "send_with" not in problem
    assert problem.endswith(f"were reset to their defaults; the old file was kept as {aside.name}.")
    assert "Expected `int` <= 32 - at `$.font_size`" in problem


def test_font_size_limits() -> None:
    assert msgspec.convert({"font_size": 8}, Settings).font_size == 8
    assert msgspec.convert({"font_size": 32}, Settings).font_size == 32
    for bad in (7, 33, "12", 12.5):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({"font_size": bad}, Settings)


def test_unreadable_file(path: Path) -> None:
    path.mkdir(parents=True)
    settings, problem = load_settings(path)
    assert settings == Settings()
    assert problem is not None
    assert problem.startswith(
        "Your settings file settings.json could not be opened (Is a directory), so the "
        "default settings are in use; the old file was kept as settings.json.bad-"
    )
    assert not path.exists() and len(set_aside(path)) == 1


def test_two_bad_files_in_one_second_get_distinct_names(path: Path) -> None:
    for _ in range(2):
        write(path, b"{")
        load_settings(path)
    assert len(set_aside(path)) == 2


def test_recent_models_are_capped_and_deduplicated() -> None:
    settings = Settings()
    for i in range(30):
        settings.push_recent_model(f"m{i}")
    settings.push_recent_model("m25")
    settings.push_recent_model("")
    assert len(settings.recent_models) == RECENT_MODELS_MAX
    assert settings.recent_models[:3] == ["m25", "m29", "m28"]
    assert settings.recent_models.count("m25") == 1
    loaded = msgspec.convert(
        {"recent_models": ["a", "b", "a"] + [str(i) for i in range(30)]}, Settings
    )
    assert loaded.recent_models[:3] == ["a", "b", "0"] and len(loaded.recent_models) == 20


def test_no_key_is_ever_written(path: Path) -> None:
    secret = "sk-live-0123456789abcdef"
    mine = Profile(
        name="Mine",
        base_url="https://example.com/v1",
        headers={"Authorization": f"Bearer {secret}", "X-Api-Key": secret, "X-Org": "acme"},
    )
    builtin = Profile(name="AnyFast", base_url="https://www.anyfast.ai/v1", builtin=True)
    assert secret_headers(mine) == ["Authorization", "X-Api-Key"]
    settings = Settings(profiles=[builtin, mine])
    save_settings(settings, path)
    text = path.read_text()
    assert secret not in text and "Authorization" not in text
    loaded, _ = load_settings(path)
    assert loaded.profiles == [
        Profile(name="Mine", base_url="https://example.com/v1", headers={"X-Org": "acme"})
    ]
    assert settings.profiles[1].headers["X-Api-Key"] == secret  # the object in memory is kept


def test_failed_save_keeps_old_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(theme="dark"), path)

    def crash(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(OSError):
        save_settings(Settings(theme="light"), path)
    monkeypatch.undo()
    assert load_settings(path)[0].theme == "dark"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


def test_stale_temp_file_is_removed_on_load(path: Path) -> None:
    save_settings(Settings(), path)
    stale = path.with_name(".settings.json.abc123.tmp")
    stale.write_bytes(b'{"theme": "da')
    other = path.with_name(".other.json.abc123.tmp")
    other.write_bytes(b"")
    old = time.time() - 3600
    for p in (stale, other):
        os.utime(p, (old, old))
    load_settings(path)
    assert not stale.exists() and other.exists()


def test_version_1_files_lose_the_keys_nothing_read(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write(path, {"version": 1, "theme": "dark", "window_state": "AAAA", "show_stats": False})
    settings, problem = load_settings(path)
    assert problem is None
    assert settings.theme == "dark" and settings.version == 2
    assert not hasattr(settings, "window_state") and not hasattr(settings, "show_stats")
    save_settings(settings, path)
    assert b"window_state" not in path.read_bytes() and b"show_stats" not in path.read_bytes()
