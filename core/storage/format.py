"""The chat file and index file formats: envelopes, versions, migrations, summaries.

A chat file is ``{"format": "chorus.chat", "version": 2, "chat": {...}}``; the index is
``{"format": "chorus.index", "version": 1, "chats": [...]}``. docs/FORMAT.md describes
both for people. Decoding reports every problem as :class:`ChatFormatError`, whose
``reason`` is a clause that completes "could not be read (...)".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import msgspec

from core.chat import Chat, ChatKind

CHAT_FORMAT = "chorus.chat"
CHAT_VERSION = 2
INDEX_FORMAT = "chorus.index"
INDEX_VERSION = 1
PREVIEW_CHARS = 120

RawDocument = dict[str, Any]
Migration = Callable[[RawDocument], RawDocument]


def _v1_to_v2(raw: RawDocument) -> RawDocument:
    """Version 1 kept the completion's ``id`` as ``stats.request_id``; version 2 calls it
    ``response_id`` and keeps the HTTP request id header as ``request_id``, which version 1
    never recorded."""
    chat = raw.get("chat")
    holders: list[Any] = []
    if isinstance(chat, dict):
        columns = chat.get("columns")
        holders = [chat, *(columns if isinstance(columns, list) else [])]
    for holder in holders:
        messages = holder.get("messages") if isinstance(holder, dict) else None
        for message in messages if isinstance(messages, list) else []:
            stats = message.get("stats") if isinstance(message, dict) else None
            if isinstance(stats, dict) and "request_id" in stats:
                stats["response_id"] = stats.pop("request_id")
    return raw  # anything malformed is left for the decoder to name


# Version N -> a function turning a raw version-N document into a version N+1 one. An
# entry is added here (and never removed) whenever CHAT_VERSION goes up.
MIGRATIONS: Mapping[int, Migration] = {1: _v1_to_v2}

ProblemKind = Literal["corrupt", "newer", "unreadable"]


class ChatFormatError(Exception):
    """The bytes are not a chat file this version can read.

    ``reason``: a clause for a person, e.g. "it is not valid JSON". ``kind``: ``"newer"``
    when the file was written by a newer Chorus, else ``"corrupt"``.
    """

    def __init__(self, reason: str, *, kind: ProblemKind = "corrupt", version: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind: ProblemKind = kind
        self.version = version


class _Header(msgspec.Struct):
    format: str = ""
    version: int | None = None


class _ChatDocument(msgspec.Struct):
    format: str
    version: int
    chat: Chat


class ChatSummary(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What the chat list shows, kept in the index so listing never reads messages."""

    id: str
    title: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    pinned: bool = False
    model: str = ""
    kind: ChatKind = "chat"
    message_count: int = 0  # every message of every branch (of every column)
    preview: str = ""  # the start of the first user message, whitespace collapsed


class IndexEntry(msgspec.Struct, kw_only=True):
    """A summary and the size and modification time of the file it was made from."""

    summary: ChatSummary
    mtime_ns: int
    size: int


class _IndexDocument(msgspec.Struct):
    format: str
    version: int
    chats: list[IndexEntry]


_header_decoder = msgspec.json.Decoder(_Header)
_chat_decoder = msgspec.json.Decoder(_ChatDocument)
_index_decoder = msgspec.json.Decoder(_IndexDocument)
_encoder = msgspec.json.Encoder()


def encode_chat_file(chat: Chat) -> bytes:
    return _encoder.encode(_ChatDocument(format=CHAT_FORMAT, version=CHAT_VERSION, chat=chat))


