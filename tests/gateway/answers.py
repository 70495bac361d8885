"""The gateway's default answer: deterministic, derived from the request.

Choice 0 answers ``Echo: <last user message> This is a test answer.`` (choice ``i``
says ``Echo i+1:``). The request shapes it the way a real server would:

- ``stream``: a role-only chunk per choice, then one chunk per word, choices
  interleaved when ``n`` > 1, then a finish chunk per choice, then ``[DONE]``;
- ``max_tokens`` / ``max_completion_tokens``: at most that many pieces (reasoning
  included), finish reason ``length``; ``stop``: cut before the first stop string;
- ``stream_options.include_usage``: a last chunk with empty choices and usage;
- ``logprobs`` / ``top_logprobs``: made-up but well-formed log probabilities;
- ``response_format`` ``json_object``/``json_schema``: the content is a JSON object;
- ``tools`` with ``tool_choice`` ``"required"`` or a named function: a tool call whose
  arguments ``{"text": <message>}`` arrive in fragments; after a ``tool`` message the
  answer is ``Tool said: <its content>``;
- a model id containing ``reason``: ``reasoning_content`` pieces come first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.gateway.replies import CREATED, usage, words

FILLER = "This is a test answer."


@dataclass
class _Choice:
    index: int
    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    tool_name: str = ""
    tool_args: list[str] = field(default_factory=list)
    finish_reason: str = "stop"

    @property
    def tokens(self) -> int:
        return len(self.reasoning) + len(self.content) + len(self.tool_args)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict)).strip()
    return ""


def _prompt(messages: list[Any]) -> tuple[str, bool]:
    """The last user message's text, and whether a tool result came after it."""
    for message in reversed(messages):
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool":
            return _text_of(message.get("content")), True
        if message.get("role") == "user":
            return _text_of(message.get("content")), False
    return "", False


def _pieces(text: str, size: int) -> list[str]:
    return re.findall(rf".{{1,{size}}}", text, re.S)


def _tool_name(body: dict[str, Any]) -> str:
    """The function the request forces, or ""."""
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return str((choice.get("function") or {}).get("name", ""))
    if choice == "required" and tools:
        return str((tools[0].get("function") or {}).get("name", ""))
    return ""


def _plan(body: dict[str, Any]) -> list[_Choice]:
    prompt, after_tool = _prompt(body.get("messages") or [])
    n = max(1, int(body.get("n") or 1))
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    stops = body.get("stop") or []
    stops = [stops] if isinstance(stops, str) else list(stops)
    as_json = (body.get("response_format") or {}).get("type") in ("json_object", "json_schema")
    reasoning = "reason" in str(body.get("model", "")).lower()
    tool = "" if after_tool else _tool_name(body)
    plans = []
    for i in range(n):
        plan = _Choice(i)
        if reasoning:
            plan.reasoning = words(f"The user wrote {len(prompt.split())} words. I echo them.")
        label = "Echo" if i == 0 else f"Echo {i + 1}"
        if tool:
            plan.tool_name = tool
            plan.tool_args = _pieces(json.dumps({"text": prompt}), 8)
            plan.finish_reason = "tool_calls"
        else:
            if after_tool:
                text = f"Tool said: {prompt}"
            elif as_json:
                text = json.dumps({"echo": prompt, "choice": i + 1})
            else:
                text = f"{label}: {prompt} {FILLER}" if prompt else f"{label}: {FILLER}"
            cut = min((text.find(s) for s in stops if s and s in text), default=-1)
            if cut >= 0:
                text = text[:cut]
            plan.content = _pieces(text, 6) if as_json else words(text) if text else []
        if isinstance(limit, int) and plan.tokens > limit:
            plan.reasoning = plan.reasoning[:limit]
            room = max(0, limit - len(plan.reasoning))
            plan.content = plan.content[:room]
            plan.tool_args = plan.tool_args[: max(0, room - len(plan.content))]
            plan.finish_reason = "length"
        plans.append(plan)
    return plans


