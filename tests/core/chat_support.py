"""Helpers shared by the client tests: request bodies and an ``on_update`` recorder."""

from __future__ import annotations

from typing import Any

from core.api.accumulator import StreamAccumulator
from core.chat import Completion

ECHO = "Echo: hello world This is a test answer."
ECHO_PREFIXES = [
    "Echo:",
    "Echo: hello",
    "Echo: hello world",
    "Echo: hello world This",
    "Echo: hello world This is",
    "Echo: hello world This is a",
    "Echo: hello world This is a test",
    ECHO,
]


def chat_body(
    text: str = "hello world", *, stream: bool = True, model: str = "gateway-model", **extra: Any
) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": text}],
        "stream": stream,
        **extra,
    }


class Updates:
    """An ``on_update`` callback that keeps a snapshot per call."""

    def __init__(self) -> None:
        self.snapshots: list[Completion] = []

    def __call__(self, acc: StreamAccumulator) -> None:
        self.snapshots.append(acc.snapshot())

    @property
    def contents(self) -> list[str]:
        return [s.choices[0].content if s.choices else "" for s in self.snapshots]
