"""How fast a streamed chat completion is parsed: Chorus against openai-python and a floor.

Builds a recorded OpenAI-shaped stream of 20,000 chunks and serves the same bytes
through an in-memory httpx transport in two ways:

- one event per read: each SSE event is its own piece, as a server sending tokens
  as they are generated delivers them (one network read per token);
- batched reads: pieces of 4 to 16 KB (20 to 80 events each), as when the client
  falls behind or the server flushes in bulk.

In each mode it measures:

1. Chorus: httpx streaming -> ChatStreamDecoder.feed -> StreamAccumulator.add_many.
2. openai-python: ``AsyncOpenAI(...).chat.completions.create(stream=True)``.
3. A floor: no HTTP, no SSE rules, no accumulation. One event per read: every piece
   split on ``\\n\\n`` and ``orjson.loads`` of its event. Batched: the whole body in
   memory split on ``\\n\\n``, ``orjson.loads`` per event.

Every figure is measured in ``RUNS`` rounds (each round the best of several timings,
Chorus and the floor alternating) and reported at its worst: each rate and each
ratio is the lowest of its rounds. Times are the process's CPU time.

Run: ``.venv/bin/python bench/stream_parse.py``. The last line printed is one JSON
object with the rates and ratios: the unprefixed keys are the batched mode's,
``per_event_*`` the one-event-per-read mode's.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.endpoint import Endpoint

CHUNKS = 20_000
BASE_URL = "http://127.0.0.1:9/v1"
URL = BASE_URL + "/chat/completions"
MODEL = "gpt-4o-mini-2024-07-18"
REPEATS = 15
OPENAI_REPEATS = 1
RUNS = 3
# CPU time of this process: the work measured is CPU-bound in one thread, so other
# processes busy on the shared machine do not count in it (wall-clock figures of
# identical runs differed up to 2.7x there).
clock = time.process_time

WORDS = (
    " the", " model", " answers", ",", " and", " it", " streams", " tokens", " one",
    " by", " one", ".", " Über", " naïve", " café", " 日本語", " テキスト", " 🙂",
    "\n\n", " `code`", " **bold**", " a", " well-known", " fact", ":", " 42",
)  # fmt: skip


def build_stream(n: int = CHUNKS, seed: int = 7) -> bytes:
    """A recorded stream of ``n`` chunks: role, content..., stop, usage, then [DONE]."""
    rng = random.Random(seed)
    head = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": MODEL,
        "system_fingerprint": "fp_06737a9306",
    }

    def chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
        body = {
            **head,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return b"data: " + orjson.dumps(body) + b"\n\n"

    events = [chunk({"role": "assistant", "content": "", "refusal": None})]
    for _ in range(n - 3):
        words = rng.choice(WORDS) + (rng.choice(WORDS) if rng.random() < 0.3 else "")
        events.append(chunk({"content": words}))
    events.append(chunk({}, "stop"))
    usage = {
        **head,
        "choices": [],
        "usage": {
            "prompt_tokens": 31,
            "completion_tokens": n - 2,
            "total_tokens": n + 29,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
    }
    events.append(b"data: " + orjson.dumps(usage) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def split_pieces(body: bytes, seed: int = 11) -> list[bytes]:
    """The body cut into network-sized pieces of 4 to 16 KB."""
    rng = random.Random(seed)
    pieces = []
    pos = 0
    while pos < len(body):
        size = rng.randint(4096, 16384)
        pieces.append(body[pos : pos + size])
        pos += size
    return pieces


def split_events(body: bytes) -> list[bytes]:
    """The body cut after every event: one piece per event, its blank line included."""
    return [event + b"\n\n" for event in body.split(b"\n\n")[:-1]]


def make_transport(pieces: list[bytes]) -> httpx.MockTransport:
    """An in-memory transport answering every request with the recorded stream."""

    async def body() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream; charset=utf-8"},
            content=body(),
        )

    return httpx.MockTransport(handler)


REQUEST = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "Tell me a long story."}],
    "stream": True,
    "stream_options": {"include_usage": True},
}


async def consume_chorus(
    client: httpx.AsyncClient, url: str, *, sink: list[str] | None = None
) -> int:
    """Stream one answer through Chorus's own client; return the number of chunks taken.

    ``sink``, when given, receives the final text of choice 0.
    """
    chat = ChatClient(client)
    acc = StreamAccumulator()
    await chat.complete(Endpoint(BASE_URL), dict(REQUEST), acc)
    snapshot = acc.snapshot()
    if sink is not None:
        sink.append(snapshot.choices[0].content if snapshot.choices else "")
    return snapshot.chunks


async def consume_openai(client: openai.AsyncOpenAI, *, sink: list[str] | None = None) -> int:
    """Stream one answer with openai-python; return the number of chunks taken."""
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Tell me a long story."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts: list[str] = []
    count = 0
    async for chunk in stream:
        count += 1
        if chunk.choices:
            content = chunk.choices[0].delta.content
            if content:
                parts.append(content)
    if sink is not None:
        sink.append("".join(parts))
    return count


def floor(body: bytes) -> int:
    """Split on blank lines and decode each data payload: no SSE rules, no accumulation."""
    count = 0
    loads = orjson.loads
    for event in body.split(b"\n\n"):
        if event.startswith(b"data: ") and event != b"data: [DONE]":
            loads(event[6:])
            count += 1
    return count


def floor_per_read(pieces: list[bytes]) -> int:
    """``floor`` applied to each piece on its own, as a reader taking one read at a time."""
    count = 0
    loads = orjson.loads
    for piece in pieces:
        for event in piece.split(b"\n\n"):
            if event.startswith(b"data: ") and event != b"data: [DONE]":
                loads(event[6:])
                count += 1
    return count


@dataclass
class Figures:
    """One mode's rates (chunks/s) and ratios; each the worst of ``RUNS`` rounds."""

    chorus: float
    openai: float
    floor: float
    ratio_vs_floor: float
    ratio_vs_openai: float


