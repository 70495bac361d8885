"""The model catalog: the bundled id list merged with each profile's live ``/models`` list.

The last good live list of every profile is cached on disk, so the picker shows it at
once on the next start and keeps it when a refresh fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec

from core.model_vendors import OTHER, vendor_of
from core.storage.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

BUNDLED_MODELS_PATH = Path(__file__).resolve().parent.parent / "resources" / "models.txt"
CACHE_VERSION = 1

Source = Literal["bundled", "live", "both"]


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One model in the picker."""

    id: str
    vendor: str  # display name, e.g. "Anthropic"
    owned_by: str = ""  # as the server reported it (often the host, e.g. "aws")
    source: Source = "bundled"


def bundled_models(path: Path | None = None) -> list[str]:
    """The ids in ``resources/models.txt`` (blank lines and ``#`` comments skipped).

    A missing or unreadable file gives an empty list.
    """
    source = path if path is not None else BUNDLED_MODELS_PATH
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("No bundled model list at %s: %s", source, exc)
        return []
    ids: list[str] = []
    for line in text.splitlines():
        model_id = line.strip()
        if model_id and not model_id.startswith("#") and model_id not in ids:
            ids.append(model_id)
    return ids


_NUMBER = re.compile(r"(\d+)")
_DATE_DIGITS = 6


def natural_key(model_id: str) -> tuple[Any, ...]:
    """A sort key that orders numbers by value: gpt-5 < gpt-5-1 < gpt-5-2 < gpt-5-10.

    ``.`` counts as ``-``. A run of six or more digits is a date or build tag and sorts
    before version numbers, so ``claude-opus-4-20250514`` < ``claude-opus-4-1-20250805``.
    """
    parts = _NUMBER.split(model_id.lower().replace(".", "-"))
    # Text sits at even indexes and numbers at odd ones, so tuples compare like with like.
    key = tuple(
        (int(part) if len(part) < _DATE_DIGITS else -1) if i % 2 else part
        for i, part in enumerate(parts)
    )
    return (key, model_id)


def _vendor_key(vendor: str) -> tuple[bool, str]:
    return (vendor == OTHER, vendor.casefold())


def sort_models(models: Iterable[ModelInfo]) -> list[ModelInfo]:
    """By vendor (``"Other"`` last), then by id in natural order."""
    return sorted(models, key=lambda m: (_vendor_key(m.vendor), natural_key(m.id)))


def _live_entries(live: Iterable[Any]) -> list[tuple[str, str]]:
    """(id, owned_by) of every well-formed entry of a ``/models`` answer."""
    entries: list[tuple[str, str]] = []
    for item in live:
        if not isinstance(item, dict):
            continue
        model_id = item.get("id")
        if not isinstance(model_id, str) or not model_id.strip():
            continue
        owned_by = item.get("owned_by")
        entries.append((model_id.strip(), owned_by if isinstance(owned_by, str) else ""))
    return entries


def merge(bundled: Iterable[str], live: Iterable[dict[str, Any]]) -> list[ModelInfo]:
    """The union of the bundled ids and a live ``/models`` list, sorted for display."""
    owners: dict[str, str] = {}
    for model_id, owned_by in _live_entries(live):
        owners.setdefault(model_id, owned_by)
    result: dict[str, ModelInfo] = {}
    for model_id in bundled:
        if model_id in result:
            continue
        in_live = model_id in owners
        owner = owners.get(model_id, "")
        result[model_id] = ModelInfo(
            id=model_id,
            vendor=vendor_of(model_id, owner),
            owned_by=owner,
            source="both" if in_live else "bundled",
        )
    for model_id, owner in owners.items():
        if model_id not in result:
            result[model_id] = ModelInfo(
                id=model_id, vendor=vendor_of(model_id, owner), owned_by=owner, source="live"
            )
    return sort_models(result.values())


def group_by_vendor(models: Iterable[ModelInfo]) -> dict[str, list[ModelInfo]]:
    """Vendor → its models, vendors and models in the order they first appear."""
    groups: dict[str, list[ModelInfo]] = {}
    for model in models:
        groups.setdefault(model.vendor, []).append(model)
    return groups


def picker_sections(
    models: Sequence[ModelInfo], favourites: Sequence[str], recent: Sequence[str]
) -> list[tuple[str, list[ModelInfo]]]:
    """Titled sections for the picker: Favourites, Recent, then one per vendor.

    Favourites and recent ids keep their given order; an id not in ``models`` is
    skipped; a model appears once, in the first section that holds it. Empty sections
    are left out.
    """
    by_id = {m.id: m for m in models}
    used: set[str] = set()

    def take(ids: Sequence[str]) -> list[ModelInfo]:
        picked: list[ModelInfo] = []
        for model_id in ids:
            if model_id in by_id and model_id not in used:
                used.add(model_id)
                picked.append(by_id[model_id])
        return picked

    sections = [("Favourites", take(favourites)), ("Recent", take(recent))]
    rest = sort_models(m for m in by_id.values() if m.id not in used)
    sections.extend(group_by_vendor(rest).items())
    return [(title, items) for title, items in sections if items]


def order_for_picker(
    models: Sequence[ModelInfo], favourites: Sequence[str], recent: Sequence[str]
) -> list[ModelInfo]:
    """Favourites first, then recent ones, then the rest grouped by vendor."""
    return [m for _, items in picker_sections(models, favourites, recent) for m in items]


