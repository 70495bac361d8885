"""The tree operations of core/chat.py, the encode/decode round trip, and migrations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.chat import (
    Chat,
    ChoiceSnapshot,
    ErrorInfo,
    ImagePart,
    Message,
    Stats,
    TokenLogprob,
    ToolCall,
    TopLogprob,
    Usage,
)
from core.storage import format as chat_format
from core.storage.chat_store import ChatFileError, ChatStore
from core.storage.format import check_tree, decode_chat_file, encode_chat_file


def msg(role: str, content: str, at: float, **kw: object) -> Message:
    return msgspec.convert({"role": role, "content": content, "created_at": at, **kw}, Message)


def conversation() -> tuple[Chat, list[Message]]:
    chat = Chat(title="t")
    q1 = chat.append(msg("user", "q1", 1))
    a1 = chat.append(msg("assistant", "a1", 2))
    q2 = chat.append(msg("user", "q2", 3))
    a2 = chat.append(msg("assistant", "a2", 4))
    return chat, [q1, a1, q2, a2]


def test_append_links_parent_and_moves_leaf() -> None:
    chat, (q1, a1, q2, a2) = conversation()
    assert q1.parent is None
    assert [a1.parent, q2.parent, a2.parent] == [q1.id, a1.id, q2.id]
    assert chat.leaf == a2.id
    assert [m.content for m in chat.branch()] == ["q1", "a1", "q2", "a2"]
    assert [m.content for m in chat.branch(a1.id)] == ["q1", "a1"]


def test_empty_chat_branch() -> None:
    assert Chat().branch() == []


def test_add_sibling_keeps_old_branch() -> None:
    chat, (_, _, q2, a2) = conversation()
    a2b = chat.add_sibling(a2.id, msg("assistant", "a2b", 5))
    assert a2b.parent == q2.id
    assert chat.leaf == a2b.id
    assert [m.content for m in chat.siblings(a2.id)] == ["a2", "a2b"]
    assert [m.content for m in chat.branch()] == ["q1", "a1", "q2", "a2b"]
    assert [m.content for m in chat.branch(a2.id)] == ["q1", "a1", "q2", "a2"]
    assert len(chat.messages) == 5


def test_edit_question_then_switch_between_branches() -> None:
    chat, (q1, a1, q2, a2) = conversation()
    q2b = chat.add_sibling(q2.id, msg("user", "q2 edited", 5))
    chat.append(msg("assistant", "a2 of edit", 6))
    assert [m.content for m in chat.branch()] == ["q1", "a1", "q2 edited", "a2 of edit"]
    chat.switch_to(q2.id)
    assert chat.leaf == a2.id
    chat.switch_to(q1.id)  # follows the newest child at every step
    assert [m.content for m in chat.branch()] == ["q1", "a1", "q2 edited", "a2 of edit"]
    assert [m.id for m in chat.children(a1.id)] == [q2.id, q2b.id]
    assert chat.siblings("nope") == []


def test_remove_subtree_and_leaf_fallback() -> None:
    chat, (q1, a1, q2, a2) = conversation()
    q2b = chat.add_sibling(q2.id, msg("user", "q2b", 5))
    a2b = chat.append(msg("assistant", "a2b", 6))
    removed = chat.remove(q2b.id)
    assert [m.id for m in removed] == [q2b.id, a2b.id]
    assert chat.leaf == a2.id  # back to the remaining sibling's newest leaf
    removed = chat.remove(q2.id)
    assert [m.content for m in removed] == ["q2", "a2"]
    assert chat.leaf == a1.id  # no sibling left: the parent
    assert [m.content for m in chat.messages] == ["q1", "a1"]
    assert chat.remove("missing") == []
    chat.remove(q1.id)
    assert chat.messages == [] and chat.leaf is None


def test_remove_off_branch_keeps_leaf() -> None:
    chat, (*_, a2) = conversation()
    side = chat.add_sibling(a2.id, msg("assistant", "side", 5))
    chat.switch_to(a2.id)
    chat.remove(side.id)
    assert chat.leaf == a2.id


def full_chat() -> Chat:
    chat = Chat(
        title="Everything", model="m", system_prompt="be brief", params={"temperature": 0.5}
    )
    chat.append(
        Message(role="user", content="look", images=[ImagePart(url="data:image/png;base64,AA==")])
    )
    chat.append(
        Message(
            role="assistant",
            content="c0",
            reasoning="r",
            tool_calls=[ToolCall(id="call_1", name="f", arguments='{"x": 1}')],
            choices=[
                ChoiceSnapshot(
                    index=0,
                    content="c0",
                    finish_reason="stop",
                    logprobs=[TokenLogprob(token="c", logprob=-0.1, top=[TopLogprob("d", -2.5)])],
                ),
                ChoiceSnapshot(index=1, content="c1"),
            ],
            model="m",
            params={"n": 2},
            status="error",
            error=ErrorInfo(kind="RateLimitError", message="Slow down.", status=429),
            stats=Stats(model="m-1", ttft_s=0.2, usage=Usage(prompt_tokens=3, total_tokens=9)),
        )
    )
    chat.append(Message(role="tool", content="42", tool_call_id="call_1", name="f"))
    return chat


def test_round_trip_keeps_every_field() -> None:
    chat = full_chat()
    assert decode_chat_file(encode_chat_file(chat)) == chat
    assert msgspec.json.decode(msgspec.json.encode(chat), type=Chat) == chat


def test_defaults_are_omitted_and_logprobs_are_arrays() -> None:
    raw = msgspec.json.decode(msgspec.json.encode(full_chat()))
    first = raw["messages"][0]
    assert set(first) == {"id", "content", "images", "created_at"}  # role "user" is the default
    top = raw["messages"][1]["choices"][0]["logprobs"][0]["top"]
    assert top == [["d", -2.5]]


ops = st.lists(
    st.tuples(st.sampled_from(["append", "sibling", "remove", "switch"]), st.integers(0, 50)),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_random_edits_keep_a_valid_tree(steps: list[tuple[str, int]]) -> None:
    chat = Chat()
    clock = 0.0
    for op, pick in steps:
        clock += 1
        ids = [m.id for m in chat.messages]
        if op == "append" or not ids:
            chat.append(msg("user", f"m{clock}", clock))
        elif op == "sibling":
            chat.add_sibling(ids[pick % len(ids)], msg("assistant", f"s{clock}", clock))
        elif op == "remove":
            chat.remove(ids[pick % len(ids)])
        else:
            chat.switch_to(ids[pick % len(ids)])
        check_tree(chat)
        branch = chat.branch()
        assert (branch[-1].id if branch else None) == chat.leaf
        assert branch == [] or branch[0].parent is None
        assert chat.leaf is None or chat.children(chat.leaf) == []
    assert decode_chat_file(encode_chat_file(chat)) == chat


# --- versions and migrations ---------------------------------------------------------


def v0_document(chat_id: str = "oldchat") -> dict[str, Any]:
    """A synthetic version-0 file: "name" for the title and "text" for message content."""
    return {
        "format": "chorus.chat",
        "version": 0,
        "chat": {
            "id": chat_id,
            "name": "From version 0",
            "messages": [
                {"id": "m1", "role": "user", "text": "Old question"},
                {"id": "m2", "parent": "m1", "role": "assistant", "text": "Old answer"},
            ],
            "leaf": "m2",
        },
    }


def v0_to_v1(raw: dict[str, Any]) -> dict[str, Any]:
    chat = raw["chat"]
    chat["title"] = chat.pop("name")
    for message in chat["messages"]:
        message["content"] = message.pop("text")
    return raw


def test_v0_file_is_migrated(tmp_path: Path) -> None:
    store = ChatStore(tmp_path, fsync=False, migrations={**chat_format.MIGRATIONS, 0: v0_to_v1})
    (tmp_path / "oldchat.json").write_bytes(msgspec.json.encode(v0_document()))
    chat = store.load("oldchat")
    assert chat.title == "From version 0"
    assert [m.content for m in chat.branch()] == ["Old question", "Old answer"]
    assert [s.preview for s in store.list_chats()] == ["Old question"]
    store.save(chat)
    saved = msgspec.json.decode((tmp_path / "oldchat.json").read_bytes())
    assert saved["version"] == chat_format.CHAT_VERSION


def test_v0_file_without_migration_is_quarantined(tmp_path: Path) -> None:
    store = ChatStore(tmp_path, fsync=False)
    (store.folder / "oldchat.json").write_bytes(msgspec.json.encode(v0_document()))
    with pytest.raises(ChatFileError, match=r"chat format 0, which this version of Chorus cannot"):
        store.load("oldchat")


def test_migrations_run_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat_format, "CHAT_VERSION", 3)
    seen: list[int] = []

    def step(n: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def run(raw: dict[str, Any]) -> dict[str, Any]:
            seen.append(raw["version"])
            return raw

        return run

    result = chat_format.migrate({"version": 0}, 0, {0: step(0), 1: step(1), 2: step(2)})
    assert seen == [0, 1, 2] and result["version"] == 3
    with pytest.raises(chat_format.ChatFormatError, match=r"converted from chat format 0"):
        chat_format.migrate({"version": 0}, 0, {0: lambda raw: raw["missing"]})
