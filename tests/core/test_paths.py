from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from core import paths


def test_data_dir_env_holds_everything(tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path)}
    assert paths.data_dir(env) == tmp_path
    assert paths.chats_dir(env) == tmp_path / "chats"
    assert paths.quarantine_dir(env) == tmp_path / "chats" / "damaged"
    assert paths.config_dir(env) == tmp_path
    assert paths.settings_path(env) == tmp_path / "settings.json"
    assert paths.cache_dir(env) == tmp_path / "cache"
    assert paths.log_dir(env) == tmp_path / "logs"


def test_nothing_is_created(tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path / "new")}
    for fn in (paths.data_dir, paths.chats_dir, paths.cache_dir, paths.log_dir):
        fn(env)
    assert not (tmp_path / "new").exists()


def test_platformdirs_without_env() -> None:
    env: dict[str, str] = {}
    assert paths.data_dir(env) == Path(platformdirs.user_data_dir("chorus", appauthor=False))
    assert paths.chats_dir(env) == paths.data_dir(env) / "chats"
    assert paths.config_dir(env) == Path(platformdirs.user_config_dir("chorus", appauthor=False))
    assert paths.settings_path(env) == paths.config_dir(env) / "settings.json"
    assert paths.cache_dir(env) == Path(platformdirs.user_cache_dir("chorus", appauthor=False))
    assert paths.log_dir(env) == Path(platformdirs.user_log_dir("chorus", appauthor=False))


def test_blank_env_value_is_ignored() -> None:
    assert paths.data_dir({"CHORUS_DATA_DIR": "  "}) == paths.data_dir({})


def test_reads_process_environment_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUS_DATA_DIR", str(tmp_path))
    assert paths.chats_dir() == tmp_path / "chats"
    assert paths.settings_path() == tmp_path / "settings.json"


def test_tilde_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.data_dir({"CHORUS_DATA_DIR": "~/chorus-data"}) == tmp_path / "chorus-data"
