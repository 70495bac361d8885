"""The gateway's default answer: derived from the request, sampled when it asks for it.

Choice 0 answers ``Echo: <last user message>`` (choice ``i`` says ``Echo i+1:``), and
then either the fixed ``This is a test answer.`` or sampled words:

- a request that sends none of ``temperature``, ``top_p`` and ``seed`` gets the fixed
  text, so tests can compare whole answers (``Gateway.sample_by_default`` samples
  these too, at temperature 1);
- a request that sends any of them gets ``SAMPLED_WORDS`` words (``Gateway.sampled_words``)
  drawn by ``sampler``
  with those settings: temperature 0 repeats itself, 1.5 varies from request to
  request, and the same seed with the same settings gives the same words. Each
  choice draws its own words.

The request shapes the answer the way a real server would:

- ``stream``: a role-only chunk per choice, then one chunk per word, choices
  interleaved when ``n`` > 1, then a finish chunk per choice, then ``[DONE]``;
- ``max_tokens`` / ``max_completion_tokens``: at most that many pieces (reasoning
  included), finish reason ``length``; ``stop``: cut before the first stop string;
- ``stream_options.include_usage``: a last chunk with empty choices and usage;
- ``logprobs`` / ``top_logprobs``: a sampled token carries the probabilities it was
  drawn from (see ``sampler``); the echoed and fixed words carry made-up but
  well-formed ones (the token, then ``<token>~1``, ``<token>~2``...);
- ``response_format`` ``json_object``/``json_schema``: the content is a JSON object;
- ``tools`` with ``tool_choice`` ``"required"`` or a named function: a tool call whose
  arguments ``{"text": <message>}`` arrive in fragments; after a ``tool`` message the
  answer is ``Tool said: <its content>``;
- a model id containing ``reason``: ``reasoning_content`` pieces come first;
- a conversation ending with an ``assistant`` message (``prefill="continue"``, as
  llama.cpp's server does): the answer continues that message. When the question
  holds the message's last characters (the model was asked to repeat a text), it goes
  on with the question's text after them; a sampled request gets sampled words after
  the message's last word; otherwise the rest of the default answer when the message
  starts it, else the fixed text. ``prefill="restart"`` (as OpenAI does) answers the
  question afresh; the refusal is the server's (``Gateway.assistant_prefill``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.gateway.judge import judge_reply
from tests.gateway.replies import CREATED, usage, words
from tests.gateway.sampler import SAMPLED_WORDS, Sampled, Sampling, sample, sampling_of

FILLER = "This is a test answer."


@dataclass
class _Choice:
    index: int
    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    sampled: list[Sampled | None] = field(default_factory=list)  # per content piece
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


def trailing_assistant(messages: list[Any]) -> str:
    """The text of a last message from the assistant, or ""."""
    last = messages[-1] if messages else None
    if isinstance(last, dict) and last.get("role") == "assistant":
        return _text_of(last.get("content"))
    return ""


def _repeated_rest(prefix: str, prompt: str) -> str | None:
    """What follows the longest tail (4 to 24 characters) of ``prefix`` in ``prompt``."""
    for size in range(min(24, len(prefix)), 3, -1):
        found = prompt.find(prefix[-size:])
        if found >= 0:
            return prompt[found + size :]
    return None


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


_Piece = tuple[str, Sampled | None]  # a piece of content, and how it was drawn


def _cut(pieces: list[_Piece], stops: list[str]) -> list[_Piece]:
    """``pieces`` up to the first stop string; a piece cut short is no longer sampled."""
    text = "".join(piece for piece, _ in pieces)
    cut = min((text.find(s) for s in stops if s and s in text), default=-1)
    if cut < 0:
        return pieces
    kept: list[_Piece] = []
    length = 0
    for piece, drawn in pieces:
        if length + len(piece) > cut:
            rest = piece[: cut - length]
            return [*kept, (rest, None)] if rest else kept
        kept.append((piece, drawn))
        length += len(piece)
    return kept


def _content(plan: _Choice, text: str, stops: list[str], drawn: list[Sampled]) -> None:
    """The words of ``text`` and then the ``drawn`` tokens, cut at a stop string."""
    pieces: list[_Piece] = [(word, None) for word in words(text)] if text else []
    kept = _cut([*pieces, *((d.token, d) for d in drawn)], stops)
    plan.content = [piece for piece, _ in kept]
    plan.sampled = [d for _, d in kept]


def _continued(
    plan: _Choice,
    prefix: str,
    prompt: str,
    label: str,
    sampling: Sampling | None,
    rng: Any,
    stops: list[str],
) -> None:
    """The plan of an answer that continues the assistant's ``prefix``."""
    rest = _repeated_rest(prefix, prompt)
    if rest is not None:
        _content(plan, rest, stops, [])
        return
    if sampling is not None:
        last = prefix.split()[-1] if prefix.split() else label
        _content(plan, "", stops, sample(last, sampling, rng, sampling.words))
        return
    echo = f"{label}: {prompt} {FILLER}" if prompt else f"{label}: {FILLER}"
    _content(plan, echo[len(prefix) :] if echo.startswith(prefix) else f" {FILLER}", stops, [])