def decode_chat_file(data: bytes, migrations: Mapping[int, Migration] = MIGRATIONS) -> Chat:
    """Decode a chat file of any version this Chorus reads; raises :class:`ChatFormatError`."""
    try:
        header = _header_decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise ChatFormatError(f"it is not a Chorus chat file: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise ChatFormatError("it is not valid JSON") from exc
    if header.format != CHAT_FORMAT or header.version is None:
        raise ChatFormatError("it is not a Chorus chat file")
    version = header.version
    if version > CHAT_VERSION:
        raise ChatFormatError(
            f"it was written by a newer version of Chorus (chat format {version}; "
            f"this version reads up to {CHAT_VERSION})",
            kind="newer",
            version=version,
        )
    try:
        if version == CHAT_VERSION:
            document = _chat_decoder.decode(data)
        else:
            raw = migrate(msgspec.json.decode(data), version, migrations)
            document = msgspec.convert(raw, _ChatDocument)
    except msgspec.ValidationError as exc:
        raise ChatFormatError(f"its contents do not match the chat format: {exc}") from exc
    check_tree(document.chat)
    return document.chat


def migrate(
    raw: RawDocument, version: int, migrations: Mapping[int, Migration] = MIGRATIONS
) -> RawDocument:
    """Convert a raw document from ``version`` up to :data:`CHAT_VERSION`, one step at a time."""
    for step in range(version, CHAT_VERSION):
        convert = migrations.get(step)
        if convert is None:
            raise ChatFormatError(
                f"it uses chat format {step}, which this version of Chorus cannot convert"
            )
        try:
            raw = convert(raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ChatFormatError(
                f"it could not be converted from chat format {step} ({exc!r})"
            ) from exc
        raw["version"] = step + 1
    return raw


def check_tree(chat: Chat) -> None:
    """Reject message trees that the tree operations of :class:`Chat` cannot walk.

    Duplicate ids, a parent that does not exist, a loop of parents or a leaf that names
    no message raise :class:`ChatFormatError`; so do, for a comparison, two columns with
    one id, a column that is itself a comparison, and any of these in a column's tree.
    """
    column_ids: set[str] = set()
    for column in chat.columns:
        if column.id in column_ids:
            raise ChatFormatError(f"its columns are broken (column id {column.id!r} twice)")
        if column.kind != "chat" or column.columns:
            raise ChatFormatError(f"its columns are broken ({column.id!r} has columns itself)")
        column_ids.add(column.id)
        try:
            check_tree(column)
        except ChatFormatError as exc:
            raise ChatFormatError(f"{exc.reason} in column {column.id!r}") from exc
    _check_messages(chat)


def _check_messages(chat: Chat) -> None:
    parents: dict[str, str | None] = {}
    for message in chat.messages:
        if message.id in parents:
            raise ChatFormatError(f"its message tree is broken (id {message.id!r} twice)")
        parents[message.id] = message.parent
    for message_id, parent in parents.items():
        if parent is not None and parent not in parents:
            raise ChatFormatError(
                f"its message tree is broken ({message_id!r} names a missing parent)"
            )
    settled: set[str] = set()
    for start in parents:
        trail: set[str] = set()
        node: str | None = start
        while node is not None and node not in settled:
            if node in trail:
                raise ChatFormatError(f"its message tree is broken (a loop at {node!r})")
            trail.add(node)
            node = parents[node]
        settled |= trail
    if chat.leaf is not None and chat.leaf not in parents:
        raise ChatFormatError("its message tree is broken (the current message is missing)")


def preview_of(chat: Chat, limit: int = PREVIEW_CHARS) -> str:
    """The first ``limit`` characters of the first user message, whitespace collapsed
    (for a comparison: of its first column)."""
    if chat.kind == "compare":
        return preview_of(chat.columns[0], limit) if chat.columns else ""
    for message in chat.messages:
        if message.role == "user" and message.content.strip():
            text = " ".join(message.content.split())
            return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return ""


def summarize(chat: Chat) -> ChatSummary:
    """The chat list's entry; a comparison lists its column models (each once) as its
    model and counts the messages of every column."""
    model = chat.model
    count = len(chat.messages)
    if chat.kind == "compare":
        model = ", ".join(dict.fromkeys(c.model for c in chat.columns if c.model))
        count = sum(len(c.messages) for c in chat.columns)
    return ChatSummary(
        id=chat.id,
        title=chat.title,
        created_at=chat.created_at,
        updated_at=chat.updated_at,
        pinned=chat.pinned,
        model=model,
        kind=chat.kind,
        message_count=count,
        preview=preview_of(chat),
    )


def encode_index(entries: Mapping[str, IndexEntry]) -> bytes:
    ordered = sorted(entries.values(), key=lambda entry: entry.summary.id)
    return _encoder.encode(
        _IndexDocument(format=INDEX_FORMAT, version=INDEX_VERSION, chats=ordered)
    )


def decode_index(data: bytes) -> dict[str, IndexEntry] | None:
    """The entries of an index file, or None when it is not a current, valid index."""
    try:
        document = _index_decoder.decode(data)
    except msgspec.DecodeError:
        return None
    if document.format != INDEX_FORMAT or document.version != INDEX_VERSION:
        return None
    return {entry.summary.id: entry for entry in document.chats}


def sort_summaries(summaries: list[ChatSummary]) -> list[ChatSummary]:
    """Pinned chats first, then the most recently updated first."""
    return sorted(summaries, key=lambda s: (not s.pinned, -s.updated_at, -s.created_at, s.id))
