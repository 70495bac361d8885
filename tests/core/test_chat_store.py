from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from core.chat import Chat, Message
from core.storage import atomic, chat_store
from core.storage import format as chat_format
from core.storage.chat_store import ChatFileError, ChatNotFoundError, ChatStore


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    return ChatStore(tmp_path / "chats", fsync=False)


def make_chat(
    title: str = "A chat", *texts: str, updated_at: float | None = None, **kw: Any
) -> Chat:
    chat = Chat(title=title, **kw)
    for i, text in enumerate(texts or ("hello",)):
        chat.append(Message(role="user" if i % 2 == 0 else "assistant", content=text))
    if updated_at is not None:
        chat.updated_at = updated_at
    return chat


def count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


# --- saving and loading --------------------------------------------------------------


def test_save_and_load_round_trip(store: ChatStore) -> None:
    chat = make_chat("Round trip", "question", "answer", model="gpt-x")
    store.save(chat)
    raw = msgspec.json.decode(store.path_of(chat.id).read_bytes())
    assert (raw["format"], raw["version"], raw["chat"]["id"]) == ("chorus.chat", 2, chat.id)
    assert store.load(chat.id) == chat


def test_default_folder_comes_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUS_DATA_DIR", str(tmp_path))
    store = ChatStore()
    assert store.folder == tmp_path / "chats"
    assert store.quarantine_folder == tmp_path / "chats" / "damaged"
    chat = make_chat()
    store.save(chat)  # with fsync
    assert (tmp_path / "chats" / f"{chat.id}.json").is_file()


def test_missing_chat_and_bad_ids(store: ChatStore) -> None:
    with pytest.raises(ChatNotFoundError):
        store.load("0123456789abcdef")
    for bad in ("../etc", "", "a/b", "index", "x" * 65):
        with pytest.raises(ValueError):
            store.path_of(bad)
    assert store.problems == []


def test_file_name_is_the_id(store: ChatStore) -> None:
    chat = make_chat()
    store.save(chat)
    (store.folder / "copy.json").write_bytes(store.path_of(chat.id).read_bytes())
    assert store.load("copy").id == "copy"


# --- crash safety --------------------------------------------------------------------


