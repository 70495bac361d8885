"""Typed, validated settings kept in ``settings.json`` (see docs/FORMAT.md).

Every field has a default and a type (with ranges where they matter), so a missing key
takes its default, an unknown key (from a newer Chorus) is ignored, and a key with a bad
value is reset to its default while the rest of the file is kept. A file that is not a
JSON object at all is set aside as ``settings.json.bad-<timestamp>`` and defaults are used.

No key is ever written here: profiles say where their key lives, and request headers
named like credentials are dropped before saving.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from core.continuation import ContinuationCheck
from core.learned_rules import LearnedRule
from core.pricing import ModelPrice
from core.profiles import ANYFAST_NAME, Profile
from core.storage.atomic import atomic_write_bytes, remove_stale_temp_files
from core.tools.approval import Policy
from core.tools.mcp_config import McpServer

SETTINGS_VERSION = 2
# Keys of older settings versions that nothing reads any more, dropped when such a file is
# read (version 1 stored a toolbar layout and a stats switch that were never used).
REMOVED_KEYS: dict[int, tuple[str, ...]] = {1: ("window_state", "show_stats")}
RECENT_MODELS_MAX = 20
SECRET_HEADER_NAMES = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie"}
)

Theme = Literal["system", "light", "dark"]
SendWith = Literal["enter", "ctrl_enter"]
FontSize = Annotated[int, msgspec.Meta(ge=8, le=32)]
PanelWidth = Annotated[int, msgspec.Meta(ge=0, le=4000)]
Base64 = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9+/]*={0,2}$")]
RoundLimit = Annotated[int, msgspec.Meta(ge=1, le=100)]
ToolTimeout = Annotated[float, msgspec.Meta(ge=1, le=3600)]
ArenaSlots = Annotated[int, msgspec.Meta(ge=2, le=4)]


class ColumnSpec(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One column of a saved column set: its model and the parameters it sets."""

    model: str
    params: dict[str, object] = {}


class Settings(msgspec.Struct, kw_only=True):
    version: int = SETTINGS_VERSION
    theme: Theme = "system"
    send_with: SendWith = "enter"
    font_size: FontSize = 11
    active_profile: str = ANYFAST_NAME
    profiles: list[Profile] = []  # made by the user; built-in ones are derived at start
    default_model: str = ""
    favourite_models: list[str] = []
    recent_models: list[str] = []  # most recent first, at most RECENT_MODELS_MAX
    default_params: dict[str, object] = {}  # parameter values sent when a chat sets none
    presets: dict[str, dict[str, object]] = {}  # named parameter sets
    learned_rules: list[LearnedRule] = []  # per model and endpoint (core/learned_rules.py)
    window_geometry: Base64 = ""  # QWidget.saveGeometry(), base64
    sidebar_width: PanelWidth = 260
    sidebar_visible: bool = True
    params_panel_width: PanelWidth = 380
    params_panel_visible: bool = True
    # Tools (docs/FORMAT.md): MCP servers (their secrets are in the keyring), remembered
    # approvals by "server/tool", answers in a row that may call tools, how long a tool
    # may run, and saved tool definitions by name.
    mcp_servers: list[McpServer] = []
    tool_policies: dict[str, Policy] = {}
    tool_round_limit: RoundLimit = 10
    tool_timeout_s: ToolTimeout = 60.0
    tool_library: dict[str, dict[str, object]] = {}
    prices: dict[str, ModelPrice] = {}  # by model id, US dollars per million tokens
    # whether an endpoint continues a trailing assistant message, by probe_key(url, model)
    continuation: dict[str, ContinuationCheck] = {}
    # per-model parameter defaults: model default < preset < chat or column override
    model_params: dict[str, dict[str, object]] = {}
    column_sets: dict[str, list[ColumnSpec]] = {}  # named sets of comparison columns
    merge_recipes: dict[str, str] = {}  # recipe name -> instruction (built-ins when absent)
    arena_pool: list[str] = []  # the models battles are drawn from; empty: the favourites
    arena_slots: ArenaSlots = 2  # models per battle
    arena_tags: list[str] = []  # the person's own tags, offered beside the built-in ones
    eval_concurrency: Annotated[int, msgspec.Meta(ge=1, le=64)] = 4  # requests per endpoint

    def __post_init__(self) -> None:
        self.recent_models = list(dict.fromkeys(self.recent_models))[:RECENT_MODELS_MAX]

    def push_recent_model(self, model: str) -> None:
        """Move ``model`` to the front of ``recent_models`` (keeping at most 20)."""
        if not model:
            return
        rest = [m for m in self.recent_models if m != model]
        self.recent_models = [model, *rest][:RECENT_MODELS_MAX]

    def profile(self, name: str) -> Profile | None:
        return next((p for p in self.profiles if p.name == name), None)


