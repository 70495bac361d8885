"""Chats out of and into Chorus: Markdown and JSON export, JSON import.

:func:`chat_to_markdown` writes the branch on screen for people to read;
:func:`chat_to_json` writes the chat file format (docs/FORMAT.md), every branch
included, so :func:`import_chat_json` (or another Chorus) reads it back.
:func:`import_chat_json` also reads an OpenAI-style ``{"messages": [...]}`` document
or a bare list of messages. An imported chat always gets a new id, so importing never
replaces a chat that is already there. A comparison (kind ``"compare"``) goes through
the same functions: its Markdown has one section per column, its JSON every column.

Exports hold chat data only. Parameters whose names look like credentials
(``api_key``, ``Authorization`` …) are dropped from them, at any depth.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import cast, get_args

import msgspec

from core.chat import UNTITLED, Chat, ImagePart, Message, Role, ToolCall, new_id, now
from core.conversation import title_from
from core.storage.format import CHAT_FORMAT, ChatFormatError, decode_chat_file, encode_chat_file

IMPORTED_TITLE = "Imported chat"
PARAM_VALUE_CHARS = 60  # a longer parameter value is shortened in the Markdown line
_SECRET_NAME = re.compile(
    r"api[_-]?key|authori[sz]ation|password|passwd|secret|access[_-]?token|bearer", re.I
)
_ROLES: frozenset[str] = frozenset(get_args(Role))
_ROLE_ALIASES = {"developer": "system", "function": "tool"}


class ChatImportError(ValueError):
    """The data is not a chat Chorus can import; ``str()`` is a sentence for a person."""


# --- keeping credentials out ----------------------------------------------------------


def _scrub(value: object) -> object:
    """``value`` without any mapping entry whose key looks like a credential."""
    if isinstance(value, Mapping):
        return {
            k: _scrub(v)
            for k, v in value.items()
            if not (isinstance(k, str) and _SECRET_NAME.search(k))
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _scrubbed_params(params: dict[str, object]) -> dict[str, object]:
    return cast(dict[str, object], _scrub(params))


def _for_export(chat: Chat) -> Chat:
    """A copy of ``chat`` (and of its columns) whose parameters hold no credential-like
    entries."""
    messages = [
        msgspec.structs.replace(m, params=_scrubbed_params(m.params)) if m.params else m
        for m in chat.messages
    ]
    return msgspec.structs.replace(
        chat,
        params=_scrubbed_params(chat.params),
        messages=messages,
        columns=[_for_export(col) for col in chat.columns],
    )


# --- Markdown -------------------------------------------------------------------------


def _fence(text: str, language: str = "") -> str:
    """``text`` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text.rstrip()}\n{ticks}"