def test_failed_replace_leaves_old_file_intact(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = make_chat("Old title")
    store.save(chat)
    before = store.path_of(chat.id).read_bytes()

    def crash(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", crash)
    chat.title = "New title"
    with pytest.raises(OSError, match="No space"):
        store.save(chat)
    monkeypatch.undo()
    assert store.path_of(chat.id).read_bytes() == before
    assert store.load(chat.id).title == "Old title"
    assert [p.name for p in store.folder.iterdir() if p.name.endswith(".tmp")] == []


def test_failure_mid_write_leaves_old_file_intact(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = make_chat("Old title")
    store.save(chat)

    def half_write(path: Path, data: bytes, *, fsync: bool = True) -> None:
        tmp = path.with_name(f".{path.name}.crash.tmp")
        tmp.write_bytes(data[: len(data) // 2])
        raise KeyboardInterrupt  # the process dies here: the temp file stays behind

    monkeypatch.setattr(chat_store, "atomic_write_bytes", half_write)
    chat.title = "New title"
    with pytest.raises(KeyboardInterrupt):
        store.save(chat)
    monkeypatch.undo()
    leftover = store.folder / f".{chat.id}.json.crash.tmp"
    assert leftover.exists()
    assert ChatStore(store.folder).load(chat.id).title == "Old title"
    assert leftover.exists()  # too young: it may belong to a write still under way
    old = time.time() - 3600
    os.utime(leftover, (old, old))
    fresh = ChatStore(store.folder)
    assert fresh.removed_temp_files == 1
    assert not leftover.exists()
    assert [s.title for s in fresh.list_chats()] == ["Old title"]


# --- quarantine ----------------------------------------------------------------------

GOOD = make_chat("good")
GOOD_BYTES = chat_format.encode_chat_file(GOOD)
TREE_LOOP = chat_format.encode_chat_file(  # two messages that are each other's parent
    Chat(messages=[Message(id="m1", parent="m2"), Message(id="m2", parent="m1")], leaf="m2")
)

DAMAGED = {
    "truncated": (GOOD_BYTES[:-10], "it is not valid JSON"),
    "garbage": (b"\x00\xff\xfe garbage \x89PNG", "it is not valid JSON"),
    "empty": (b"", "it is not valid JSON"),
    "array": (b"[1, 2]", "it is not a Chorus chat file: Expected `object`, got `array`"),
    "other": (b'{"format": "something", "version": 1}', "it is not a Chorus chat file"),
    "types": (
        GOOD_BYTES.replace(b'"title":"good"', b'"title":17'),
        "its contents do not match the chat format: Expected `str`, got `int` - at `$.chat.title`",
    ),
    "loop": (TREE_LOOP, "its message tree is broken (a loop at 'm1')"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED))
def test_damaged_file_is_quarantined(store: ChatStore, case: str) -> None:
    data, reason = DAMAGED[case]
    path = store.folder / "3f2a00000000beef.json"
    path.write_bytes(data)
    with pytest.raises(ChatFileError) as caught:
        store.load("3f2a00000000beef")
    problem = caught.value.problem
    assert problem.path == path and problem.kind == "corrupt"
    assert problem.message == (
        f"Chat file 3f2a00000000beef.json could not be read ({reason}) and was moved to "
        f"{store.quarantine_folder}{os.sep}. Other chats are not affected."
    )
    assert str(caught.value) == problem.message
    assert store.problems == [problem]
    assert not path.exists()
    assert problem.moved_to is not None and problem.moved_to.parent == store.quarantine_folder
    assert problem.moved_to.name.startswith("3f2a00000000beef.2")
    assert problem.moved_to.read_bytes() == data


def test_newer_version_is_quarantined_with_its_own_sentence(store: ChatStore) -> None:
    data = GOOD_BYTES.replace(b'"version":2', b'"version":7')
    (store.folder / "abc.json").write_bytes(data)
    with pytest.raises(ChatFileError) as caught:
        store.load("abc")
    problem = caught.value.problem
    assert problem.kind == "newer"
    assert problem.message == (
        "Chat file abc.json was written by a newer version of Chorus and was moved to "
        f"{store.quarantine_folder}{os.sep}; update Chorus to open it. "
        "Other chats are not affected."
    )
    assert problem.moved_to is not None and problem.moved_to.read_bytes() == data


def test_unreadable_directory_is_quarantined(store: ChatStore) -> None:
    (store.folder / "abc.json").mkdir()
    with pytest.raises(ChatFileError) as caught:
        store.load("abc")
    problem = caught.value.problem
    assert problem.kind == "unreadable"
    assert "could not be read (it could not be opened: Is a directory)" in problem.message
    assert problem.moved_to is not None and problem.moved_to.is_dir()


def test_unreadable_file_is_quarantined(store: ChatStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save(make_chat())
    chat_id = store.list_chats()[0].id

    def denied(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(chat_store, "_read_bytes", denied)
    with pytest.raises(ChatFileError, match=r"\(it could not be opened: Permission denied\)"):
        store.load(chat_id)
    monkeypatch.undo()
    assert len(list(store.quarantine_folder.iterdir())) == 1
    assert store.list_chats() == []


def test_same_second_quarantines_get_distinct_names(store: ChatStore) -> None:
    for _ in range(3):
        (store.folder / "abc.json").write_bytes(b"{")
        with pytest.raises(ChatFileError):
            store.load("abc")
    names = sorted(p.name for p in store.quarantine_folder.iterdir())
    assert len(set(names)) == 3 and len(store.problems) == 3


def test_listing_quarantines_damaged_files_and_keeps_going(store: ChatStore) -> None:
    good = [make_chat(f"good {i}") for i in range(3)]
    for chat in good:
        store.save(chat)
    (store.folder / "bad1.json").write_bytes(b"not json")
    (store.folder / "bad2.json").write_bytes(GOOD_BYTES.replace(b'"version":2', b'"version":3'))
    (store.folder / "notes.txt").write_text("not a chat")
    summaries = store.list_chats()
    assert sorted(s.id for s in summaries) == sorted(c.id for c in good)
    assert sorted(p.path.name for p in store.problems) == ["bad1.json", "bad2.json"]
    assert sorted(p.kind for p in store.problems) == ["corrupt", "newer"]
    assert (store.folder / "notes.txt").exists()
    assert store.list_chats() == summaries and len(store.problems) == 2


# --- the index -----------------------------------------------------------------------


def test_summaries_and_order(store: ChatStore) -> None:
    old = make_chat("old", "  first   line\n second ", "answer", model="m1", updated_at=100.0)
    new = make_chat("new", "x" * 300, updated_at=300.0)
    pinned = make_chat("pinned", "p", pinned=True, updated_at=50.0)
    for chat in (old, new, pinned):
        store.save(chat)
    summaries = store.list_chats()
    assert [s.title for s in summaries] == ["pinned", "new", "old"]
    first = summaries[2]
    assert (first.id, first.model, first.kind, first.message_count) == (old.id, "m1", "chat", 2)
    assert first.preview == "first line second"
    assert summaries[1].preview == "x" * 119 + "…"
    raw = msgspec.json.decode(store.index_path.read_bytes())
    assert (raw["format"], raw["version"], len(raw["chats"])) == ("chorus.index", 1, 3)


def test_index_is_rewritten_only_when_a_summary_changes(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = make_chat("t", "q", "a")
    store.save(chat)
    writes = count_calls(monkeypatch, chat_format, "encode_index")
    chat.messages[1].content = "a longer answer"  # the summary stays the same
    store.save(chat)
    assert writes == []
    chat.title = "renamed"
    store.save(chat)
    assert len(writes) == 1
    decodes = count_calls(monkeypatch, chat_format, "decode_chat_file")
    chat.messages[1].content = "changed again"
    store.save(chat)
    fresh = ChatStore(store.folder, fsync=False)
    assert [s.title for s in fresh.list_chats()] == ["renamed"]
    assert len(decodes) == 1  # only the file newer than its index entry was read


@pytest.mark.parametrize("damage", ["missing", "garbage", "old_version"])
def test_index_is_rebuilt_silently(store: ChatStore, damage: str) -> None:
    chats = [make_chat(f"c{i}") for i in range(3)]
    for chat in chats:
        store.save(chat)
    if damage == "missing":
        store.index_path.unlink()
    elif damage == "garbage":
        store.index_path.write_bytes(b"\x00garbage")
    else:
        store.index_path.write_bytes(b'{"format":"chorus.index","version":99,"chats":[]}')
    fresh = ChatStore(store.folder, fsync=False)
    assert sorted(s.title for s in fresh.list_chats()) == ["c0", "c1", "c2"]
    assert fresh.problems == []
    assert chat_format.decode_index(store.index_path.read_bytes()) is not None


def test_index_follows_files_changed_behind_its_back(store: ChatStore) -> None:
    kept, edited, removed = make_chat("kept"), make_chat("edited"), make_chat("removed")
    for chat in (kept, edited, removed):
        store.save(chat)
    store.path_of(removed.id).unlink()
    edited.title = "edited elsewhere"
    store.path_of(edited.id).write_bytes(chat_format.encode_chat_file(edited) + b" ")
    added = make_chat("added")
    store.path_of(added.id).write_bytes(chat_format.encode_chat_file(added))
    titles = sorted(s.title for s in ChatStore(store.folder).list_chats())
    assert titles == ["added", "edited elsewhere", "kept"]
    assert sorted(s.title for s in store.list_chats()) == titles


def test_listing_500_chats_decodes_no_messages(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"message {i} " * 20 for i in range(20)]
    for i in range(500):
        chat = make_chat(f"chat {i}", *texts, updated_at=float(i))
        store.path_of(chat.id).write_bytes(chat_format.encode_chat_file(chat))
    decodes = count_calls(monkeypatch, chat_format, "decode_chat_file")
    assert len(store.list_chats()) == 500  # the first listing builds the index
    assert len(decodes) == 500
    summaries = ChatStore(store.folder, fsync=False).list_chats()
    assert len(decodes) == 500  # not one more: the speed is bench/history_scale.py's job
    assert [s.title for s in summaries[:2]] == ["chat 499", "chat 498"]
    assert summaries[0].message_count == 20


# --- changes -------------------------------------------------------------------------


def test_delete_and_undo(store: ChatStore) -> None:
    a, b = make_chat("a"), make_chat("b")
    store.save(a)
    store.save(b)
    deleted = store.delete(a.id)
    assert deleted == a
    assert not store.path_of(a.id).exists()
    assert [s.id for s in store.list_chats()] == [b.id]
    index = msgspec.json.decode(store.index_path.read_bytes())
    assert [entry["summary"]["id"] for entry in index["chats"]] == [b.id]
    store.save(deleted)
    assert sorted(s.id for s in store.list_chats()) == sorted([a.id, b.id])
    with pytest.raises(ChatNotFoundError):
        store.delete("nochat")


def test_rename_and_pin(store: ChatStore) -> None:
    a, b = make_chat("a", updated_at=2.0), make_chat("b", updated_at=1.0)
    store.save(a)
    store.save(b)
    assert store.rename(b.id, "renamed").title == "renamed"
    assert store.set_pinned(b.id, True).pinned
    assert [(s.title, s.pinned) for s in store.list_chats()] == [("renamed", True), ("a", False)]
    assert store.load(b.id).updated_at == 1.0


# --- search --------------------------------------------------------------------------


def test_search(store: ChatStore, monkeypatch: pytest.MonkeyPatch) -> None:
    a = make_chat("Cooking", "How long do I boil an EGG?", "Boil the egg for nine minutes.")
    b = make_chat("Crème brûlée", 'Say "quoted" words about the crème', updated_at=0.0)
    c = make_chat("Unrelated", "nothing to see")
    for chat in (a, b, c):
        store.save(chat)
    store.list_chats()
    decodes = count_calls(monkeypatch, chat_format, "decode_chat_file")
    hits = store.search("egg BOIL")
    assert [(h.chat_id, h.message_id) for h in hits] == [
        (a.id, a.messages[0].id),
        (a.id, a.messages[1].id),
    ]
    assert hits[0].snippet == "How long do I boil an EGG?" and hits[0].title == "Cooking"
    assert len(decodes) == 1  # the other files cannot match and are not decoded
    assert [h.message_id for h in store.search("CRÈME")] == [None, b.messages[0].id]
    assert [h.chat_id for h in store.search('"quoted"')] == [b.id]
    assert store.search("egg nothing") == []
    assert store.search("   ") == []
    assert len(store.search("egg", limit=1)) == 1


def test_search_snippet_is_cut_around_the_match(store: ChatStore) -> None:
    text = "a" * 100 + " needle " + "b\n" * 100
    chat = make_chat("long", text)
    store.save(chat)
    [hit] = store.search("needle")
    assert hit.snippet == "…" + "a" * 39 + " needle " + " ".join(["b"] * 40) + "…"
