"""Chats on disk: one JSON file per chat, an index for listing, search, quarantine.

``chats/<id>.json`` holds one chat (core/storage/format.py, docs/FORMAT.md) and
``chats/index.json`` a summary of every chat, so the chat list appears without reading
any messages. The index is a cache: when it is missing, damaged or older than a chat
file, the files that changed are read again and the index is rewritten.

Every write is atomic (a reader sees the old file or the new one). Saves of one chat are
ordered: each encoded copy gets a sequence number on the calling thread, and a copy older
than the one already on disk is never written, so the newest content always wins.

A chat file that cannot be read is moved to ``chats/damaged/`` (never deleted) and
described by a :class:`ChatFileProblem` in :attr:`ChatStore.problems`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.chat import Chat
from core.storage import format as chat_format
from core.storage.atomic import atomic_write_bytes, remove_stale_temp_files
from core.storage.format import ChatSummary, IndexEntry, Migration, ProblemKind
from core.storage.saver import ThrottledSaver
from core.storage.search import SearchHit, SearchQuery, may_match, read_listed, search_chat

log = logging.getLogger(__name__)

INDEX_FILENAME = "index.json"
STALE_TEMP_AGE_S = 60.0  # a temp file this old belongs to no write still under way
_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")

__all__ = [
    "ChatFileError",
    "ChatFileProblem",
    "ChatNotFoundError",
    "ChatStore",
    "ChatSummary",
    "SearchHit",
    "ThrottledSaver",
]


@dataclass(frozen=True)
class ChatFileProblem:
    """A chat file that could not be read, where it went, and one sentence for a person."""

    path: Path
    moved_to: Path | None  # None when moving it failed too
    message: str
    kind: ProblemKind


class ChatFileError(Exception):
    """Loading a chat failed; the file was quarantined as ``problem`` describes."""

    def __init__(self, problem: ChatFileProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class ChatNotFoundError(LookupError):
    """No chat file has this id."""


def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def _problem_message(path: Path, reason: str, kind: ProblemKind, moved_to: Path | None) -> str:
    if moved_to is not None:
        where = f"was moved to {moved_to.parent}{os.sep}"
    else:
        where = "was left where it is because it could not be moved"
    if kind == "newer":
        return (
            f"Chat file {path.name} was written by a newer version of Chorus and {where}; "
            "update Chorus to open it. Other chats are not affected."
        )
    return (
        f"Chat file {path.name} could not be read ({reason}) and {where}. "
        "Other chats are not affected."
    )


class _Slot:
    """Per-chat write ordering: the sequence number on disk and the newest pending copy."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.written = 0
        self.pending: tuple[int, bytes, ChatSummary] | None = None
        self.async_lock: asyncio.Lock | None = None