def _alt(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _image_line(image: ImagePart, number: int) -> str:
    name = image.name or f"image {number}"
    url = image.url
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        mime = header[5:].split(";")[0] or "image"
        size_kb = max(1, round(len(payload) * 3 / 4 / 1024))
        return f"![{_alt(name)}](<{mime}, {size_kb} KB, not included>)"
    return f"![{_alt(name)}](<{url.replace('>', '%3E')}>)"


def _tool_call_json(call: ToolCall) -> str:
    arguments: object = call.arguments
    with contextlib.suppress(ValueError):
        arguments = json.loads(call.arguments) if call.arguments.strip() else {}
    document: dict[str, object] = {}
    if call.id:
        document["id"] = call.id
    document["name"] = call.name
    document["arguments"] = arguments
    return _fence(json.dumps(document, indent=2, ensure_ascii=False), "json")


def _param_text(value: object) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(text) > PARAM_VALUE_CHARS:
        text = text[: PARAM_VALUE_CHARS - 1] + "…"
    return text


def _params_line(params: Mapping[str, object]) -> str:
    parts = [f"{name}={_param_text(value)}" for name, value in sorted(params.items())]
    return f"<sub>{html.escape(' · '.join(parts))}</sub>"


def _assistant_heading(message: Message, chat: Chat) -> str:
    model = (message.stats.model if message.stats else "") or message.model or chat.model
    return f"### Assistant ({model})" if model else "### Assistant"


def _message_markdown(message: Message, chat: Chat) -> str:
    blocks: list[str] = []
    if message.role == "user":
        blocks.append("### You")
    elif message.role == "assistant":
        blocks.append(_assistant_heading(message, chat))
    elif message.role == "tool":
        label = message.name or message.tool_call_id
        blocks.append(f"### Tool result ({label})" if label else "### Tool result")
    else:
        blocks.append("### System")
    if message.reasoning.strip():
        blocks.append(
            f"<details>\n<summary>Reasoning</summary>\n\n{message.reasoning.strip()}\n\n</details>"
        )
    if len(message.choices) > 1:
        blocks.append(f"*Choice {message.chosen + 1} of {len(message.choices)}*")
    if message.content.strip():
        text = message.content.strip()
        blocks.append(_fence(text) if message.role == "tool" else text)
    blocks.extend(_image_line(image, n) for n, image in enumerate(message.images, 1))
    blocks.extend(_tool_call_json(call) for call in message.tool_calls)
    if message.status == "error" and message.error is not None:
        blocks.append(f"> **Error:** {message.error.message}")
    elif message.status == "stopped":
        blocks.append("*Stopped before the end.*")
    elif message.status == "streaming":
        blocks.append("*Incomplete.*")
    if message.role == "assistant" and message.params:
        blocks.append(_params_line(message.params))
    return "\n\n".join(blocks)


def chat_to_markdown(chat: Chat) -> str:
    """The chat for people: title, model, system prompt, then the branch on screen.

    A comparison is written by :func:`comparison_to_markdown`.
    """
    if chat.kind == "compare":
        return comparison_to_markdown(chat)
    chat = _for_export(chat)
    blocks = [f"# {chat.title.strip() or UNTITLED}"]
    facts = []
    if chat.model:
        facts.append(f"Model: {chat.model}")
    created = datetime.fromtimestamp(chat.created_at).strftime("%Y-%m-%d %H:%M")
    facts.append(f"Created {created}")
    blocks.append(f"*{' · '.join(facts)}*")
    if chat.system_prompt.strip():
        blocks.append(f"**System prompt**\n\n{_fence(chat.system_prompt.strip(), 'text')}")
    blocks.append("---")
    blocks.extend(_message_markdown(m, chat) for m in chat.branch())
    return "\n\n".join(blocks) + "\n"


# --- JSON -----------------------------------------------------------------------------


def _column_params_markdown(col: Chat) -> str:
    line = _params_line(col.params) if col.params else "<sub>no parameters set</sub>"
    if col.overridden:
        line += f"\n\n*Differs from the shared set: {', '.join(col.overridden)}*"
    return line


def comparison_to_markdown(cmp: Chat) -> str:
    """The comparison for people: title, shared settings, then one section per column
    with its model, its parameters and its branch on screen."""
    cmp = _for_export(cmp)
    blocks = [f"# {cmp.title.strip() or UNTITLED}"]
    models = ", ".join(col.model or "no model" for col in cmp.columns)
    created = datetime.fromtimestamp(cmp.created_at).strftime("%Y-%m-%d %H:%M")
    blocks.append(f"*Comparison of {len(cmp.columns)} columns: {models} · Created {created}*")
    if cmp.system_prompt.strip():
        blocks.append(f"**System prompt**\n\n{_fence(cmp.system_prompt.strip(), 'text')}")
    if cmp.params:
        blocks.append(f"**Shared parameters**\n\n{_params_line(cmp.params)}")
    for number, col in enumerate(cmp.columns, 1):
        blocks.append("---")
        heading = f"## Column {number} · {col.model}" if col.model else f"## Column {number}"
        blocks.append(heading)
        blocks.append(_column_params_markdown(col))
        if col.system_prompt.strip() != cmp.system_prompt.strip() and col.system_prompt.strip():
            blocks.append(f"**System prompt**\n\n{_fence(col.system_prompt.strip(), 'text')}")
        blocks.extend(_message_markdown(m, col) for m in col.branch())
    return "\n\n".join(blocks) + "\n"


def chat_to_json(chat: Chat) -> bytes:
    """The chat as a chat file (every branch), indented for people to read."""
    return msgspec.json.format(encode_chat_file(_for_export(chat)), indent=2)


def _fail(reason: str) -> ChatImportError:
    return ChatImportError(f"This file could not be imported: {reason}.")


def _text_of(content: object, where: str) -> tuple[str, list[ImagePart]]:
    """The text and images of an OpenAI ``content`` (a string, null, or a list of parts)."""
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    if not isinstance(content, list):
        raise _fail(f"{where} has content that is neither text nor a list of parts")
    texts: list[str] = []
    images: list[ImagePart] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, Mapping):
            continue
        text = part.get("text")
        if isinstance(text, str):
            texts.append(text)
        image = part.get("image_url")
        if isinstance(image, Mapping):
            url, detail = image.get("url"), image.get("detail")
            if isinstance(url, str) and url:
                images.append(ImagePart(url=url, detail=detail if isinstance(detail, str) else ""))
        elif isinstance(image, str) and image:
            images.append(ImagePart(url=image))
    return "\n\n".join(texts), images