def _plan(
    body: dict[str, Any], sampling: Sampling | None, *, prefill: bool = True
) -> list[_Choice]:
    prompt, after_tool = _prompt(body.get("messages") or [])
    prefix = trailing_assistant(body.get("messages") or []) if prefill else ""
    n = max(1, int(body.get("n") or 1))
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    stops = body.get("stop") or []
    stops = [stops] if isinstance(stops, str) else list(stops)
    as_json = (body.get("response_format") or {}).get("type") in ("json_object", "json_schema")
    reasoning = "reason" in str(body.get("model", "")).lower()
    tool = "" if after_tool else _tool_name(body)
    rng = (sampling or Sampling()).rng()  # one for all the choices
    plans = []
    for i in range(n):
        plan = _Choice(i)
        if reasoning:
            plan.reasoning = words(f"The user wrote {len(prompt.split())} words. I echo them.")
        label = "Echo" if i == 0 else f"Echo {i + 1}"
        verdict = judge_reply(str(body.get("model", "")), prompt)
        if verdict is not None:
            _content(plan, verdict, stops, [])
        elif tool:
            plan.tool_name = tool
            plan.tool_args = _pieces(json.dumps({"text": prompt}), 8)
            plan.finish_reason = "tool_calls"
        elif as_json:
            text = json.dumps({"echo": prompt, "choice": i + 1})
            plan.content = _pieces("".join(p for p, _ in _cut([(text, None)], stops)), 6)
            plan.sampled = [None] * len(plan.content)
        elif prefix and not after_tool:
            _continued(plan, prefix, prompt, label, sampling, rng, stops)
        elif after_tool:
            _content(plan, f"Tool said: {prompt}", stops, [])
        elif sampling is not None:
            echo = f"{label}: {prompt}" if prompt else f"{label}:"
            _content(plan, echo, stops, sample(echo.split()[-1], sampling, rng, sampling.words))
        else:
            echo = f"{label}: {prompt} {FILLER}" if prompt else f"{label}: {FILLER}"
            _content(plan, echo, stops, [])
        if isinstance(limit, int) and plan.tokens > limit:
            plan.reasoning = plan.reasoning[:limit]
            room = max(0, limit - len(plan.reasoning))
            plan.content = plan.content[:room]
            plan.sampled = plan.sampled[:room]
            plan.tool_args = plan.tool_args[: max(0, room - len(plan.content))]
            plan.finish_reason = "length"
        plans.append(plan)
    return plans


def _logprobs(
    tokens: list[str], drawn: list[Sampled | None], top: int, offset: int
) -> dict[str, Any]:
    entries = []
    for k, (token, sampled) in enumerate(zip(tokens, drawn, strict=True)):
        if sampled is not None:
            lp = sampled.logprob
            alts = [
                {"token": t, "logprob": p, "bytes": list(t.encode())}
                for t, p in sampled.candidates[:top]
            ]
        else:
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


def _sampling(
    body: dict[str, Any], by_default: bool, honour_seed: bool, words: int
) -> Sampling | None:
    sampling = sampling_of(body, by_default=by_default)
    if sampling is None:
        return None
    return Sampling(
        sampling.temperature, sampling.top_p, sampling.seed if honour_seed else None, words
    )


def echo_chunks(
    body: dict[str, Any],
    number: int,
    *,
    sample_by_default: bool = False,
    prefill: bool = True,
    honour_seed: bool = True,
    words: int = SAMPLED_WORDS,
) -> list[dict[str, Any]]:
    """The streamed default answer to ``body``, as chunk dicts."""
    sampling = _sampling(body, sample_by_default, honour_seed, words)
    plans = _plan(body, sampling, prefill=prefill)
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
                    logprobs = _logprobs([pieces[k]], [p.sampled[k]], top, k)
                    emit(p.index, {"content": pieces[k]}, logprobs=logprobs)
                else:
                    emit(p.index, {"content": pieces[k]})
    for p in plans:
        emit(p.index, {}, finish_reason=p.finish_reason)
    if (body.get("stream_options") or {}).get("include_usage"):
        out.append({**base, "choices": [], "usage": _usage(body, plans)})
    return out


def echo_completion(
    body: dict[str, Any],
    number: int,
    *,
    sample_by_default: bool = False,
    prefill: bool = True,
    honour_seed: bool = True,
    words: int = SAMPLED_WORDS,
) -> dict[str, Any]:
    """The non-streamed default answer to ``body``."""
    sampling = _sampling(body, sample_by_default, honour_seed, words)
    plans = _plan(body, sampling, prefill=prefill)
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
        logprobs = _logprobs(p.content, p.sampled, top, 0) if body.get("logprobs") else None
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
