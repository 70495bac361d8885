"""Every place Chorus keeps files, from one module.

When the ``CHORUS_DATA_DIR`` environment variable is set, everything (chats, settings,
caches, logs) lives below that folder::

    $CHORUS_DATA_DIR/settings.json
    $CHORUS_DATA_DIR/chats/<id>.json
    $CHORUS_DATA_DIR/chats/index.json
    $CHORUS_DATA_DIR/chats/damaged/
    $CHORUS_DATA_DIR/arena/battles/<id>.json
    $CHORUS_DATA_DIR/arena/votes/<id>.json
    $CHORUS_DATA_DIR/evals/
    $CHORUS_DATA_DIR/cache/
    $CHORUS_DATA_DIR/logs/

Otherwise the per-user folders of the OS are used (platformdirs): the data folder for
chats, the config folder for settings, the cache folder for caches such as model lists,
and the log folder for logs.

Every function takes an optional ``env`` mapping (default: ``os.environ``) so tests can
point them elsewhere without touching the process environment. Nothing here creates
a folder; the code that writes a file creates its folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "chorus"
DATA_DIR_ENV = "CHORUS_DATA_DIR"
CHATS_DIRNAME = "chats"
DAMAGED_DIRNAME = "damaged"
SETTINGS_FILENAME = "settings.json"


def _override(env: Mapping[str, str] | None) -> Path | None:
    """The folder named by ``CHORUS_DATA_DIR``, or None when it is unset or empty."""
    source = os.environ if env is None else env
    value = source.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder that holds the chats folder."""
    root = _override(env)
    if root is not None:
        return root
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def chats_dir(env: Mapping[str, str] | None = None) -> Path:
    """One ``<id>.json`` file per chat, plus ``index.json``."""
    return data_dir(env) / CHATS_DIRNAME


def quarantine_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where chat files that cannot be read are moved (never deleted)."""
    return chats_dir(env) / DAMAGED_DIRNAME


def arena_dir(env: Mapping[str, str] | None = None) -> Path:
    """The blind arena: ``battles/`` (transcripts, chat files) and ``votes/`` (one per
    battle), beside the chats folder and out of the chat list."""
    return data_dir(env) / "arena"


def evals_dir(env: Mapping[str, str] | None = None) -> Path:
    """The evaluation workbench's test sets, runs, column sets and answer cache."""
    return data_dir(env) / "evals"


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder that holds ``settings.json``."""
    root = _override(env)
    if root is not None:
        return root
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def settings_path(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / SETTINGS_FILENAME


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Files that can be fetched again at any time, such as model lists."""
    root = _override(env)
    if root is not None:
        return root / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir(env: Mapping[str, str] | None = None) -> Path:
    root = _override(env)
    if root is not None:
        return root / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
