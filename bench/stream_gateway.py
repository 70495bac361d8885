"""The benchmarks' gateway: the suite's fake gateway (``tests.gateway``), paced, and
scripted by the message it is sent.

``python bench/stream_gateway.py --port 8080 --rate 500`` serves what ``python -m
tests.gateway`` serves (any model id, echo answers, sampling, the models list), with
two differences for benchmarks:

- every stream is paced on an absolute schedule: event ``k`` leaves ``k / rate``
  seconds after the first, one SSE event per network write, so a benchmark gets the
  token rate it asked for however long each write and wake-up took (the tests'
  gateway sleeps ``delay`` between events, which runs slower than asked);
- the last user message may carry one directive in double brackets, which replaces
  the echo answer:

  ``[[markdown 40000 seed 7]]``  a Markdown answer of that many characters
      (paragraphs, lists, tables, headings, code; ``bench/sample_text.py``) in tokens
      of 4 characters; the seed is mixed with the model id so compare columns differ;
  ``[[status 429]]``, ``[[status 500]]``  that error (429 with ``Retry-After: 0``);
  ``[[cut 40]]``  the echo answer, its connection closed after 40 events.

The directive may sit anywhere in the message; the rest of the message is ignored.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import sys
import threading
import time
import zlib
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_text import answer

from tests.gateway import server as gateway_server
from tests.gateway.replies import Pause, Reply, chunk, error_body, usage_chunk
from tests.gateway.server import CHAT_PATH, Gateway
from tests.gateway.wire import Recorded, Responder

CHARS_PER_TOKEN = 4
_DIRECTIVE = re.compile(r"\[\[(markdown|status|cut)\s+(\d+)(?:\s+seed\s+(\d+))?\]\]")


class PacedResponder(Responder):
    """Writes stream events on an absolute schedule: ``reply.delay`` seconds apart from
    the first event on, whatever each write took."""

    def stream(self, reply: Reply) -> None:
        self.start(reply, chunked=True)
        events = [*reply.events, *([b"data: [DONE]\n\n"] if reply.done else [])]
        interval = reply.delay or 0.0
        first = 0.0
        sent = 0
        for event in events:
            if isinstance(event, Pause):
                self.pause(event.seconds)
                first = time.monotonic() - sent * interval  # the schedule starts again
                continue
            if reply.cut_after is not None and sent >= reply.cut_after:
                self.handler.close_connection = True  # the chunked body is never ended
                return
            if sent == 0:
                first = time.monotonic()
            elif interval:
                wait = first + sent * interval - time.monotonic()
                if wait > 0:
                    self.pause(wait)
            self.write_chunk(event)
            sent += 1
        self.write(b"0\r\n\r\n")


class BenchGateway(Gateway):
    """The fake gateway answering the directives of the module docstring."""

    def _echo(self, rec: Recorded, reply: Reply) -> Reply:
        body = rec.body
        match = None
        if rec.path == CHAT_PATH and isinstance(body, dict):
            match = _DIRECTIVE.search(_last_user_text(body.get("messages") or []))
        if match is None:
            return super()._echo(rec, reply)
        kind, value = match[1], int(match[2])
        if kind == "status":
            headers = {"Retry-After": "0"} if value == 429 else {}
            return Reply.error(value, error_body(f"Bench error {value}"), headers=headers)
        if kind == "cut":
            return super()._echo(rec, Reply.echo(cut_after=value))
        if not body.get("stream"):
            return Reply.error(400, error_body("The benchmark gateway streams Markdown only."))
        model = str(body.get("model", ""))
        seed = int(match[3] or 1) * 1000 + zlib.crc32(model.encode()) % 1000
        text = answer(value + 200, seed=seed, long_code_every=4)[:value]
        pieces = [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]
        chunks = [chunk({"role": "assistant", "content": ""}, model=model)]
        chunks += [chunk({"content": piece}, model=model) for piece in pieces]
        chunks.append(chunk({}, finish_reason="stop", model=model))
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append(usage_chunk(len(str(body.get("messages"))) // 4, len(pieces)))
        return Reply.stream(chunks, delay=self.delay)


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rate", type=float, default=500.0, help="stream events per second")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    gateway_server.Responder = PacedResponder  # type: ignore[misc]
    gateway = BenchGateway(args.port)
    gateway.delay = 1.0 / args.rate if args.rate > 0 else 0.0
    gateway.accept_any_model = True
    with gateway, contextlib.suppress(KeyboardInterrupt):
        print(f"Benchmark gateway on {gateway.url} at {args.rate:g} events/s", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
