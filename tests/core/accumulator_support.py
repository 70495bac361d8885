"""Helpers shared by the accumulator tests: recorded streams, chunk dicts, a fake clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from core.api.accumulator import StreamAccumulator
from core.api.sse import ChatStreamDecoder
from core.chat import Completion

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sse"


class FakeClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def chunks_of(name: str) -> list[dict[str, Any]]:
    decoder = ChatStreamDecoder()
    out = decoder.feed((FIXTURES / name).read_bytes())
    return out + decoder.close()


def streamed(name: str) -> StreamAccumulator:
    acc = StreamAccumulator()
    acc.add_many(chunks_of(name))
    acc.finish()
    return acc


def chunk(delta: dict[str, Any] | None = None, index: int = 0, **extra: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": index, "delta": delta or {}, "finish_reason": None}
    choice.update({k: v for k, v in extra.items() if k in ("finish_reason", "logprobs")})
    return {"id": "c1", "object": "chat.completion.chunk", "choices": [choice]}


def without_timing(completion: Completion) -> Completion:
    return msgspec.structs.replace(
        completion, chunks=0, ttft_s=None, total_s=None, tokens_per_s=None, estimated_tokens=0
    )