async def measure_chorus_and_floor(
    pieces: list[bytes], run_floor: Callable[[], int], sink: list[str]
) -> tuple[float, float]:
    """Chorus's and the floor's rates, each the best of ``REPEATS``, run alternately so
    that a busy machine slows both alike."""
    chorus_s = floor_s = float("inf")
    async with httpx.AsyncClient(transport=make_transport(pieces)) as http:
        await consume_chorus(http, URL, sink=sink)
        for _ in range(REPEATS):
            start = clock()
            chorus_n = await consume_chorus(http, URL)
            chorus_s = min(chorus_s, clock() - start)
            start = clock()
            floor_n = run_floor()
            floor_s = min(floor_s, clock() - start)
    if not (chorus_n == floor_n == CHUNKS):
        raise SystemExit(f"chunk counts differ: Chorus {chorus_n}, floor {floor_n}")
    return CHUNKS / chorus_s, CHUNKS / floor_s


async def measure_openai(pieces: list[bytes], sink: list[str]) -> float:
    """openai-python's rate, the best of ``OPENAI_REPEATS``."""
    oa = openai.AsyncOpenAI(
        base_url=BASE_URL,
        api_key="x",
        http_client=httpx.AsyncClient(transport=make_transport(pieces)),
        max_retries=0,
    )
    best = float("inf")
    async with oa:
        await consume_openai(oa, sink=sink)
        for _ in range(OPENAI_REPEATS):
            start = clock()
            count = await consume_openai(oa)
            best = min(best, clock() - start)
    if count != CHUNKS:
        raise SystemExit(f"openai-python took {count} chunks, not {CHUNKS}")
    return CHUNKS / best


async def measure(pieces: list[bytes], run_floor: Callable[[], int]) -> Figures:
    """Every rate and ratio at its worst over ``RUNS`` rounds."""
    rounds: list[tuple[float, float, float]] = []
    for _ in range(RUNS):
        chorus_text: list[str] = []
        openai_text: list[str] = []
        chorus, floor_rate = await measure_chorus_and_floor(pieces, run_floor, chorus_text)
        openai_rate = await measure_openai(pieces, openai_text)
        if chorus_text != openai_text:
            raise SystemExit("Chorus and openai-python disagree on the final text")
        rounds.append((chorus, openai_rate, floor_rate))
    return Figures(
        chorus=min(r[0] for r in rounds),
        openai=min(r[1] for r in rounds),
        floor=min(r[2] for r in rounds),
        ratio_vs_floor=min(r[0] / r[2] for r in rounds),
        ratio_vs_openai=min(r[0] / r[1] for r in rounds),
    )


def report(name: str, f: Figures) -> None:
    print(f"{name}:")
    print(f"  chorus  {f.chorus:>12,.0f} chunks/s")
    print(f"  openai  {f.openai:>12,.0f} chunks/s")
    print(f"  floor   {f.floor:>12,.0f} chunks/s")
    print(
        f"  chorus is {f.ratio_vs_openai:.1f}x openai-python and {f.ratio_vs_floor:.2f}x the floor"
    )


async def main() -> None:
    body = build_stream()
    events = split_events(body)
    pieces = split_pieces(body)
    assert b"".join(events) == body and len(events) == CHUNKS + 1
    print(
        f"stream: {CHUNKS} chunks, {len(body) / 1e6:.2f} MB, {len(body) / CHUNKS:.0f} B/chunk; "
        f"worst of {RUNS} rounds"
    )
    per_event = await measure(events, lambda: floor_per_read(events))
    report(f"one event per read ({len(events)} reads)", per_event)
    batched = await measure(pieces, lambda: floor(body))
    report(f"batched reads ({len(pieces)} reads of 4-16 KB)", batched)
    result = {
        "chorus_chunks_per_s": round(batched.chorus),
        "openai_chunks_per_s": round(batched.openai),
        "floor_chunks_per_s": round(batched.floor),
        "ratio_vs_openai": round(batched.ratio_vs_openai, 2),
        "ratio_vs_floor": round(batched.ratio_vs_floor, 3),
        "per_event_chorus_chunks_per_s": round(per_event.chorus),
        "per_event_openai_chunks_per_s": round(per_event.openai),
        "per_event_floor_chunks_per_s": round(per_event.floor),
        "per_event_ratio_vs_openai": round(per_event.ratio_vs_openai, 2),
        "per_event_ratio_vs_floor": round(per_event.ratio_vs_floor, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
