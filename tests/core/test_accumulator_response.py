"""The accumulator fed a whole non-streamed ``chat.completion`` body (``set_response``)."""

from __future__ import annotations

from typing import Any

import pytest

from core.api.accumulator import StreamAccumulator
from tests.core.accumulator_support import FakeClock, chunks_of, streamed, without_timing


def _body_like_stream(name: str) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` body equivalent to a recorded stream."""
    if name == "openai_usage.txt":
        message = {
            "role": "assistant",
            "content": "Bonjour ! Voilà un café très chaud ☕ — 日本語 も OK 🙂👍.",
            "refusal": None,
        }
        choices = [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}]
        usage = chunks_of(name)[-1]["usage"]
        extra = {"system_fingerprint": "fp_06737a9306"}
        head = ("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", 1741569952, "gpt-4o-mini-2024-07-18")
    elif name == "tool_calls.txt":
        weather = {"name": "get_weather", "arguments": '{"city": "Zürich"}'}
        time = {"name": "get_time", "arguments": '{"tz": "Europe/Zurich"}'}
        calls = [
            {"id": "call_Wx1", "type": "function", "function": weather},
            {"id": "call_Tz2", "type": "function", "function": time},
        ]
        message = {"role": "assistant", "content": None, "tool_calls": calls}
        choices = [{"index": 0, "message": message, "finish_reason": "tool_calls"}]
        usage = None
        extra = {"system_fingerprint": "fp_b3f1157249"}
        head = ("chatcmpl-tool42", 1741570100, "gpt-4.1-2025-04-14")
    else:
        choices = [
            {"index": 1, "message": {"content": "Red apple"}, "finish_reason": "stop"},
            {"index": 0, "message": {"content": "Blue sky above"}, "finish_reason": "length"},
        ]
        usage = {"prompt_tokens": 7, "total_tokens": 13, "completion_tokens": 6}
        extra = {}
        head = ("cmpl-7f1c0a", 1741570200, "Qwen/Qwen2.5-7B-Instruct")
    return dict(id=head[0], created=head[1], model=head[2], choices=choices, usage=usage, **extra)


@pytest.mark.parametrize("name", ["openai_usage.txt", "tool_calls.txt", "n2_interleaved.txt"])
def test_non_streamed_body_gives_the_same_snapshot(name: str) -> None:
    acc = StreamAccumulator()
    acc.set_response(_body_like_stream(name))
    snap = acc.snapshot()
    assert snap.done
    assert without_timing(snap) == without_timing(streamed(name).snapshot())


def test_non_streamed_reasoning_and_timing() -> None:
    clock = FakeClock(10.0)
    acc = StreamAccumulator(clock=clock)
    clock.t = 10.75
    message = {"content": "4", "reasoning_content": "2+2"}
    acc.set_response({"choices": [{"message": message, "finish_reason": "stop"}]})
    snap = acc.snapshot()
    assert (snap.choices[0].content, snap.choices[0].reasoning) == ("4", "2+2")
    assert snap.ttft_s == snap.total_s == 0.75
    assert snap.tokens_per_s is None
    assert acc.version == 1


def test_non_streamed_error_body() -> None:
    acc = StreamAccumulator()
    acc.set_response({"error": {"message": "bad model", "code": 404}})
    assert acc.error_payload == {"error": {"message": "bad model", "code": 404}}
    assert acc.snapshot().choices == [] and acc.snapshot().ttft_s is None
