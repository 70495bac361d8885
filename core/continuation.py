"""Whether an endpoint continues a trailing assistant message, found out by a probe.

Branching from a token sends the conversation with the answer's text up to that token
as a last ``assistant`` message and needs the server to go on writing *that* message
(llama.cpp's server does; so do Anthropic-style "prefill" APIs). Many servers instead
start a new answer after it, or refuse a conversation that ends with the assistant:
sending there would silently mean something else. :func:`probe_body` is a cheap request
(a few tokens, greedy) that tells the cases apart and :func:`judge` reads its answer;
the verdict is remembered per endpoint and model (:func:`probe_key`, kept in the
settings as :class:`ContinuationCheck`).

The probe asks the model to repeat a pangram and sends the start of it, cut inside a
word, as the assistant's text. A server that continues answers with the rest of that
word ("ps over…"); one that answers afresh starts a word or the sentence anew.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

import msgspec

from core.request import build_body

if TYPE_CHECKING:
    from core.api.client import ChatClient
    from core.endpoint import Endpoint

Verdict = Literal["continues", "restarts", "refuses", "unclear"]

PROBE_TEXT = "The quick brown fox jumps over the lazy dog."
PROBE_PREFIX = "The quick brown fox jum"
_REST = PROBE_TEXT[len(PROBE_PREFIX) :].lower()  # "ps over the lazy dog."
PROBE_MAX_TOKENS = 8

SENTENCES: dict[Verdict, str] = {
    "continues": "continues a trailing assistant message, so answers can branch from a token",
    "restarts": (
        "starts a new answer after a trailing assistant message instead of continuing it, "
        "so a branch from a token would not continue the text"
    ),
    "refuses": "refuses a conversation that ends with an assistant message",
    "unclear": "gave an answer that did not show whether it continues an assistant message",
}


class ContinuationCheck(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A remembered probe: what the endpoint did with a trailing assistant message."""

    verdict: Verdict
    checked_at: float = 0.0
    detail: str = ""  # what the server answered, or its error


def probe_key(base_url: str, model: str) -> str:
    """The settings key of an endpoint and model: ``"http://host/v1 · model"``."""
    return f"{base_url.rstrip('/')} · {model}"


def probe_body(model: str) -> dict[str, object]:
    """The probe request for ``model`` (shaped by the model's rules, not streamed)."""
    messages: list[dict[str, object]] = [
        {"role": "user", "content": f"Repeat exactly, and nothing else: {PROBE_TEXT}"},
        {"role": "assistant", "content": PROBE_PREFIX},
    ]
    built = build_body(model, messages, {"max_tokens": PROBE_MAX_TOKENS, "temperature": 0.0})
    body = dict(built.body)
    body["stream"] = False
    body.pop("stream_options", None)
    return body


def judge(text: str) -> Verdict:
    """What the answer ``text`` to :func:`probe_body` shows: the rest of the cut word
    ("ps…") is a continuation; the pangram's words without it are a new answer."""
    said = text.strip().lower()
    if said.startswith(_REST[:2]):
        return "continues"
    if any(word in said for word in ("quick", "fox", "jumps", "lazy", "dog")):
        return "restarts"
    return "unclear"


def check(verdict: Verdict, detail: str = "", when: float | None = None) -> ContinuationCheck:
    return ContinuationCheck(
        verdict=verdict, checked_at=time.time() if when is None else when, detail=detail[:200]
    )


def sentence(check: ContinuationCheck, where: str) -> str:
    """``"<where> continues a trailing assistant message…"`` for a person."""
    text = f"{where} {SENTENCES[check.verdict]}"
    if check.detail and check.verdict != "continues":
        text += f" (it answered: {check.detail})"
    return text + "."


async def probe(client: ChatClient, endpoint: Endpoint, model: str) -> ContinuationCheck:
    """Send the probe for ``model`` and judge the answer. A 400 or 422 (the server
    refuses such a conversation) is the verdict "refuses"; any other failure raises its
    :class:`core.api.errors.APIError`, as it says nothing about continuing."""
    from core.api.accumulator import StreamAccumulator
    from core.api.errors import BadRequestError

    try:
        completion = await client.complete(endpoint, probe_body(model), StreamAccumulator())
    except BadRequestError as exc:
        return check("refuses", exc.detail or exc.message)
    choice = completion.choices[0] if completion.choices else None
    text = choice.content if choice is not None else ""
    return check(judge(text), text.strip())
