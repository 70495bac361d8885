"""Comparisons without the network: column operations, overrides, marks, export, storage."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from core import compare, export
from core.chat import Chat, Message, Stats, Usage
from core.compare import ComparisonError
from core.export import chat_to_json, chat_to_markdown, import_chat_json
from core.storage.chat_store import ChatFileError, ChatStore
from core.storage.format import decode_chat_file, encode_chat_file, summarize

SHARED = {"temperature": 0.7, "max_tokens": 256}


def three() -> Chat:
    return compare.new_comparison(["alpha", "beta", "gamma"], SHARED, profile="AnyFast")


def answered(cmp: Chat, *stats: Stats | None, status: str = "done") -> None:
    """One turn in every column, the answers carrying ``stats`` (one per column)."""
    for (col, answer), stat in zip(compare.send_to_all(cmp, "Hello there"), stats, strict=True):
        answer.content = f"answer from {col.model}"
        answer.status = "done" if stat is not None else status  # type: ignore[assignment]
        answer.stats = stat


def ids(cmp: Chat) -> list[str]:
    return [col.id for col in cmp.columns]


# --- making and changing ---------------------------------------------------------------


def test_new_comparison_has_one_column_per_model_on_the_shared_set() -> None:
    cmp = compare.new_comparison(["a", "b"], SHARED, profile="P", system_prompt="Be brief.")
    assert cmp.kind == "compare" and cmp.messages == [] and cmp.params == SHARED
    assert [c.model for c in cmp.columns] == ["a", "b"]
    for col in cmp.columns:
        assert col.kind == "chat" and col.params == SHARED and col.params is not cmp.params
        assert col.overridden == [] and col.messages == [] and col.system_prompt == "Be brief."
    assert len(set(ids(cmp)) | {cmp.id}) == 3


def test_column_limits() -> None:
    limit = compare.MAX_COLUMNS
    with pytest.raises(ComparisonError, match=f"at most {limit}"):
        compare.new_comparison(["m"] * (limit + 1), {})
    with pytest.raises(ComparisonError):
        compare.new_comparison([], {})
    cmp = compare.new_comparison(["m"] * (limit - 1), {})
    compare.add_column(cmp, "last")
    with pytest.raises(ComparisonError, match=f"at most {limit} columns"):
        compare.add_column(cmp, "one more")
    with pytest.raises(ComparisonError, match=f"at most {limit} columns"):
        compare.duplicate_column(cmp, cmp.columns[0].id)
    assert len(cmp.columns) == limit
    del cmp.columns[6:]
    for col in list(cmp.columns[1:]):
        compare.remove_column(cmp, col.id)
    with pytest.raises(ComparisonError, match="at least one column"):
        compare.remove_column(cmp, cmp.columns[0].id)
    with pytest.raises(KeyError):
        compare.remove_column(cmp, "nope")


def test_added_column_starts_empty_on_the_shared_set() -> None:
    cmp = three()
    compare.set_column_params(cmp, cmp.columns[0].id, {"temperature": 0.1})
    answered(cmp, None, None, None, status="done")
    col = compare.add_column(cmp, "delta")
    assert col.messages == [] and col.params == SHARED and col.overridden == []
    assert cmp.columns[-1] is col


def test_duplicate_copies_everything_with_new_ids_right_after_the_original() -> None:
    cmp = three()
    original = cmp.columns[0]
    compare.set_column_params(cmp, original.id, {**SHARED, "top_p": 0.5})
    answered(cmp, Stats(), Stats(), Stats())
    compare.regenerate_column(cmp, original.id)  # a second branch
    twin = compare.duplicate_column(cmp, original.id)
    assert cmp.columns[1] is twin and twin.id != original.id
    assert twin.model == original.model and twin.params == original.params
    assert twin.overridden == ["top_p"]
    assert [m.content for m in twin.branch()] == [m.content for m in original.branch()]
    assert len(twin.messages) == len(original.messages) == 3
    assert not {m.id for m in twin.messages} & {m.id for m in original.messages}
    assert twin.leaf in {m.id for m in twin.messages}
    assert [m.role for m in twin.branch()] == ["user", "assistant"]
    twin.messages[0].content = "changed"
    assert original.messages[0].content == "Hello there"  # a real copy


def test_move_clamps_and_keeps_every_column() -> None:
    cmp = three()
    a, b, c = ids(cmp)
    compare.move_column(cmp, a, 2)
    assert ids(cmp) == [b, c, a]
    compare.move_column(cmp, a, -5)
    assert ids(cmp) == [a, b, c]
    compare.move_column(cmp, b, 99)
    assert ids(cmp) == [a, c, b]


def test_column_params_mark_what_differs_from_the_shared_set() -> None:
    cmp = three()
    col = cmp.columns[1]
    compare.set_column_params(cmp, col.id, {"temperature": 1.2, "top_p": 0.9})
    # temperature differs, top_p only in the column, max_tokens only in the shared set
    assert col.overridden == ["max_tokens", "temperature", "top_p"]
    compare.set_column_params(cmp, col.id, dict(SHARED))
    assert col.overridden == []
    compare.set_column_model(cmp, col.id, "beta-2")
    assert col.model == "beta-2"


def test_shared_params_reach_every_column_except_its_overrides() -> None:
    cmp = three()
    first, second, _ = cmp.columns
    compare.set_column_params(cmp, first.id, {"temperature": 0.1, "max_tokens": 256})
    compare.set_column_params(cmp, second.id, {"temperature": 0.7})  # max_tokens removed
    compare.set_shared_params(cmp, {"temperature": 0.9, "max_tokens": 100, "seed": 3})
    assert cmp.params == {"temperature": 0.9, "max_tokens": 100, "seed": 3}
    assert first.params == {"temperature": 0.1, "max_tokens": 100, "seed": 3}
    assert first.overridden == ["temperature"]
    assert second.params == {"temperature": 0.9, "seed": 3}
    assert second.overridden == ["max_tokens"]
    assert cmp.columns[2].params == cmp.params and cmp.columns[2].overridden == []


def test_system_prompt_goes_to_every_column() -> None:
    cmp = three()
    compare.set_system_prompt(cmp, "Answer in French.")
    assert cmp.system_prompt == "Answer in French."
    assert {c.system_prompt for c in cmp.columns} == {"Answer in French."}


# --- asking ------------------------------------------------------------------------------


def test_send_to_all_adds_question_and_answer_everywhere_and_titles() -> None:
    cmp = three()
    compare.set_column_params(cmp, cmp.columns[2].id, {"temperature": 0.0})
    started = compare.send_to_all(cmp, "# Why is the sky blue?\nexplain")
    assert cmp.title == "Why is the sky blue?"
    assert [col for col, _ in started] == cmp.columns
    for col, answer in started:
        assert [m.role for m in col.branch()] == ["user", "assistant"]
        assert col.branch()[-1] is answer and answer.status == "streaming"
        assert answer.model == col.model and answer.params == col.params
    second = compare.send_to_all(cmp, "And at sunset?", only={cmp.columns[0].id})
    assert [col.id for col, _ in second] == [cmp.columns[0].id]
    assert len(cmp.columns[0].branch()) == 4 and len(cmp.columns[1].branch()) == 2
    assert cmp.title == "Why is the sky blue?"


def test_regenerate_column_adds_a_sibling_or_answers_a_lone_question() -> None:
    cmp = three()
    answered(cmp, Stats(), Stats(), Stats())
    col = cmp.columns[0]
    old = col.branch()[-1]
    same, fresh = compare.regenerate_column(cmp, col.id)
    assert same is col and fresh.parent == old.parent and col.leaf == fresh.id
    assert fresh.status == "streaming" and len(col.siblings(fresh.id)) == 2
    other = cmp.columns[1]
    other.remove(other.branch()[-1].id)
    _, answer = compare.regenerate_column(cmp, other.id)
    assert [m.role for m in other.branch()] == ["user", "assistant"] and answer.parent
    with pytest.raises(ComparisonError):
        compare.regenerate_column(cmp, compare.add_column(cmp, "x").id)


def test_continue_with_makes_a_normal_chat() -> None:
    cmp = three()
    compare.set_column_params(cmp, cmp.columns[1].id, {"temperature": 1.5})
    compare.set_system_prompt(cmp, "Terse.")
    answered(cmp, Stats(), Stats(), None, status="streaming")
    chat = compare.continue_with(cmp, cmp.columns[1].id)
    col = cmp.columns[1]
    assert chat.kind == "chat" and chat.columns == [] and chat.id not in [*ids(cmp), cmp.id]
    assert chat.title == "Hello there (from comparison)"
    assert chat.model == "beta" and chat.params == {"temperature": 1.5}
    assert chat.profile == "AnyFast" and chat.system_prompt == "Terse."
    assert chat.messages == col.messages and chat.leaf == col.leaf
    assert chat.messages[0] is not col.messages[0]
    assert chat.overridden == col.overridden == ["max_tokens", "temperature"]  # its own
    streaming = compare.continue_with(cmp, cmp.columns[2].id)
    assert streaming.branch()[-1].status == "stopped"
    assert cmp.columns[2].branch()[-1].status == "streaming"


# --- marks -------------------------------------------------------------------------------


def test_marks_fastest_and_longest_from_the_last_answers() -> None:
    cmp = three()
    a, b, c = ids(cmp)
    answered(
        cmp,
        Stats(ttft_s=0.2, tokens_per_s=40.0, usage=Usage(completion_tokens=100)),
        Stats(ttft_s=0.5, tokens_per_s=90.0, usage=Usage(completion_tokens=30)),
        Stats(ttft_s=0.9, tokens_per_s=10.0, estimated_tokens=300),
    )
    assert compare.column_marks(cmp) == {
        a: {"fastest_ttft"},
        b: {"fastest_tps"},
        c: {"longest"},
    }


def test_marks_ties_mark_all_and_unfinished_answers_do_not_count() -> None:
    cmp = three()
    a, b, c = ids(cmp)
    fast = Stats(ttft_s=0.3, tokens_per_s=50.0, usage=Usage(completion_tokens=20))
    answered(cmp, fast, msgspec.structs.replace(fast), None, status="error")
    marks = compare.column_marks(cmp)
    assert marks[a] == marks[b] == {"fastest_ttft", "fastest_tps", "longest"}
    assert marks[c] == set()
    # one finished answer has nothing to be compared with
    cmp.columns[1].branch()[-1].status = "stopped"
    assert compare.column_marks(cmp) == {a: set(), b: set(), c: set()}


def test_marks_use_the_latest_answer_only() -> None:
    cmp = compare.new_comparison(["x", "y"], {})
    a, b = ids(cmp)
    answered(cmp, Stats(ttft_s=0.1), Stats(ttft_s=0.9))
    answered(cmp, Stats(ttft_s=0.8), Stats(ttft_s=0.2))
    assert compare.column_marks(cmp) == {a: set(), b: {"fastest_ttft"}}


# --- export ------------------------------------------------------------------------------


def test_markdown_has_a_section_per_column_with_its_parameters() -> None:
    cmp = three()
    compare.set_column_params(
        cmp, cmp.columns[1].id, {**SHARED, "temperature": 1.3, "api_key": "sk-SECRET"}
    )
    compare.set_system_prompt(cmp, "Be kind.")
    answered(cmp, Stats(model="alpha-0613"), None, Stats(), status="error")
    cmp.columns[1].branch()[-1].content = ""
    text = chat_to_markdown(cmp)
    assert text == export.comparison_to_markdown(cmp)
    assert text.startswith("# Hello there\n")
    assert "Comparison of 3 columns: alpha, beta, gamma" in text
    assert "**System prompt**" in text and text.count("Be kind.") == 1
    assert "**Shared parameters**\n\n<sub>max_tokens=256 · temperature=0.7</sub>" in text
    one, two, three_ = (
        text.index(f"## Column {n} · {m}") for n, m in ((1, "alpha"), (2, "beta"), (3, "gamma"))
    )
    assert one < two < three_
    section = text[two:three_]
    assert "<sub>max_tokens=256 · temperature=1.3</sub>" in section
    assert "*Differs from the shared set: api_key, temperature*" in section
    assert "sk-SECRET" not in text
    assert "### You\n\nHello there" in section
    assert "### Assistant (alpha-0613)" in text[one:two] and "answer from alpha" in text
    assert text.count("### You") == 3


def test_json_export_and_import_gets_new_ids(tmp_path: Path) -> None:
    cmp = three()
    compare.set_column_params(cmp, cmp.columns[0].id, {"temperature": 0.2, "api_key": "sk-X"})
    answered(cmp, Stats(ttft_s=0.1), Stats(), Stats())
    data = chat_to_json(cmp)
    assert b"sk-X" not in data
    document = json.loads(data)
    assert document["chat"]["kind"] == "compare" and len(document["chat"]["columns"]) == 3
    imported = import_chat_json(data)
    assert imported.kind == "compare" and imported.id != cmp.id
    assert not set(ids(imported)) & set(ids(cmp))
    assert len(set(ids(imported))) == 3
    for mine, theirs in zip(cmp.columns, imported.columns, strict=True):
        assert theirs.model == mine.model and theirs.leaf == mine.leaf
        assert [m.content for m in theirs.messages] == [m.content for m in mine.messages]
        assert theirs.overridden == mine.overridden
    assert imported.columns[0].params == {"temperature": 0.2}
    assert imported.columns[0].messages[1].params == {"temperature": 0.2}
    assert imported.columns[1].messages == cmp.columns[1].messages
    store = ChatStore(tmp_path, fsync=False)
    store.save(cmp)
    store.save(imported)
    assert {s.id for s in store.list_chats()} == {cmp.id, imported.id}


# --- storage -----------------------------------------------------------------------------


def test_store_round_trip_summary_and_search_inside_columns(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats", fsync=False)
    cmp = three()
    compare.set_column_params(cmp, cmp.columns[2].id, {"temperature": 0.0})
    answered(cmp, Stats(), Stats(), Stats())
    cmp.columns[1].branch()[-1].content = "a zebra crossing"
    store.save(cmp)
    plain = Chat(title="plain")
    plain.append(Message(content="no animals here"))
    store.save(plain)
    again = store.load(cmp.id)
    assert again == cmp
    assert again.columns[2].overridden == ["max_tokens", "temperature"]
    [summary] = [s for s in store.list_chats() if s.id == cmp.id]
    assert summary.kind == "compare" and summary.message_count == 6
    assert summary.preview == "Hello there" and summary.model == "alpha, beta, gamma"
    assert summarize(plain).kind == "chat"
    (store.folder / "index.json").unlink()  # rebuilt from the files
    assert {s.kind for s in ChatStore(store.folder, fsync=False).list_chats()} == {
        "chat",
        "compare",
    }
    [hit] = store.search("ZEBRA")
    assert hit.chat_id == cmp.id and hit.column_id == cmp.columns[1].id
    assert hit.message_id == cmp.columns[1].branch()[-1].id and hit.role == "assistant"
    questions = store.search("hello there")
    assert [(h.message_id, h.column_id) for h in questions] == [
        (None, ""),  # the title
        (cmp.columns[0].messages[0].id, cmp.columns[0].id),  # the question, once
    ]


def test_a_plain_chat_file_is_unchanged_by_the_new_fields() -> None:
    chat = Chat(title="old")
    data = encode_chat_file(chat)
    assert b'"kind"' not in data  # the default is left out: old files look the same
    assert decode_chat_file(data).kind == "chat"


@pytest.mark.parametrize(
    "damage",
    ["duplicate column", "nested comparison", "broken column tree"],
)
def test_broken_columns_are_quarantined(tmp_path: Path, damage: str) -> None:
    store = ChatStore(tmp_path, fsync=False)
    cmp = three()
    answered(cmp, Stats(), Stats(), Stats())
    if damage == "duplicate column":
        cmp.columns[1].id = cmp.columns[0].id
    elif damage == "nested comparison":
        cmp.columns[0].columns = [Chat()]
    else:
        cmp.columns[2].messages[1].parent = "missing"
    store.path_of(cmp.id).write_bytes(encode_chat_file(cmp))
    with pytest.raises(ChatFileError) as caught:
        store.load(cmp.id)
    assert "could not be read" in caught.value.problem.message
