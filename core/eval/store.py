"""Test sets, runs and column sets as local JSON files, like chats (docs/FORMAT.md)::

    evals/testsets/<id>.json   evals/runs/<id>.json   evals/columns/<id>.json
    evals/cache/<sha256>.json  (answers by request body, when the cache is on)
    evals/damaged/             (files that cannot be read, set aside, never deleted)

Every write is atomic (temp file, fsync, rename). A file from a newer Chorus is not read
(and so never overwritten by an older one); a damaged one is set aside with a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec

from core.chat import Message
from core.eval.model import EVAL_VERSION, ColumnSet, Run, TestSet
from core.storage.atomic import atomic_write_bytes

T = TypeVar("T", TestSet, Run, ColumnSet)
KINDS: dict[type, str] = {TestSet: "testsets", Run: "runs", ColumnSet: "columns"}


class EvalFileError(ValueError):
    """A file that is not an evaluation file Chorus can read; the message says why."""


@dataclass(frozen=True, slots=True)
class Listed:
    id: str
    name: str
    updated_at: float
    path: Path
    detail: str = ""  # "20 rows" / "20 rows × 4 columns × 3"


def decode(data: bytes, kind: type[T], where: str = "") -> T:
    """``data`` as a ``kind``; EvalFileError for another format or a newer version."""
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise EvalFileError(f"{where or 'The file'} is not JSON: {exc}.") from None
    if not isinstance(raw, dict):
        raise EvalFileError(f"{where or 'The file'} is not a JSON object.")
    version = raw.get("version", EVAL_VERSION)
    if isinstance(version, int) and version > EVAL_VERSION:
        raise EvalFileError(
            f"{where or 'The file'} was written by a newer Chorus (format version {version}); "
            "update Chorus to open it."
        )
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise EvalFileError(
            f"{where or 'The file'} is not a valid {kind.__name__}: {exc}."
        ) from None


def encode(obj: TestSet | Run | ColumnSet) -> bytes:
    return msgspec.json.encode(obj) + b"\n"


class EvalStore:
    def __init__(self, folder: Path, *, fsync: bool = True) -> None:
        self.folder = folder
        self.fsync = fsync
        self.problems: list[str] = []

    def _path(self, kind: type, item_id: str) -> Path:
        return self.folder / KINDS[kind] / f"{item_id}.json"

    def save(self, obj: TestSet | Run | ColumnSet) -> Path:
        if not isinstance(obj, ColumnSet):
            obj.updated_at = time.time()
        path = self._path(type(obj), obj.id)
        atomic_write_bytes(path, encode(obj), fsync=self.fsync)
        return path

    async def save_async(self, obj: TestSet | Run | ColumnSet) -> Path:
        """Encode now (on this thread, so later edits do not race), write on a worker."""
        if not isinstance(obj, ColumnSet):
            obj.updated_at = time.time()
        data = encode(obj)
        path = self._path(type(obj), obj.id)
        await asyncio.to_thread(atomic_write_bytes, path, data, fsync=self.fsync)
        return path

    def load(self, kind: type[T], item_id: str) -> T:
        return self.load_path(kind, self._path(kind, item_id))

    def load_path(self, kind: type[T], path: Path) -> T:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EvalFileError(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
        return decode(data, kind, path.name)

    def delete(self, kind: type, item_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(kind, item_id).unlink()

    def list(self, kind: type[T]) -> list[Listed]:
        """What is saved of ``kind``, newest first; a damaged file is set aside (its
        message in ``problems``)."""
        folder = self.folder / KINDS[kind]
        if not folder.is_dir():
            return []
        found = []
        for path in folder.glob("*.json"):
            try:
                obj = self.load_path(kind, path)
            except EvalFileError as exc:
                if "newer Chorus" not in str(exc):
                    self._set_aside(path, str(exc))
                else:
                    self.problems.append(str(exc))
                continue
            found.append(_listed(obj, path))
        return sorted(found, key=lambda x: -x.updated_at)

    def _set_aside(self, path: Path, why: str) -> None:
        target = self.folder / "damaged" / f"{path.stem}-{int(time.time())}.json"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        except OSError:
            self.problems.append(f"{why} It could not be moved aside.")
            return
        self.problems.append(f"{why} It was moved to {target}.")

    # --- the answer cache -------------------------------------------------------------

    def cached(self, key: str) -> Message | None:
        path = self.folder / "cache" / f"{key}.json"
        try:
            return msgspec.json.decode(path.read_bytes(), type=Message)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            return None

    def cache(self, key: str, answer: Message) -> None:
        path = self.folder / "cache" / f"{key}.json"
        with contextlib.suppress(OSError):
            atomic_write_bytes(path, msgspec.json.encode(answer), fsync=False)


def _listed(obj: TestSet | Run | ColumnSet, path: Path) -> Listed:
    if isinstance(obj, TestSet):
        return Listed(obj.id, obj.name, obj.updated_at, path, f"{len(obj.rows)} rows")
    if isinstance(obj, Run):
        detail = f"{len(obj.testset.rows)} rows × {len(obj.configs)} columns × {obj.repeats}"
        return Listed(obj.id, obj.name, obj.updated_at, path, detail)
    return Listed(obj.id, obj.name, 0.0, path, f"{len(obj.configs)} columns")