_SEPARATORS = re.compile(r"[\s.\-_/:]+")


def _fold(text: str) -> str:
    return _SEPARATORS.sub("-", text.casefold())


def filter_models(models: Iterable[ModelInfo], query: str) -> list[ModelInfo]:
    """The models whose id or vendor contains every space-separated term of ``query``.

    Case is ignored and ``.``, ``-``, ``_``, ``/`` and ``:`` count as the same
    character, so ``"son 4.5"`` finds ``claude-sonnet-4-5``.
    """
    terms = [_fold(term) for term in query.split()]
    if not terms:
        return list(models)
    return [m for m in models if all(term in f"{_fold(m.id)} {_fold(m.vendor)}" for term in terms)]


class _CachedModel(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    owned_by: str = ""


class _CacheFile(msgspec.Struct, kw_only=True):
    """``models-<profile>.json``: the last good live list of one profile."""

    version: int = CACHE_VERSION
    profile: str = ""
    fetched_at: float = 0.0
    models: list[_CachedModel] = []


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh produced: the merged list, and a sentence when it failed."""

    models: list[ModelInfo]
    error: str = ""
    fetched_at: float | None = None  # when the live part of ``models`` was fetched

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class _Live:
    entries: list[dict[str, str]] = field(default_factory=list)
    fetched_at: float | None = None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def cache_file_name(profile_name: str) -> str:
    """``models-<safe name>.json``; names changed by the cleaning get a short hash."""
    safe = _UNSAFE.sub("_", profile_name).strip("._")[:64] or "profile"
    if safe != profile_name:
        digest = hashlib.sha256(profile_name.encode("utf-8")).hexdigest()[:8]
        safe = f"{safe}-{digest}"
    return f"models-{safe}.json"


def _error_sentence(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0].strip() if lines else ""
    if not text:
        return f"Could not refresh the model list ({type(exc).__name__})."
    return text if len(text) <= 300 else text[:299] + "…"


class ModelCatalog:
    """Each profile's models: the bundled ids merged with its last good live list.

    ``cache_dir`` holds one ``models-<profile>.json`` per profile; ``bundled`` defaults
    to :func:`bundled_models`.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        bundled: Sequence[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self._bundled = list(bundled) if bundled is not None else bundled_models()
        self._clock = clock
        self._live: dict[str, _Live] = {}

    @property
    def bundled(self) -> list[str]:
        return list(self._bundled)

    def cache_path(self, profile_name: str) -> Path:
        return self.cache_dir / cache_file_name(profile_name)

    def cached(self, profile_name: str) -> list[ModelInfo]:
        """The bundled ids merged with the last good live list (from memory or disk)."""
        return merge(self._bundled, self._state(profile_name).entries)

    def last_refreshed(self, profile_name: str) -> float | None:
        """When the last good live list was fetched (Unix seconds), or None if never."""
        return self._state(profile_name).fetched_at

    async def refresh(
        self, profile_name: str, fetch: Callable[[], Awaitable[list[dict[str, Any]]]]
    ) -> RefreshResult:
        """Fetch the live list, cache it and return the merged list.

        A failing ``fetch`` never raises here: the last good list is returned with
        ``error`` set to a sentence. Cancellation still propagates.
        """
        try:
            live = await fetch()
            if not isinstance(live, list):
                raise TypeError("The server's model list was not a list.")
        except Exception as exc:
            log.warning("Model list refresh for %s failed: %s", profile_name, exc)
            state = self._state(profile_name)
            return RefreshResult(
                merge(self._bundled, state.entries), _error_sentence(exc), state.fetched_at
            )
        entries = [{"id": i, "owned_by": o} for i, o in _live_entries(live)]
        state = _Live(entries, self._clock())
        self._live[profile_name] = state
        await asyncio.to_thread(self._save, profile_name, state)
        return RefreshResult(merge(self._bundled, entries), "", state.fetched_at)

    def _state(self, profile_name: str) -> _Live:
        state = self._live.get(profile_name)
        if state is None:
            state = self._load(profile_name)
            self._live[profile_name] = state
        return state

    def _load(self, profile_name: str) -> _Live:
        path = self.cache_path(profile_name)
        try:
            data = msgspec.json.decode(path.read_bytes(), type=_CacheFile)
        except FileNotFoundError:
            return _Live()
        except (OSError, msgspec.DecodeError) as exc:
            log.warning("Ignoring the unreadable model cache %s: %s", path, exc)
            return _Live()
        if data.version != CACHE_VERSION:
            return _Live()
        entries = [{"id": m.id, "owned_by": m.owned_by} for m in data.models if m.id]
        return _Live(entries, data.fetched_at or None)

    def _save(self, profile_name: str, state: _Live) -> None:
        data = _CacheFile(
            profile=profile_name,
            fetched_at=state.fetched_at or 0.0,
            models=[_CachedModel(id=e["id"], owned_by=e["owned_by"]) for e in state.entries],
        )
        path = self.cache_path(profile_name)
        try:
            atomic_write_bytes(path, msgspec.json.format(msgspec.json.encode(data)))
        except OSError as exc:
            log.warning("Could not save the model cache %s: %s", path, exc)