def secret_headers(profile: Profile) -> list[str]:
    """The names of ``profile``'s headers that look like credentials (never saved)."""
    return [name for name in profile.headers if name.strip().lower() in SECRET_HEADER_NAMES]


def _savable_profile(profile: Profile) -> Profile:
    hidden = set(secret_headers(profile))
    if not hidden:
        return profile
    headers = {k: v for k, v in profile.headers.items() if k not in hidden}
    return msgspec.structs.replace(profile, headers=headers)


def encode_settings(settings: Settings) -> bytes:
    """The JSON text of ``settings`` without built-in profiles or credential headers."""
    savable = msgspec.structs.replace(
        settings,
        version=SETTINGS_VERSION,
        profiles=[_savable_profile(p) for p in settings.profiles if not p.builtin],
    )
    return msgspec.json.format(msgspec.json.encode(savable), indent=2) + b"\n"


def save_settings(settings: Settings, path: Path) -> None:
    """Write ``settings`` to ``path`` atomically."""
    atomic_write_bytes(path, encode_settings(settings))


def _set_aside(path: Path) -> Path | None:
    """Rename ``path`` to ``<name>.bad-<timestamp>`` beside it; None if that fails."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while os.path.lexists(target):
        target = path.with_name(f"{path.name}.bad-{stamp}-{n}")
        n += 1
    try:
        os.replace(path, target)
    except OSError:
        return None
    return target


def _kept_as(aside: Path | None) -> str:
    if aside is None:
        return "the file could not be set aside and will be replaced when settings change"
    return f"the old file was kept as {aside.name}"


def _valid_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The known keys whose values are valid, and one note per known key that is not."""
    known = set(Settings.__struct_fields__)
    good: dict[str, Any] = {}
    bad: list[str] = []
    for key, value in raw.items():
        if key not in known:
            continue
        try:
            msgspec.convert({key: value}, Settings)
        except msgspec.ValidationError as exc:
            bad.append(str(exc))
        else:
            good[key] = value
    return good, bad


def migrate_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` (a decoded settings file of any version) in the current version's keys."""
    version = raw.get("version", 1)
    if not isinstance(version, int) or version >= SETTINGS_VERSION:
        return raw
    migrated = dict(raw)
    for old in range(version, SETTINGS_VERSION):
        for key in REMOVED_KEYS.get(old, ()):
            migrated.pop(key, None)
    migrated["version"] = SETTINGS_VERSION
    return migrated


def load_settings(path: Path) -> tuple[Settings, str | None]:
    """Read settings; the second value is a sentence for a person when the file was bad.

    A missing file gives the defaults and no sentence. A file that cannot be read or is
    not a JSON object is set aside and the defaults are used; invalid values are reset to
    their defaults and the rest is kept (the original file is set aside too).
    """
    remove_stale_temp_files(path.parent, pattern=f".{path.name}.*.tmp", min_age_s=60.0)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Settings(), None
    except OSError as exc:
        aside = _set_aside(path)
        return Settings(), (
            f"Your settings file {path.name} could not be opened ({exc.strerror or exc}), "
            f"so the default settings are in use; {_kept_as(aside)}."
        )
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError:
        raw = None
    if not isinstance(raw, dict):
        aside = _set_aside(path)
        return Settings(), (
            f"Your settings file {path.name} could not be read (it is not a valid "
            f"settings file), so the default settings are in use; {_kept_as(aside)}."
        )
    good, bad = _valid_fields(migrate_settings(raw))
    settings = msgspec.convert(good, Settings)
    if not bad:
        return settings, None
    aside = _set_aside(path)
    return settings, (
        f"Some settings in {path.name} were not valid ({'; '.join(bad)}) and were reset "
        f"to their defaults; {_kept_as(aside)}."
    )
