"""Full-text search inside chats: matching words, snippets, and the raw-text prefilter."""

from __future__ import annotations

import msgspec

from core.chat import Chat

SNIPPET_BEFORE = 40
SNIPPET_AFTER = 80


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """One message (or a title) that contains every word of a query."""

    chat_id: str
    title: str  # the chat's title
    message_id: str | None  # None when the chat's title matched
    snippet: str  # the text around the first word, whitespace collapsed
    role: str = ""
    column_id: str = ""  # in a comparison: the column that holds the message


def search_needles(query: str) -> tuple[list[str], list[str]]:
    """The lowercased words of ``query`` and the same words as they appear in JSON text.

    A chat file can hold a match only if its lowercased raw text contains every needle,
    so files that fail this test need not be decoded.
    """
    words = list(dict.fromkeys(word.lower() for word in query.split()))
    needles = [msgspec.json.encode(word).decode("utf-8")[1:-1] for word in words]
    return words, needles


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


def search_chat(chat: Chat, words: list[str], limit: int) -> list[SearchHit]:
    """Up to ``limit`` hits in one chat: the title first, then messages in creation order
    (in a comparison: each column's in turn, every hit naming the comparison's id; a
    question sent to every column is one hit, in the first column that has it)."""
    hits: list[SearchHit] = []
    if not words or limit <= 0:
        return hits
    title = chat.title.lower()
    if all(word in title for word in words):
        hits.append(
            SearchHit(chat_id=chat.id, title=chat.title, message_id=None, snippet=chat.title)
        )
    places = [("", chat), *((column.id, column) for column in chat.columns)]
    questions: set[str] = set()
    for column_id, holder in places:
        for message in holder.messages:
            if len(hits) >= limit:
                return hits
            lowered = message.content.lower()
            if message.content and all(word in lowered for word in words):
                if column_id and message.role == "user":
                    if message.content in questions:
                        continue
                    questions.add(message.content)
                hits.append(
                    SearchHit(
                        chat_id=chat.id,
                        title=chat.title,
                        message_id=message.id,
                        snippet=snippet(message.content, words[0]),
                        role=message.role,
                        column_id=column_id,
                    )
                )
    return hits[:limit]
