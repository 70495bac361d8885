"""How fast a streamed chat completion is parsed: Chorus against openai-python and a floor.

Builds a recorded OpenAI-shaped stream of 20,000 chunks, serves the same bytes
through an in-memory httpx transport in network-sized pieces, and measures:

1. Chorus: httpx streaming -> ChatStreamDecoder.feed -> StreamAccumulator.add_many.
2. openai-python: ``AsyncOpenAI(...).chat.completions.create(stream=True)``.
3. A floor: the bytes in memory split on ``\\n\\n``, ``orjson.loads`` per event.

Run: ``.venv/bin/python bench/stream_parse.py``. The last line printed is one JSON
object with the rates and ratios.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
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
REPEATS = 9
OPENAI_REPEATS = 3

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


async def best_async(make: Callable[[], Awaitable[int]], repeats: int) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = await make()
        best = min(best, time.perf_counter() - start)
    return best, count


async def main() -> None:
    body = build_stream()
    pieces = split_pieces(body)
    print(
        f"stream: {CHUNKS} chunks, {len(body) / 1e6:.2f} MB, "
        f"{len(pieces)} pieces of 4-16 KB, {len(body) / CHUNKS:.0f} B/chunk"
    )

    chorus_text: list[str] = []
    openai_text: list[str] = []
    # Chorus and the floor run alternately, so that a busy machine slows both alike.
    chorus_s = floor_s = float("inf")
    chorus_n = floor_n = 0
    async with httpx.AsyncClient(transport=make_transport(pieces)) as http:
        await consume_chorus(http, URL, sink=chorus_text)
        for _ in range(REPEATS):
            start = time.perf_counter()
            chorus_n = await consume_chorus(http, URL)
            chorus_s = min(chorus_s, time.perf_counter() - start)
            start = time.perf_counter()
            floor_n = floor(body)
            floor_s = min(floor_s, time.perf_counter() - start)

    oa = openai.AsyncOpenAI(
        base_url=BASE_URL,
        api_key="x",
        http_client=httpx.AsyncClient(transport=make_transport(pieces)),
        max_retries=0,
    )
    async with oa:
        await consume_openai(oa, sink=openai_text)
        openai_s, openai_n = await best_async(lambda: consume_openai(oa), OPENAI_REPEATS)

    if chorus_text != openai_text:
        raise SystemExit("Chorus and openai-python disagree on the final text")
    if not (chorus_n == openai_n == floor_n == CHUNKS):
        raise SystemExit(f"chunk counts differ: {chorus_n}, {openai_n}, {floor_n}")

    chorus_rate = CHUNKS / chorus_s
    openai_rate = CHUNKS / openai_s
    floor_rate = CHUNKS / floor_s
    print(f"final text identical: {len(chorus_text[0])} characters")
    print(f"chorus  {chorus_s * 1e3:8.1f} ms  {chorus_rate:>12,.0f} chunks/s")
    print(f"openai  {openai_s * 1e3:8.1f} ms  {openai_rate:>12,.0f} chunks/s")
    print(f"floor   {floor_s * 1e3:8.1f} ms  {floor_rate:>12,.0f} chunks/s")
    print(
        f"chorus is {chorus_rate / openai_rate:.1f}x openai-python "
        f"and {chorus_rate / floor_rate:.2f}x the floor"
    )
    result = {
        "chorus_chunks_per_s": round(chorus_rate),
        "openai_chunks_per_s": round(openai_rate),
        "floor_chunks_per_s": round(floor_rate),
        "ratio_vs_openai": round(chorus_rate / openai_rate, 2),
        "ratio_vs_floor": round(chorus_rate / floor_rate, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
