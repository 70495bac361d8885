"""Markdown and JSON export, and JSON import (Chorus files, OpenAI-style messages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.chat import (
    Chat,
    ChoiceSnapshot,
    ErrorInfo,
    ImagePart,
    Message,
    Stats,
    ToolCall,
)
from core.export import ChatImportError, chat_to_json, chat_to_markdown, import_chat_json
from core.secrets import MemorySecrets
from core.storage.chat_store import ChatStore
from core.storage.format import decode_chat_file

API_KEY = "sk-test-EXPORT-0123456789abcdefSECRET"
BASE64_BODY = "iVBORw0KGgo" + "A" * 6000


def sample_chat() -> Chat:
    chat = Chat(
        title="Trip planning",
        model="gpt-4o",
        profile="AnyFast",
        system_prompt="You are a travel agent.",
        params={"temperature": 0.4},
    )
    question = chat.append(
        Message(
            role="user",
            content="Where should I go in May?",
            images=[ImagePart(url=f"data:image/png;base64,{BASE64_BODY}", name="map.png")],
        )
    )
    old = chat.append(Message(role="assistant", content="Old answer", model="gpt-4o"))
    chat.add_sibling(
        old.id,
        Message(
            role="assistant",
            content="Try **Lisbon**.",
            reasoning="May is mild in Portugal.",
            model="gpt-4o",
            params={"temperature": 0.4, "max_tokens": 512},
            stats=Stats(model="gpt-4o-2024-08-06"),
            tool_calls=[ToolCall(id="call_1", name="weather", arguments='{"city": "Lisbon"}')],
        ),
    )
    assert question.id in {m.parent for m in chat.messages}
    return chat


# --- Markdown -------------------------------------------------------------------------


def test_markdown_has_title_model_system_prompt_and_the_current_branch() -> None:
    text = chat_to_markdown(sample_chat())
    assert text.startswith("# Trip planning\n")
    assert "Model: gpt-4o" in text
    assert "**System prompt**" in text and "You are a travel agent." in text
    you = text.index("### You")
    answer = text.index("### Assistant (gpt-4o-2024-08-06)")
    assert text.index("You are a travel agent.") < you < answer
    assert "Try **Lisbon**." in text
    assert "Old answer" not in text  # another branch


def test_markdown_reasoning_tool_calls_images_and_params() -> None:
    text = chat_to_markdown(sample_chat())
    assert (
        "<details>\n<summary>Reasoning</summary>\n\nMay is mild in Portugal.\n\n</details>" in text
    )
    fence_start = text.index("```json\n")
    fence_end = text.index("\n```", fence_start + 1)
    call = json.loads(text[fence_start + len("```json\n") : fence_end])
    assert call == {"id": "call_1", "name": "weather", "arguments": {"city": "Lisbon"}}
    assert "![map.png](<image/png, " in text
    assert BASE64_BODY[:40] not in text and "base64" not in text
    assert "<sub>max_tokens=512 · temperature=0.4</sub>" in text


def test_markdown_fences_outlast_backticks_in_the_text() -> None:
    chat = Chat(system_prompt="Use ```python fences``` always")
    chat.append(Message(role="tool", name="run", content="a ```` run"))
    text = chat_to_markdown(chat)
    assert "````text\nUse ```python fences``` always\n````" in text
    assert "### Tool result (run)" in text
    assert "`````\na ```` run\n`````" in text


def test_markdown_says_when_an_answer_failed_or_stopped() -> None:
    chat = Chat(title="")
    chat.append(Message(role="user", content="hi"))
    chat.append(
        Message(
            role="assistant",
            status="error",
            error=ErrorInfo(kind="AuthenticationError", message="Check your API key."),
        )
    )
    text = chat_to_markdown(chat)
    assert text.startswith("# Untitled chat")
    assert "> **Error:** Check your API key." in text
    chat.append(
        Message(
            role="assistant",
            content="partial",
            status="stopped",
            choices=[ChoiceSnapshot(index=0), ChoiceSnapshot(index=1)],
            chosen=1,
        )
    )
    text = chat_to_markdown(chat)
    assert "*Stopped before the end.*" in text and "*Choice 2 of 2*" in text


# --- JSON -----------------------------------------------------------------------------


def test_json_is_a_chat_file_with_every_branch() -> None:
    chat = sample_chat()
    data = chat_to_json(chat)
    decoded = decode_chat_file(data)
    assert decoded == chat
    assert json.loads(data)["format"] == "chorus.chat"


def test_exports_never_contain_an_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    secrets = MemorySecrets()
    secrets.set("AnyFast", API_KEY)
    chat = sample_chat()
    # Credentials that slipped into parameters (even nested) are dropped from exports.
    chat.params["api_key"] = API_KEY
    chat.messages[-1].params["extra_headers"] = {"Authorization": f"Bearer {API_KEY}"}
    for data in (chat_to_markdown(chat).encode(), chat_to_json(chat)):
        assert API_KEY.encode() not in data
        assert b"sk-test" not in data
    assert chat.params["api_key"] == API_KEY  # the chat itself is left as it was
    exported = decode_chat_file(chat_to_json(chat))
    assert exported.params == {"temperature": 0.4}
    assert exported.messages[-1].params["extra_headers"] == {}


# --- import ---------------------------------------------------------------------------


def test_import_of_an_export_gets_a_new_id_and_keeps_everything(tmp_path: Path) -> None:
    store = ChatStore(tmp_path, fsync=False)
    chat = sample_chat()
    store.save(chat)
    imported = import_chat_json(chat_to_json(chat))
    assert imported.id != chat.id
    assert imported.messages == chat.messages and imported.leaf == chat.leaf
    assert imported.title == chat.title and imported.system_prompt == chat.system_prompt
    store.save(imported)
    assert {s.id for s in store.list_chats()} == {chat.id, imported.id}
    assert store.load(chat.id) == chat  # the original is untouched


def test_import_openai_messages_document() -> None:
    document = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "look", "arguments": {"zoom": 2}},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "a cat"},
            {"role": "assistant", "content": "A cat.", "reasoning_content": "It is a cat."},
        ],
    }
    chat = import_chat_json(json.dumps(document).encode())
    assert chat.system_prompt == "Be brief."
    assert chat.model == "gpt-4o-mini"
    assert chat.title == "What is in this picture?"
    branch = chat.branch()
    assert [m.role for m in branch] == ["user", "assistant", "tool", "assistant"]
    assert branch[0].images == [ImagePart(url="https://x.test/a.png")]
    assert branch[1].tool_calls == [
        ToolCall(index=0, id="c1", name="look", arguments='{"zoom": 2}')
    ]
    assert branch[2].tool_call_id == "c1"
    assert branch[3].reasoning == "It is a cat."
    assert chat.leaf == branch[-1].id
    assert decode_chat_file(chat_to_json(chat)) == chat  # it is a valid chat


def test_import_bare_list_of_messages() -> None:
    data = b'[{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi!"}]'
    first = import_chat_json(data)
    second = import_chat_json(data)
    assert [m.content for m in first.branch()] == ["Hello", "Hi!"]
    assert first.id != second.id
    assert first.title == "Hello"


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'"a string"', "neither a Chorus chat nor a list of messages"),
        (b'{"title": "x"}', 'nor a document with "messages"'),
        (b'{"messages": []}', "holds no messages"),
        (b'{"messages": {"role": "user"}}', "is not a list"),
        (b'[{"role": "wizard", "content": "x"}]', "message 1 has the unknown role 'wizard'"),
        (b'[{"role": "user", "content": "x"}, 3]', "message 2 is not an object"),
        (b'[{"content": "x"}]', "message 1 has no role"),
        (b'{"format": "chorus.chat", "version": 99, "chat": {}}', "newer version of Chorus"),
        (b'{"format": "chorus.chat", "version": 1, "chat": {"messages": 1}}', "do not match"),
        (b'{"format": "chorus.index", "version": 1, "chats": []}', "not a chat"),
    ],
)
def test_bad_input_raises_a_readable_sentence(data: bytes, phrase: str) -> None:
    with pytest.raises(ChatImportError) as info:
        import_chat_json(data)
    message = str(info.value)
    assert message.startswith("This file could not be imported: ")
    assert message.endswith(".")
    assert phrase in message
