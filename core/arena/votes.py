"""Battle records on disk: one small JSON file per battle, written atomically.

``arena/votes/<battle id>.json`` holds ``{"version": 1, "battle": {...}}`` (see
docs/FORMAT.md); a file that cannot be read is moved to ``arena/votes/damaged/``, never
deleted, and described in :attr:`VoteStore.problems`. The transcripts are chat files in
``arena/battles/`` (a :class:`~core.storage.chat_store.ChatStore` of their own, so they
stay out of the chat list).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

import msgspec

from core.arena.battle import BattleRecord
from core.storage.atomic import atomic_write_bytes, remove_stale_temp_files

VOTES_VERSION = 1
DAMAGED = "damaged"
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class VoteFile(msgspec.Struct, kw_only=True):
    version: int = VOTES_VERSION
    battle: BattleRecord


class VoteStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.problems: list[str] = []

    def path_of(self, battle_id: str) -> Path:
        if not _ID.fullmatch(battle_id):
            raise ValueError(f"not a battle id: {battle_id!r}")
        return self.folder / f"{battle_id}.json"

    def save(self, record: BattleRecord) -> None:
        data = msgspec.json.encode(VoteFile(battle=record))
        atomic_write_bytes(self.path_of(record.id), data)

    def delete(self, battle_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path_of(battle_id))

    def load_all(self) -> list[BattleRecord]:
        """Every battle, oldest first; damaged files are set aside (see ``problems``)."""
        if not self.folder.is_dir():
            return []
        remove_stale_temp_files(self.folder, min_age_s=60.0)
        found: list[BattleRecord] = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                found.append(msgspec.json.decode(path.read_bytes(), type=VoteFile).battle)
            except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
                self._set_aside(path, str(exc))
        found.sort(key=lambda r: r.created_at)
        return found

    def _set_aside(self, path: Path, reason: str) -> None:
        target_dir = self.folder / DAMAGED
        target = target_dir / f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            where = f"it was moved to {target}"
        except OSError:
            where = "it could not be moved aside"
        self.problems.append(
            f"An arena vote file ({path.name}) could not be read ({reason}); {where}."
        )