def _logprobs(tokens: list[str], top: int, offset: int) -> dict[str, Any]:
    entries = []
    for k, token in enumerate(tokens):
        lp = -round(0.05 * ((offset + k) % 9), 4)
        alts = [{"token": token, "logprob": lp, "bytes": list(token.encode())}]
        alts += [
            {"token": f"{token.strip()}~{j}", "logprob": lp - j, "bytes": None}
            for j in range(1, top)
        ]
        entries.append(
            {
                "token": token,
                "logprob": lp,
                "bytes": list(token.encode()),
                "top_logprobs": alts[:top],
            }
        )
    return {"content": entries}


def _usage(body: dict[str, Any], plans: list[_Choice]) -> dict[str, Any]:
    messages = body.get("messages") or []
    prompt = sum(
        len(_text_of(m.get("content")).split()) + 3 for m in messages if isinstance(m, dict)
    )
    return usage(prompt, sum(p.tokens for p in plans), sum(len(p.reasoning) for p in plans))


def _base(body: dict[str, Any], number: int, obj: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{number}",
        "object": obj,
        "created": CREATED + number,
        "model": str(body.get("model", "")),
        "system_fingerprint": "fp_gateway",
    }


def request_problem(body: Any) -> str:
    """Why a real server would refuse ``body`` with 400, or ""."""
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request."
    if not body.get("model"):
        return "You must provide a model parameter."
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return "'messages' must be a non-empty array."
    return ""


def echo_chunks(body: dict[str, Any], number: int) -> list[dict[str, Any]]:
    """The streamed default answer to ``body``, as chunk dicts."""
    plans = _plan(body)
    want_logprobs = bool(body.get("logprobs"))
    top = int(body.get("top_logprobs") or 0)
    base = _base(body, number, "chat.completion.chunk")
    out: list[dict[str, Any]] = []

    def emit(index: int, delta: dict[str, Any], **choice: Any) -> None:
        entry = {"index": index, "delta": delta, "logprobs": None, "finish_reason": None}
        out.append({**base, "choices": [{**entry, **choice}]})

    for p in plans:
        emit(p.index, {"role": "assistant", "content": ""})
    for p in plans:
        if p.tool_name:
            call = {"index": 0, "id": f"call_{number}_{p.index}", "type": "function"}
            call["function"] = {"name": p.tool_name, "arguments": ""}
            emit(p.index, {"tool_calls": [call]})
    for part in ("reasoning", "content", "tool_args"):
        longest = max(len(getattr(p, part)) for p in plans)
        for k in range(longest):
            for p in plans:
                pieces = getattr(p, part)
                if k >= len(pieces):
                    continue
                if part == "reasoning":
                    emit(p.index, {"reasoning_content": pieces[k]})
                elif part == "tool_args":
                    emit(
                        p.index,
                        {"tool_calls": [{"index": 0, "function": {"arguments": pieces[k]}}]},
                    )
                elif want_logprobs:
                    emit(p.index, {"content": pieces[k]}, logprobs=_logprobs([pieces[k]], top, k))
                else:
                    emit(p.index, {"content": pieces[k]})
    for p in plans:
        emit(p.index, {}, finish_reason=p.finish_reason)
    if (body.get("stream_options") or {}).get("include_usage"):
        out.append({**base, "choices": [], "usage": _usage(body, plans)})
    return out


def echo_completion(body: dict[str, Any], number: int) -> dict[str, Any]:
    """The non-streamed default answer to ``body``."""
    plans = _plan(body)
    top = int(body.get("top_logprobs") or 0)
    choices = []
    for p in plans:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(p.content) or None}
        if p.reasoning:
            message["reasoning_content"] = "".join(p.reasoning)
        if p.tool_name:
            function = {"name": p.tool_name, "arguments": "".join(p.tool_args)}
            message["tool_calls"] = [
                {"id": f"call_{number}_{p.index}", "type": "function", "function": function}
            ]
        logprobs = _logprobs(p.content, top, 0) if body.get("logprobs") else None
        choices.append(
            {
                "index": p.index,
                "message": message,
                "logprobs": logprobs,
                "finish_reason": p.finish_reason,
            }
        )
    return {
        **_base(body, number, "chat.completion"),
        "choices": choices,
        "usage": _usage(body, plans),
    }