class ChatStore:
    """Reads and writes the chats below ``folder`` (default: :func:`core.paths.chats_dir`).

    ``fsync=False`` skips flushing to the disk (tests). ``migrations`` replaces the table
    of :mod:`core.storage.format` (tests of the migration mechanism).
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        fsync: bool = True,
        migrations: Mapping[int, Migration] | None = None,
    ) -> None:
        self.folder = Path(folder) if folder is not None else paths.chats_dir()
        self.quarantine_folder = self.folder / paths.DAMAGED_DIRNAME
        self.index_path = self.folder / INDEX_FILENAME
        self.problems: list[ChatFileProblem] = []
        self._fsync = fsync
        self._migrations = chat_format.MIGRATIONS if migrations is None else migrations
        self._entries: dict[str, IndexEntry] | None = None
        self._index_lock = threading.RLock()
        self._stamps_changed = False
        self._slots: dict[str, _Slot] = {}
        self._slots_lock = threading.Lock()
        self._sequence = itertools.count(1)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.removed_temp_files = remove_stale_temp_files(self.folder, min_age_s=STALE_TEMP_AGE_S)

    # --- paths ------------------------------------------------------------------------

    def path_of(self, chat_id: str) -> Path:
        if not _ID_PATTERN.fullmatch(chat_id) or chat_id == INDEX_FILENAME.removesuffix(".json"):
            raise ValueError(f"{chat_id!r} is not a valid chat id")
        return self.folder / f"{chat_id}.json"

    def _chat_files(self) -> dict[str, os.stat_result]:
        """Every ``<id>.json`` below the folder (not the index) with its stat."""
        found: dict[str, os.stat_result] = {}
        if not self.folder.is_dir():
            return found
        with os.scandir(self.folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or not name.endswith(".json") or name == INDEX_FILENAME:
                    continue
                stem = name.removesuffix(".json")
                if not _ID_PATTERN.fullmatch(stem):
                    continue
                try:
                    found[stem] = entry.stat()
                except OSError:
                    continue
        return found

    # --- saving -----------------------------------------------------------------------

    def _encode(self, chat: Chat) -> tuple[int, bytes, ChatSummary]:
        self.path_of(chat.id)
        return next(self._sequence), chat_format.encode_chat_file(chat), chat_format.summarize(chat)

    def _slot(self, chat_id: str) -> _Slot:
        with self._slots_lock:
            slot = self._slots.get(chat_id)
            if slot is None:
                slot = self._slots[chat_id] = _Slot()
            return slot

    def _write(self, chat_id: str, seq: int, data: bytes, summary: ChatSummary) -> bool:
        """Write one encoded copy unless a newer one is already on disk (any thread)."""
        slot = self._slot(chat_id)
        path = self.path_of(chat_id)
        with slot.lock:
            if seq <= slot.written:
                return False
            atomic_write_bytes(path, data, fsync=self._fsync)
            slot.written = seq
            stat = os.stat(path)
            self._record(summary, stat)
        return True

    def save(self, chat: Chat) -> None:
        """Write ``chat`` now, on this thread."""
        seq, data, summary = self._encode(chat)
        self._write(chat.id, seq, data, summary)

    async def save_async(self, chat: Chat) -> None:
        """Encode ``chat`` now and write it in a worker thread.

        Saves of one chat are serialised; a save that waited while a newer copy was
        written returns without writing again.
        """
        pending = self._encode(chat)
        slot = self._slot(chat.id)
        slot.pending = pending
        if slot.async_lock is None:
            slot.async_lock = asyncio.Lock()
        async with slot.async_lock:
            newest = slot.pending
            if newest is None:
                return
            await asyncio.to_thread(self._write, chat.id, *newest)
            if slot.pending is newest:
                slot.pending = None

    # --- the index --------------------------------------------------------------------

    def _loaded_entries(self) -> dict[str, IndexEntry]:
        with self._index_lock:
            if self._entries is None:
                try:
                    entries = chat_format.decode_index(_read_bytes(self.index_path))
                except OSError:
                    entries = None
                self._entries = entries if entries is not None else {}
                self._stamps_changed = entries is None
            return self._entries

    def _write_index(self) -> None:
        """Write the index (it is a cache: a failure is logged, not raised)."""
        with self._index_lock:
            try:
                data = chat_format.encode_index(self._loaded_entries())
                atomic_write_bytes(self.index_path, data, fsync=False)
                self._stamps_changed = False
            except OSError as exc:
                log.warning("Could not write the chat index %s: %s", self.index_path, exc)

    def _record(self, summary: ChatSummary, stat: os.stat_result) -> None:
        with self._index_lock:
            entries = self._loaded_entries()
            old = entries.get(summary.id)
            entries[summary.id] = IndexEntry(
                summary=summary, mtime_ns=stat.st_mtime_ns, size=stat.st_size
            )
            if old is None or old.summary != summary:
                self._write_index()
            else:
                self._stamps_changed = True

    def _forget(self, chat_id: str) -> None:
        with self._index_lock:
            if self._loaded_entries().pop(chat_id, None) is not None:
                self._write_index()

    def list_chats(self) -> list[ChatSummary]:
        """Every chat, pinned first, then the most recently updated first.

        Only files that changed since the index was written are read; damaged ones are
        quarantined and left out.
        """
        with self._index_lock:
            entries = self._loaded_entries()
            changed = self._stamps_changed
            on_disk = self._chat_files()
            for chat_id in [i for i in entries if i not in on_disk]:
                del entries[chat_id]
                changed = True
            for chat_id, stat in on_disk.items():
                entry = entries.get(chat_id)
                if entry and entry.mtime_ns == stat.st_mtime_ns and entry.size == stat.st_size:
                    continue
                changed = True
                try:
                    chat = self.load(chat_id)
                except (ChatFileError, ChatNotFoundError):
                    entries.pop(chat_id, None)
                    continue
                entries[chat_id] = IndexEntry(
                    summary=chat_format.summarize(chat),
                    mtime_ns=stat.st_mtime_ns,
                    size=stat.st_size,
                )
            if changed:
                log.debug("Rewriting the chat index %s", self.index_path)
                self._write_index()
            return chat_format.sort_summaries([e.summary for e in entries.values()])

    async def list_chats_async(self) -> list[ChatSummary]:
        return await asyncio.to_thread(self.list_chats)

    # --- loading ----------------------------------------------------------------------

    def load(self, chat_id: str) -> Chat:
        """Read one chat; raises :class:`ChatNotFoundError` or :class:`ChatFileError`."""
        path = self.path_of(chat_id)
        try:
            data = _read_bytes(path)
        except FileNotFoundError as exc:
            raise ChatNotFoundError(f"There is no chat {chat_id}.") from exc
        except OSError as exc:
            reason = f"it could not be opened: {exc.strerror or exc}"
            raise ChatFileError(self._quarantine(path, reason, "unreadable")) from exc
        return self._decode(path, data)

    def _decode(self, path: Path, data: bytes) -> Chat:
        try:
            chat = chat_format.decode_chat_file(data, self._migrations)
        except chat_format.ChatFormatError as exc:
            raise ChatFileError(self._quarantine(path, exc.reason, exc.kind)) from exc
        chat.id = path.stem  # the file name wins: a copied file must not overwrite its twin
        return chat

    def _quarantine(self, path: Path, reason: str, kind: ProblemKind) -> ChatFileProblem:
        moved_to: Path | None = None
        try:
            self.quarantine_folder.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for n in itertools.count():
                suffix = f"-{n}" if n else ""
                target = self.quarantine_folder / f"{path.stem}.{stamp}{suffix}{path.suffix}"
                if not os.path.lexists(target):
                    break
            os.replace(path, target)
            moved_to = target
        except OSError as exc:
            log.warning("Could not move the damaged chat file %s: %s", path, exc)
        problem = ChatFileProblem(
            path=path,
            moved_to=moved_to,
            message=_problem_message(path, reason, kind, moved_to),
            kind=kind,
        )
        log.warning("%s (%s)", problem.message, reason)
        if moved_to is not None or problem not in self.problems:
            self.problems.append(problem)
        self._forget(path.stem)
        return problem

    # --- changes ----------------------------------------------------------------------

    def delete(self, chat_id: str) -> Chat:
        """Remove a chat's file and index entry; returns the chat (save it back to undo).

        Saves of this chat that were encoded before the delete are not written after it.
        """
        chat = self.load(chat_id)
        slot = self._slot(chat_id)
        with slot.lock:
            slot.written = next(self._sequence)
            slot.pending = None
            with contextlib.suppress(FileNotFoundError):
                self.path_of(chat_id).unlink()
        self._forget(chat_id)
        return chat

    def rename(self, chat_id: str, title: str) -> Chat:
        """Set the title of a chat on disk; for an open chat, set it there and save that."""
        chat = self.load(chat_id)
        chat.title = title
        self.save(chat)
        return chat

    def set_pinned(self, chat_id: str, pinned: bool) -> Chat:
        """Pin or unpin a chat on disk; for an open chat, set it there and save that."""
        chat = self.load(chat_id)
        chat.pinned = pinned
        self.save(chat)
        return chat

    # --- search -----------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages (and titles) containing every word of ``query``, newest chats first;
        a file is decoded in full only when ``search.may_match`` lets it through."""
        parsed = SearchQuery.parse(query)
        hits: list[SearchHit] = []
        if not parsed.words or limit <= 0:
            return hits
        summaries = self.list_chats()
        with self._index_lock:
            sizes = {chat_id: entry.size for chat_id, entry in self._loaded_entries().items()}
        prefix = os.path.join(self.folder, "")
        for summary in summaries:
            # Listed ids are names of files in the folder, already checked by path_of's rule.
            try:
                data = read_listed(f"{prefix}{summary.id}.json", sizes.get(summary.id, 0))
            except OSError:
                continue
            if not may_match(data, parsed):
                continue
            try:
                chat = self._decode(self.path_of(summary.id), data)
            except ChatFileError:
                continue
            hits.extend(search_chat(chat, parsed.words, limit - len(hits)))
            if len(hits) >= limit:
                break
        return hits

    async def search_async(self, query: str, limit: int = 50) -> list[SearchHit]:
        return await asyncio.to_thread(self.search, query, limit)
