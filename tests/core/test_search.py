"""Full-text search: what the prefilters let through, and that they never hide a match."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.chat import Chat, ErrorInfo, Message, Stats, Usage
from core.storage import format as chat_format
from core.storage.chat_store import ChatStore
from core.storage.search import (
    SearchQuery,
    file_may_match,
    may_match,
    read_listed,
    search_chat,
)
from tests.core.test_chat_store import count_calls, make_chat

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chats"


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


def test_words_only_in_keys_or_other_fields_are_not_found_nor_decoded(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = answered("Plain", "a question", "an answer")
    store.save(chat)
    raw = store.path_of(chat.id).read_bytes().lower()
    decodes = count_calls(monkeypatch, chat_format, "decode_chat_file")
    for word in (
        "assistant",  # a role
        "params",  # a key
        "temperature",  # a parameter
        "gpt-4o-mini",  # the model
        "interrupted",  # an error's kind
        "finish_reason",
        "prompt_tokens",
        "work",  # the profile
        "chorus.chat",  # the format
        chat.id,
        chat.messages[1].id,
    ):
        assert word.encode() in raw  # the raw text holds it...
        assert store.search(word) == []  # ...but no title or message does
    assert decodes == []


def test_case_is_ignored_for_every_letter(store: ChatStore) -> None:
    # str.lower() turns the Kelvin sign into "k" and "İ" into "i" and a dot: as search
    # lowers the texts, the bytes of the file must not be lowered as ASCII only.
    kelvin = answered("Units", "Is 0 \u212aELVIN cold?", "Very.")
    dotted = answered("Cities", "Where is \u0130ZMIR?", "In Türkiye.")
    accents = answered("Dessert", "CRÈME BRÛLÉE please", "Here: ÇA VA")
    for chat in (kelvin, dotted, accents):
        store.save(chat)
    assert found(store, "kelvin") == [(kelvin.id, kelvin.messages[0].id)]
    assert found(store, "i\u0307zmir") == [(dotted.id, dotted.messages[0].id)]
    assert found(store, "zmir") == [(dotted.id, dotted.messages[0].id)]
    assert found(store, "crème brûlée") == [(accents.id, accents.messages[0].id)]
    assert found(store, "ça") == [(accents.id, accents.messages[1].id)]
    assert found(store, "türkiye") == [(dotted.id, dotted.messages[1].id)]


def test_quotes_backslashes_and_control_characters_in_words(store: ChatStore) -> None:
    chat = answered("Escapes", 'say "hi" to C:\\Users', "tab\there\x01")
    store.save(chat)
    assert found(store, '"hi"') == [(chat.id, chat.messages[0].id)]
    assert found(store, "c:\\users") == [(chat.id, chat.messages[0].id)]
    assert found(store, "here\x01") == [(chat.id, chat.messages[1].id)]


def test_compare_columns_are_searched(store: ChatStore) -> None:
    cmp = Chat(title="Which is best", kind="compare")
    for name, answer in (("a", "a quick fox"), ("b", "a lazy dog")):
        column = answered(name, "Pick an animal", answer)
        cmp.columns.append(column)
    store.save(cmp)
    [hit] = store.search("LAZY")
    assert (hit.chat_id, hit.column_id) == (cmp.id, cmp.columns[1].id)
    assert store.search("assistant") == []


def test_files_of_an_older_version_are_searched_in_full(store: ChatStore) -> None:
    shutil.copy(FIXTURES / "v1" / "chat.json", store.folder / "0123456789abcdef.json")
    data = store.path_of("0123456789abcdef").read_bytes()
    assert b'"version":1' in data.replace(b" ", b"")
    assert may_match(data, SearchQuery.parse("assistant"))  # another version: decoded to know
    [hit] = store.search("NINE minutes")
    assert (hit.chat_id, hit.title, hit.snippet) == (
        "0123456789abcdef",
        "Boiling eggs",
        "About nine minutes.",
    )


def test_a_damaged_file_that_may_match_is_still_set_aside(store: ChatStore) -> None:
    store.save(make_chat("good", "findme"))
    (store.folder / "broken.json").write_bytes(b'{"format": "chorus.chat", "findme"')
    assert [h.title for h in store.search("findme")] == ["good"]
    assert [p.kind for p in store.problems] == ["corrupt"]


# Letters whose case is special (the Kelvin sign, "İ", a combining dot), JSON escapes,
# accents, and letters of the JSON keys.
TRICKY = 'aAkKiIsSeé\u212a\u0130\u0307É"\\\x01 \n…'
tricky_text = st.text(alphabet=TRICKY, max_size=10)


@settings(max_examples=80, deadline=None)
@given(
    title=tricky_text,
    turns=st.lists(st.tuples(tricky_text, tricky_text, tricky_text), min_size=1, max_size=3),
    data=st.data(),
)
def test_the_prefilters_change_no_result(
    tmp_path_factory: pytest.TempPathFactory,
    title: str,
    turns: list[tuple[str, str, str]],
    data: st.DataObject,
) -> None:
    store = ChatStore(tmp_path_factory.mktemp("search"), fsync=False)
    chat = Chat(title=title)
    for question, answer, reasoning in turns:
        chat.append(Message(role="user", content=question))
        chat.append(Message(role="assistant", content=answer, reasoning=reasoning))
    store.save(chat)
    texts = [title, *(t for turn in turns for t in turn)]
    piece = data.draw(st.sampled_from(texts).flatmap(lambda t: st.just(t[len(t) // 3 :])))
    for query in (piece, piece.upper(), data.draw(tricky_text)):
        words = SearchQuery.parse(query).words
        # decoding every file, unfiltered, finds the same hits
        assert store.search(query) == search_chat(store.load(chat.id), words, 50)


def test_file_may_match_needs_every_word_somewhere_in_the_raw_text() -> None:
    data = b'{"chat":{"title":"Caf\xc3\x89 \\"Noir\\"","messages":[]}}'
    assert file_may_match(data, SearchQuery.parse("café"))
    assert file_may_match(data, SearchQuery.parse('"noir"'))
    assert file_may_match(data, SearchQuery.parse("messages"))  # a key: the next test's job
    assert not file_may_match(data, SearchQuery.parse("café latte"))
    assert not file_may_match(data, SearchQuery.parse("noir\\"))


def test_read_listed_reads_the_whole_file_whatever_size_was_listed(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    data = bytes(range(256)) * 5000
    path.write_bytes(data)
    for listed in (len(data), 0, 10, len(data) - 1, len(data) + 1, 3 * len(data)):
        assert read_listed(str(path), listed) == data
