"""Full-text search inside chats: matching words, snippets, and the raw-text prefilter."""

from __future__ import annotations

import msgspec

from core.chat import Chat, Message

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


def _holds_all(lowered: str, words: list[str]) -> bool:
    return all(word in lowered for word in words)


def _text_matches(content: str, reasoning: str, words: list[str]) -> bool:
    """Every word is in the content or in the reasoning (the "Thinking" text)."""
    if not reasoning:
        return bool(content) and _holds_all(content.lower(), words)
    lowered, thought = content.lower(), reasoning.lower()
    return all(word in lowered or word in thought for word in words)


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
