"""Scripted replies of the fake gateway, and builders of the chunks they carry."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

MODEL = "gateway-model"
CREATED = 1_700_000_000

Kind = Literal["body", "stream", "echo", "hang", "drop"]


@dataclass(frozen=True)
class Pause:
    """In a ``Reply.stream`` list: wait this long before the next event (``math.inf``: forever)."""

    seconds: float


@dataclass(frozen=True)
class Reply:
    """One scripted answer; build it with the class methods, not the constructor."""

    kind: Kind
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = ""
    body: bytes = b""
    chunked: bool = False
    events: tuple[bytes | Pause, ...] = ()
    delay: float | None = None  # seconds before every event after the first
    cut_after: int | None = None  # events sent before the socket is closed mid-body
    done: bool = True  # end a stream with ``data: [DONE]``
    head_delay: float = 0.0  # seconds before the status line

    # --- whole bodies -----------------------------------------------------------

    @classmethod
    def json(
        cls, body: Any, status: int = 200, *, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """A JSON body (``application/json``)."""
        return cls(
            "body",
            status=status,
            headers=dict(headers or {}),
            content_type="application/json",
            body=json.dumps(body).encode(),
        )

    @classmethod
    def error(
        cls,
        status: int,
        body: Any = "",
        *,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """An error status; ``body`` a dict/list (sent as JSON), text or bytes.

        ``Reply.error(429, error_body("Slow down"), headers={"Retry-After": "2"})``
        """
        if isinstance(body, dict | list):
            data, kind = json.dumps(body).encode(), "application/json"
        elif isinstance(body, bytes):
            data, kind = body, "text/plain"
        else:
            data, kind = str(body).encode(), "text/plain; charset=utf-8"
        return cls(
            "body",
            status=status,
            headers=dict(headers or {}),
            content_type=content_type if content_type is not None else kind,
            body=data,
        )

    @classmethod
    def html(cls, status: int, page: str, *, headers: Mapping[str, str] | None = None) -> Reply:
        """An HTML page, as proxies and login walls send."""
        return cls.error(status, page, headers=headers, content_type="text/html; charset=utf-8")

    @classmethod
    def raw(
        cls,
        data: bytes,
        *,
        status: int = 200,
        content_type: str = "text/event-stream",
        headers: Mapping[str, str] | None = None,
        chunked: bool = False,
    ) -> Reply:
        """These exact body bytes (malformed streams, wrong types, huge events).

        ``chunked``: send with ``Transfer-Encoding: chunked`` instead of a length.
        """
        return cls(
            "body",
            status=status,
            headers=dict(headers or {}),
            content_type=content_type,
            body=data,
            chunked=chunked,
        )

    # --- streams ----------------------------------------------------------------

    @classmethod
    def stream(
        cls,
        chunks: Iterable[Mapping[str, Any] | str | bytes | Pause],
        *,
        delay: float = 0.0,
        cut_after: int | None = None,
        done: bool = True,
        headers: Mapping[str, str] | None = None,
        content_type: str = "text/event-stream",
    ) -> Reply:
        """An event stream: a dict becomes ``data: <json>``; text/bytes are sent as they
        are (a whole event with its blank line, a comment, ``event: error``...).

        ``delay``: seconds between events. ``cut_after=N``: close the connection after
        N events without ending the chunked body. ``done``: end with ``[DONE]``.
        """
        events: list[bytes | Pause] = []
        for item in chunks:
            if isinstance(item, Pause | bytes):
                events.append(item)
            elif isinstance(item, str):
                events.append(item.encode())
            else:
                events.append(b"data: " + json.dumps(item).encode() + b"\n\n")
        return cls(
            "stream",
            headers=dict(headers or {}),
            content_type=content_type,
            events=tuple(events),
            delay=delay,
            cut_after=cut_after,
            done=done,
        )

    @classmethod
    def echo(cls, *, delay: float | None = None, cut_after: int | None = None) -> Reply:
        """The default answer (see ``answers``), with a delay between chunks or a cut."""
        return cls("echo", delay=delay, cut_after=cut_after)

    # --- no answer --------------------------------------------------------------

    @classmethod
    def slow_headers(cls, delay: float, then: Reply | None = None) -> Reply:
        """Wait ``delay`` seconds before answering as ``then`` (default: the echo answer)."""
        base = then if then is not None else cls.echo()
        return replace(base, head_delay=delay)

    @classmethod
    def hang(cls) -> Reply:
        """Never answer (until the client goes away or the gateway is reset)."""
        return cls("hang")

    @classmethod
    def drop(cls) -> Reply:
        """Close the connection without sending anything."""
        return cls("drop")


# --- chunk builders --------------------------------------------------------------


def chunk(
    delta: Mapping[str, Any] | None = None,
    *,
    finish_reason: str | None = None,
    index: int = 0,
    model: str = MODEL,
    id: str = "chatcmpl-gateway",
    **extra: Any,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` with a single choice."""
    choice = {
        "index": index,
        "delta": dict(delta or {}),
        "logprobs": None,
        "finish_reason": finish_reason,
    }
    return {
        "id": id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "system_fingerprint": "fp_gateway",
        "choices": [choice],
        **extra,
    }


def words(text: str) -> list[str]:
    """``text`` in word pieces that join back to it: ``["Hello", " big", " world"]``."""
    return re.findall(r"\s*\S+|\s+", text) or [text]


def text_chunks(
    text: str | Iterable[str],
    *,
    finish_reason: str | None = "stop",
    index: int = 0,
    model: str = MODEL,
    role: bool = True,
) -> list[dict[str, Any]]:
    """A role chunk, one chunk per piece of ``text`` (words when a string), a finish chunk."""
    pieces = words(text) if isinstance(text, str) else list(text)
    out = [chunk({"role": "assistant", "content": ""}, index=index, model=model)] if role else []
    out += [chunk({"content": p}, index=index, model=model) for p in pieces]
    if finish_reason is not None:
        out.append(chunk({}, finish_reason=finish_reason, index=index, model=model))
    return out


def usage_chunk(prompt: int = 5, completion: int = 7, *, model: str = MODEL) -> dict[str, Any]:
    """The last chunk of ``stream_options.include_usage``: empty choices and usage."""
    return {
        "id": "chatcmpl-gateway",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": [],
        "usage": usage(prompt, completion),
    }


def usage(prompt: int, completion: int, reasoning: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if reasoning:
        out["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return out


def error_body(
    message: str, *, type: str = "invalid_request_error", code: str | int | None = None
) -> dict[str, Any]:
    """The OpenAI error shape ``{"error": {"message", "type", "param", "code"}}``."""
    return {"error": {"message": message, "type": type, "param": None, "code": code}}


def error_chunk(
    message: str, *, type: str = "server_error", code: str | int | None = None
) -> dict[str, Any]:
    """A stream chunk that carries an error object instead of choices."""
    return error_body(message, type=type, code=code)


def completion(
    text: str,
    *,
    model: str = MODEL,
    finish_reason: str = "stop",
    reasoning: str = "",
    prompt_tokens: int = 5,
) -> dict[str, Any]:
    """A whole non-streamed ``chat.completion`` with one choice."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if reasoning:
        message["reasoning_content"] = reasoning
    return {
        "id": "chatcmpl-gateway",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "system_fingerprint": "fp_gateway",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": usage(prompt_tokens, len(words(text))),
    }


FOREVER = Pause(math.inf)
