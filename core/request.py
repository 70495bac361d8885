"""From a conversation and parameter values to the exact request body, its preview and curl.

``build_body`` is the one place a body is made: the client sends ``.body`` as is, and
the preview and the curl command show that same dict.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence

import msgspec

from core.chat import ImagePart, Message, ToolCall
from core.endpoint import Endpoint, mask_key
from core.model_rules import RULES, Adjustment, Rule, apply_rules
from core.param_validation import validate
from core.params import PARAM_BY_NAME, PARAMS, TOOL_CHOICE_MODES, ParamSpec
from core.tools.rounds import NOT_RUN

PREVIEW_DATA_URL_MIN = 64  # base64 payloads longer than this are shortened in previews
_SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie")
TOOL_IMAGES_TEXT = "The images the tool calls above returned:"


class BuiltRequest(msgspec.Struct, kw_only=True):
    """``body``: exactly what is sent. ``adjustments``: what the model rules changed."""

    body: dict[str, object]
    adjustments: list[Adjustment] = []

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True


# --- messages ---------------------------------------------------------------------


def _user_content(message: Message) -> str | list[dict[str, object]]:
    if not message.images:
        return message.content
    parts: list[dict[str, object]] = []
    if message.content:
        parts.append({"type": "text", "text": message.content})
    for image in message.images:
        image_url: dict[str, object] = {"url": image.url}
        if image.detail:
            image_url["detail"] = image.detail
        parts.append({"type": "image_url", "image_url": image_url})
    return parts


def _api_message(message: Message) -> dict[str, object] | None:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant":
        if message.status in ("error", "streaming"):
            return None
        if not message.content and not message.tool_calls:
            return None
        out: dict[str, object] = {"role": "assistant", "content": message.content or None}
        if message.tool_calls:
            out["tool_calls"] = [
                {
                    "id": call.id,
                    "type": call.type or "function",
                    "function": {"name": call.name, "arguments": call.arguments or "{}"},
                }
                for call in message.tool_calls
            ]
    elif message.role == "user":
        if not message.content and not message.images:
            return None
        out = {"role": "user", "content": _user_content(message)}
    else:
        out = {"role": message.role, "content": message.content}
    if message.name:
        out["name"] = message.name
    return out


def to_api_messages(
    messages: Sequence[Message], system_prompt: str = ""
) -> list[dict[str, object]]:
    """The ``messages`` array for a branch of a chat.

    The system prompt comes first when it is not blank. User messages with images
    become content parts (text first, then one ``image_url`` part per image); without
    images their content is a plain string. Assistant messages carry their tool calls,
    with ``content`` null when they have none. Skipped: assistant messages that failed,
    are still streaming, or hold nothing; user messages with neither text nor images.
    Reasoning text is never sent back. An answer's tool calls are followed by their
    results; a call left without one gets :data:`core.tools.rounds.NOT_RUN`, and images
    that results returned follow the round as a user message.
    """
    out: list[dict[str, object]] = []
    if system_prompt.strip():
        out.append({"role": "system", "content": system_prompt})
    open_calls: list[ToolCall] = []  # calls of the last answer not answered yet
    images: list[ImagePart] = []  # images the results of the round returned
    for message in messages:
        if message.role == "tool":
            open_calls = [c for c in open_calls if c.id != message.tool_call_id]
            images.extend(message.images)
            out.append(_api_message(message) or {})
            continue
        _close_round(out, open_calls, images)
        open_calls, images = [], []
        api = _api_message(message)
        if api is not None:
            out.append(api)
            if message.role == "assistant":
                open_calls = list(message.tool_calls)
    _close_round(out, open_calls, images)
    return out


def _close_round(
    out: list[dict[str, object]], open_calls: Sequence[ToolCall], images: Sequence[ImagePart]
) -> None:
    """End a round of tool results: a result for every call left unanswered (a request
    with a call and no result is refused), then the images the tools returned, as a user
    message (a ``tool`` message carries text only)."""
    for call in open_calls:
        out.append({"role": "tool", "tool_call_id": call.id, "content": NOT_RUN})
    if images:
        parts: list[dict[str, object]] = [{"type": "text", "text": TOOL_IMAGES_TEXT}]
        for image in images:
            parts.append({"type": "image_url", "image_url": {"url": image.url}})
        out.append({"role": "user", "content": parts})


# --- body -------------------------------------------------------------------------


def _is_on(value: object) -> bool:
    return value is True or (isinstance(value, list) and bool(value))


def _sendable(spec: ParamSpec, value: object, values: Mapping[str, object]) -> bool:
    if value == "" or value == []:
        return False
    return not spec.requires or _is_on(values.get(spec.requires))


def _api_value(spec: ParamSpec, value: object) -> object:
    if spec.name == "response_format":
        return {"type": value}
    if spec.name == "tool_choice" and value not in TOOL_CHOICE_MODES:
        return {"type": "function", "function": {"name": value}}
    return value


def _put(body: dict[str, object], dotted: str, value: object) -> None:
    *parents, leaf = dotted.split(".")
    target = body
    for key in parents:
        child = target.setdefault(key, {})
        assert isinstance(child, dict)
        target = child
    target[leaf] = value


def build_body(
    model: str,
    messages: Sequence[Mapping[str, object]],
    params: Mapping[str, object],
    *,
    stream: bool | None = None,
    rules: Sequence[Rule] | None = None,
) -> BuiltRequest:
    """The request body for ``model``, and what the model rules changed in it.

    Every value is checked with :func:`core.param_validation.validate` (a bad one raises
    :class:`core.params.ParamError`); names that are not request fields are ignored.
    ``stream``, when given, replaces the ``stream`` value of ``params``. Fields that
    are not set, empty text, empty lists, and fields whose ``requires`` is off
    (``stream_options`` without streaming, ``top_logprobs`` without ``logprobs``,
    ``tool_choice`` without tools) are absent. Keys follow ``PARAMS`` order, dotted
    names become nested objects, and the model rules are applied last: ``rules`` when
    given (the table's rows for ``model`` with an endpoint's learned ones), else the
    table's.
    """
    values = {
        name: validate(name, value) for name, value in params.items() if name in PARAM_BY_NAME
    }
    if stream is not None:
        values["stream"] = stream
    body: dict[str, object] = {"model": model, "messages": list(messages)}
    for spec in PARAMS:
        if spec.name in values and _sendable(spec, values[spec.name], values):
            _put(body, spec.name, _api_value(spec, values[spec.name]))
    sent, adjustments = apply_rules(model, body, rules=rules)
    return BuiltRequest(body=sent, adjustments=adjustments)


# --- preview and curl -------------------------------------------------------------


def _key_order() -> list[str]:
    order = ["model", "messages"]
    renames = {old: new for rule in RULES for old, new in rule.rename}
    for spec in PARAMS:
        for key in (spec.top_level, renames.get(spec.top_level)):
            if key is not None and key not in order:
                order.append(key)
    return order


KEY_ORDER: tuple[str, ...] = tuple(_key_order())


def _ordered(body: Mapping[str, object]) -> dict[str, object]:
    known = [key for key in KEY_ORDER if key in body]
    rest = sorted(key for key in body if key not in KEY_ORDER)
    return {key: body[key] for key in (*known, *rest)}


def _size_text(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1024 * 1024:
        return f"{round(n_bytes / 1024)} KB"
    return f"{n_bytes / (1024 * 1024):.1f} MB"


def shorten_data_url(text: str) -> str:
    """``data:image/png;base64,iVBOR…(34 KB)`` for long base64 data URLs; else ``text``."""
    head, sep, payload = text.partition(";base64,")
    if not text.startswith("data:") or not sep or len(payload) <= PREVIEW_DATA_URL_MIN:
        return text
    n_bytes = len(payload.rstrip("=")) * 3 // 4
    return f"{head}{sep}{payload[:5]}…({_size_text(n_bytes)})"


def _shortened(value: object) -> object:
    if isinstance(value, str):
        return shorten_data_url(value)
    if isinstance(value, Mapping):
        return {key: _shortened(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shortened(item) for item in value]
    return value


def preview_json(body: Mapping[str, object]) -> str:
    """The body as pretty JSON for reading: model, messages, then fields in ``PARAMS``
    order; long base64 data URLs shortened (the preview only, never the sent body)."""
    return json.dumps(_shortened(_ordered(body)), indent=2, ensure_ascii=False)


def _shown_header(name: str, value: str, api_key: str) -> str:
    if name.lower() == "authorization" and api_key and value == f"Bearer {api_key}":
        return f"Bearer {mask_key(api_key)}"
    if any(word in name.lower() for word in _SECRET_HEADER_WORDS):
        return mask_key(value)
    return value


def curl_command(
    endpoint: Endpoint, body: Mapping[str, object], *, reveal_key: bool = False
) -> str:
    """A copy-pasteable multi-line curl command that sends ``body`` to ``endpoint``.

    The key (and any header whose name suggests a secret) is masked unless
    ``reveal_key``; ``--no-buffer`` is added when streaming. Every argument is quoted
    for POSIX shells, so keys and bodies holding quotes survive.
    """
    lines = [f"curl {shlex.quote(endpoint.chat_url)}"]
    for name, value in endpoint.request_headers().items():
        shown = value if reveal_key else _shown_header(name, value, endpoint.api_key)
        lines.append(f"-H {shlex.quote(f'{name}: {shown}')}")
    if body.get("stream") is True:
        lines.append("--no-buffer")
    text = json.dumps(_ordered(body), indent=2, ensure_ascii=False)
    lines.append(f"-d {shlex.quote(text)}")
    return " \\\n  ".join(lines)