def _tool_calls(raw: object) -> list[ToolCall]:
    calls: list[ToolCall] = []
    if not isinstance(raw, list):
        return calls
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            continue
        function = item.get("function")
        function = function if isinstance(function, Mapping) else {}
        name = function.get("name")
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        call_id = item.get("id")
        calls.append(
            ToolCall(
                index=index,
                id=call_id if isinstance(call_id, str) else "",
                name=name if isinstance(name, str) else "",
                arguments=arguments,
            )
        )
    return calls


def _string(item: Mapping[str, object], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _message(item: object, number: int) -> Message:
    where = f"message {number}"
    if not isinstance(item, Mapping):
        raise _fail(f"{where} is not an object with a role and content")
    role = item.get("role")
    if not isinstance(role, str):
        raise _fail(f"{where} has no role")
    role = _ROLE_ALIASES.get(role, role)
    if role not in _ROLES:
        raise _fail(f"{where} has the unknown role {role!r}")
    content, images = _text_of(item.get("content"), where)
    return Message(
        role=cast(Role, role),
        content=content,
        images=images,
        reasoning=_string(item, "reasoning_content", "reasoning"),
        tool_calls=_tool_calls(item.get("tool_calls")),
        tool_call_id=_string(item, "tool_call_id"),
        name=_string(item, "name"),
        model=_string(item, "model") if role == "assistant" else "",
    )


def _chat_from_messages(raw: object, document: Mapping[str, object]) -> Chat:
    if not isinstance(raw, list):
        raise _fail('its "messages" is not a list')
    messages = [_message(item, number) for number, item in enumerate(raw, 1)]
    if not messages:
        raise _fail("it holds no messages")
    system: list[str] = []
    while messages and messages[0].role == "system":
        system.append(messages.pop(0).content)
    chat = Chat(system_prompt="\n\n".join(s for s in system if s.strip()))
    start = now()
    for offset, message in enumerate(messages):
        message.created_at = start + offset * 0.001  # keeps creation order exact
        chat.append(message)
    chat.created_at = start
    chat.updated_at = messages[-1].created_at
    title = _string(document, "title")
    first_user = next((m.content for m in messages if m.role == "user" and m.content.strip()), "")
    chat.title = title or (title_from(first_user) if first_user else IMPORTED_TITLE)
    answered = [m.model for m in messages if m.model]
    chat.model = _string(document, "model") or (answered[-1] if answered else "")
    return chat


def import_chat_json(data: bytes) -> Chat:
    """A new chat from a Chorus chat file, an OpenAI-style ``{"messages": [...]}``
    document, or a bare list of messages; raises :class:`ChatImportError`.

    The chat (and each column of a comparison) gets a new id and counts as updated now,
    so it lists at the top.
    """
    try:
        document: object = msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise _fail("it is not valid JSON") from exc
    if isinstance(document, list):
        chat = _chat_from_messages(document, {})
    elif isinstance(document, Mapping):
        kind = document.get("format")
        if kind == CHAT_FORMAT:
            try:
                chat = decode_chat_file(data)
            except ChatFormatError as exc:
                raise _fail(exc.reason) from exc
            chat.id = new_id()
            for column in chat.columns:
                column.id = new_id()
            chat.updated_at = now()
        elif isinstance(kind, str) and kind.startswith("chorus."):
            raise _fail(f"it is a {kind!r} file, not a chat")
        elif "messages" in document:
            chat = _chat_from_messages(document["messages"], document)
        else:
            raise _fail('it is neither a Chorus chat nor a document with "messages"')
    else:
        raise _fail("it is neither a Chorus chat nor a list of messages")
    return chat
