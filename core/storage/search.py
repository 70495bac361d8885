"""Full-text search inside chats: matching words, snippets, and the prefilters that keep
most chat files from being decoded.

A search reads every chat file. :func:`may_match` rules a file out from its raw bytes
when some word is missing from them, then from its texts alone (title, content,
reasoning) decoded with a struct that skips every other field, so a word that is only
in the JSON's keys or other fields ("assistant", "params") costs no full decode either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import msgspec

from core.chat import Chat, Message
from core.storage.format import CHAT_FORMAT, CHAT_VERSION

SNIPPET_BEFORE = 40
SNIPPET_AFTER = 80

# The only characters outside ASCII that str.lower() turns into ASCII letters: "İ" (into
# "i" and a combining dot) and the Kelvin sign (into "k"), in UTF-8. A file holding one
# of them is lowered as text, not as bytes.
_CAPITAL_I_DOT = "\u0130".encode()
_KELVIN = "\u212a".encode()
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """One message (or a title) that contains every word of a query."""

    chat_id: str
    title: str  # the chat's title
    message_id: str | None  # None when the chat's title matched
    snippet: str  # the text around the first word, whitespace collapsed
    role: str = ""
    column_id: str = ""  # in a comparison: the column that holds the message


@dataclass(frozen=True)
class SearchQuery:
    """The lowercased words of a query, and the same words as they appear in JSON text.

    A chat file can hold a match only if its lowercased raw text contains every needle,
    so files that fail this test need not be decoded.
    """

    words: list[str]
    needles: list[str]  # JSON-escaped and lowered, as they appear in lowered raw text
    byte_needles: list[bytes] | None  # the needles in UTF-8 when all are ASCII

    @classmethod
    def parse(cls, query: str) -> SearchQuery:
        words = list(dict.fromkeys(word.lower() for word in query.split()))
        needles = [msgspec.json.encode(word).decode("utf-8")[1:-1].lower() for word in words]
        ascii_only = all(needle.isascii() for needle in needles)
        return cls(words, needles, [n.encode() for n in needles] if ascii_only else None)


def read_listed(path: str, size: int) -> bytes:
    """The whole file, listed as ``size`` bytes long: one read when it still is (a third
    of the time of ``Path.read_bytes``, which counts when a search reads every chat)."""
    fd = os.open(path, os.O_RDONLY | _O_BINARY)
    try:
        data = os.read(fd, size + 1)
        if len(data) != size:  # it changed since it was listed: read to the end
            parts = [data]
            while part := os.read(fd, 1 << 20):
                parts.append(part)
            data = b"".join(parts)
    finally:
        os.close(fd)
    return data


def may_match(data: bytes, query: SearchQuery) -> bool:
    """False when no title or message of this chat file can hold every word of ``query``;
    True when one does, or when the file must be decoded in full to know."""
    return file_may_match(data, query) and texts_may_match(data, query)


def file_may_match(data: bytes, query: SearchQuery) -> bool:
    """False when the raw text of a chat file lacks a word, so no message can hold it.

    ASCII words are looked for in the file's bytes lowered as ASCII, which is what
    lowering the text does to ASCII letters; others in the decoded text, lowered.
    """
    if query.byte_needles is not None:
        lowered = data.lower()
        if all(needle in lowered for needle in query.byte_needles):
            return True
        if not _lowers_to_ascii(data):
            return False
    text = data.decode("utf-8", errors="replace").lower()
    return all(needle in text for needle in query.needles)


def _lowers_to_ascii(data: bytes) -> bool:
    """Whether ``data`` holds "İ" or the Kelvin sign. Their last bytes are rare in UTF-8
    text, so looking for those single bytes first rules most files out at once."""
    if data.isascii():
        return False
    return (b"\xb0" in data and _CAPITAL_I_DOT in data) or (b"\xaa" in data and _KELVIN in data)


class _MessageText(msgspec.Struct, gc=False):
    content: str = ""
    reasoning: str = ""


class _ColumnText(msgspec.Struct, gc=False):
    messages: list[_MessageText] = []


class _ChatText(msgspec.Struct, gc=False):
    title: str = ""
    messages: list[_MessageText] = []
    columns: list[_ColumnText] = []


class _FileText(msgspec.Struct, gc=False):
    """The searched texts of a chat file; every other field is skipped, not decoded."""

    format: str = ""
    version: int | None = None
    chat: _ChatText = msgspec.field(default_factory=_ChatText)


_text_decoder = msgspec.json.Decoder(_FileText)


def texts_may_match(data: bytes, query: SearchQuery) -> bool:
    """Whether the title or one message of a chat file holds every word of ``query``.

    Only the title and the messages' content and reasoning are decoded, so a word found
    by :func:`file_may_match` only in the JSON's keys, ids, roles or parameters ends
    here. A file this cannot read (another version, damaged) answers True: decoding it
    in full decides.
    """
    try:
        found = _text_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return True
    if found.format != CHAT_FORMAT or found.version != CHAT_VERSION:
        return True
    chat = found.chat
    messages = chat.messages
    for column in chat.columns:
        messages = [*messages, *column.messages]
    # Most files that get this far hold some word in no text at all: one look at all of
    # their texts together settles those.
    texts = [chat.title]
    for message in messages:
        texts.append(message.content)
        if message.reasoning:
            texts.append(message.reasoning)
    if not _holds_all("\0".join(texts).lower(), query.words):
        return False
    return _holds_all(chat.title.lower(), query.words) or any(
        _text_matches(m.content, m.reasoning, query.words) for m in messages
    )


def _holds_all(lowered: str, words: list[str]) -> bool:
    return all(word in lowered for word in words)


def _text_matches(content: str, reasoning: str, words: list[str]) -> bool:
    """Every word is in the content or in the reasoning (the "Thinking" text)."""
    if not reasoning:
        return bool(content) and _holds_all(content.lower(), words)
    lowered, thought = content.lower(), reasoning.lower()
    return all(word in lowered or word in thought for word in words)


def snippet(text: str, word: str) -> str:
    """The text around the first occurrence of ``word`` (lowercase), on one line."""
    position = max(text.lower().find(word), 0)
    start = max(0, position - SNIPPET_BEFORE)
    end = min(len(text), position + len(word) + SNIPPET_AFTER)
    piece = " ".join(text[start:end].split())
    if start > 0:
        piece = "…" + piece
    if end < len(text):
        piece += "…"
    return piece


def _message_snippet(message: Message, word: str) -> str:
    """Around ``word`` in the content, or in the reasoning when only that holds it."""
    if word in message.content.lower() or not message.reasoning:
        return snippet(message.content, word)
    return snippet(message.reasoning, word)


def search_chat(chat: Chat, words: list[str], limit: int) -> list[SearchHit]:
    """Up to ``limit`` hits in one chat: the title first, then messages in creation order
    (in a comparison: each column's in turn, every hit naming the comparison's id; a
    question sent to every column is one hit, in the first column that has it)."""
    hits: list[SearchHit] = []
    if not words or limit <= 0:
        return hits
    if _holds_all(chat.title.lower(), words):
        hits.append(
            SearchHit(chat_id=chat.id, title=chat.title, message_id=None, snippet=chat.title)
        )
    places = [("", chat), *((column.id, column) for column in chat.columns)]
    questions: set[str] = set()
    for column_id, holder in places:
        for message in holder.messages:
            if len(hits) >= limit:
                return hits
            if _text_matches(message.content, message.reasoning, words):
                if column_id and message.role == "user":
                    if message.content in questions:
                        continue
                    questions.add(message.content)
                hits.append(
                    SearchHit(
                        chat_id=chat.id,
                        title=chat.title,
                        message_id=message.id,
                        snippet=_message_snippet(message, words[0]),
                        role=message.role,
                        column_id=column_id,
                    )
                )
    return hits[:limit]
