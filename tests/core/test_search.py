"""Full-text search: what the prefilters let through, and that they never hide a match."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.chat import Chat, ErrorInfo, Message, Stats, Usage
from core.storage.chat_store import ChatStore


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    return ChatStore(tmp_path / "chats", fsync=False)


def answered(title: str, question: str, answer: str, reasoning: str = "") -> Chat:
    """A chat with every field an answer gets: model, params, stats, usage, an error."""
    chat = Chat(title=title, model="gpt-4o-mini", params={"temperature": 0.5}, profile="work")
    chat.append(Message(role="user", content=question))
    chat.append(
        Message(
            role="assistant",
            content=answer,
            reasoning=reasoning,
            model="gpt-4o-mini",
            params={"model": "gpt-4o-mini", "temperature": 0.5},
            status="stopped",
            error=ErrorInfo(kind="Interrupted", message="Chorus closed early."),
            stats=Stats(model="gpt-4o-mini", usage=Usage(prompt_tokens=5), finish_reason="stop"),
        )
    )
    return chat


def found(store: ChatStore, query: str) -> list[tuple[str, str | None]]:
    return [(hit.chat_id, hit.message_id) for hit in store.search(query)]


def test_words_of_titles_questions_answers_and_reasoning_are_found(store: ChatStore) -> None:
    chat = answered("Lunar Almanac", "When is the next ECLIPSE?", "In March.", "Recall tables")
    other = answered("Tides", "And the tides?", "Twice a day.")
    store.save(chat)
    store.save(other)
    question, answer = chat.messages
    assert found(store, "almanac") == [(chat.id, None)]
    assert found(store, "eclipse next") == [(chat.id, question.id)]
    assert found(store, "march") == [(chat.id, answer.id)]
    [hit] = store.search("TABLES")  # only in the "Thinking" text
    assert (hit.message_id, hit.snippet, hit.role) == (answer.id, "Recall tables", "assistant")
    [hit] = store.search("march recall")  # one word in the answer, one in its reasoning
    assert (hit.message_id, hit.snippet) == (answer.id, "In March.")
    assert found(store, "eclipse march") == []  # two messages, neither holds both
