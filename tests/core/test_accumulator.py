"""The chunk accumulator: text, reasoning, tool calls, choices, usage, errors, timing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.api.accumulator import StreamAccumulator
from core.api.sse import ChatStreamDecoder
from core.chat import Completion, TokenLogprob, ToolCall, TopLogprob, Usage

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


# --- recorded streams -------------------------------------------------------------


def test_content_usage_and_metadata() -> None:
    snap = streamed("openai_usage.txt").snapshot()
    assert snap.id == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
    assert snap.model == "gpt-4o-mini-2024-07-18"
    assert snap.created == 1741569952
    assert snap.system_fingerprint == "fp_06737a9306"
    assert len(snap.choices) == 1
    choice = snap.choices[0]
    assert choice.content == "Bonjour ! Voilà un café très chaud ☕ — 日本語 も OK 🙂👍."
    assert choice.finish_reason == "stop"
    assert choice.reasoning == "" and choice.tool_calls == [] and choice.refusal == ""
    assert snap.usage == Usage(
        prompt_tokens=12, completion_tokens=13, total_tokens=25, reasoning_tokens=0, cached_tokens=4
    )
    assert snap.chunks == 14
    assert snap.estimated_tokens == 11
    assert snap.done


def test_reasoning_field_and_usage_on_a_chunk_with_choices() -> None:
    acc = streamed("openrouter_reasoning.txt")
    assert acc.reasoning() == "The user asks for 2+2. That is 4."
    assert acc.content() == "2 + 2 = **4**"
    snap = acc.snapshot()
    assert snap.id == "gen-1741570000-Xq3mZk9pLr"
    assert snap.system_fingerprint == ""
    assert snap.choices[0].finish_reason == "stop"
    assert snap.usage == Usage(
        prompt_tokens=9, completion_tokens=20, total_tokens=29, reasoning_tokens=14
    )
    assert snap.estimated_tokens == 4


def test_two_interleaved_tool_calls() -> None:
    snap = streamed("tool_calls.txt").snapshot()
    choice = snap.choices[0]
    assert choice.content == ""
    assert choice.finish_reason == "tool_calls"
    assert choice.tool_calls == [
        ToolCall(index=0, id="call_Wx1", name="get_weather", arguments='{"city": "Zürich"}'),
        ToolCall(index=1, id="call_Tz2", name="get_time", arguments='{"tz": "Europe/Zurich"}'),
    ]


def test_two_interleaved_choices() -> None:
    acc = streamed("n2_interleaved.txt")
    snap = acc.snapshot()
    assert [c.index for c in snap.choices] == [0, 1]
    assert [c.content for c in snap.choices] == ["Blue sky above", "Red apple"]
    assert [c.finish_reason for c in snap.choices] == ["length", "stop"]
    assert acc.content(1) == "Red apple"
    assert acc.content(5) == "" and acc.reasoning(5) == ""
    assert snap.usage == Usage(prompt_tokens=7, completion_tokens=6, total_tokens=13)


def test_error_event_stops_accumulation() -> None:
    acc = StreamAccumulator()
    acc.add_many(chunks_of("gateway_error.txt"))
    assert acc.content() == "Hallo"
    assert acc.error_payload == {
        "error": {"message": "Upstream timed out", "type": "upstream_error", "code": 504}
    }
    version = acc.version
    acc.add(chunk({"content": " more"}))
    acc.add_many([chunk({"content": " more"})])
    assert acc.content() == "Hallo"
    assert acc.version == version
    assert acc.snapshot().chunks == 3


# --- chunk by chunk ---------------------------------------------------------------


def test_error_in_the_middle_of_a_batch() -> None:
    acc = StreamAccumulator()
    error = {"id": "c1", "error": {"code": "server_error", "message": "Provider disconnected"}}
    error["choices"] = [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
    acc.add_many([chunk({"content": "a"}), error, chunk({"content": "b"})])
    assert acc.error_payload is error
    assert acc.content() == "a"
    assert acc.snapshot().chunks == 2


def test_bare_message_and_code_is_an_error() -> None:
    acc = StreamAccumulator()
    acc.add({"message": "insufficient balance", "code": 402})
    assert acc.error_payload == {"message": "insufficient balance", "code": 402}


def test_reasoning_content_and_duplicate_reasoning_are_not_doubled() -> None:
    acc = StreamAccumulator()
    acc.add(chunk({"reasoning_content": "Think", "reasoning": "Think"}))
    acc.add(chunk({"reasoning": " more"}))
    acc.add(chunk({"reasoning_content": " hard", "content": None}))
    assert acc.reasoning() == "Think more hard"
    assert acc.snapshot().choices[0].reasoning == "Think more hard"


def test_refusal() -> None:
    acc = StreamAccumulator(clock=FakeClock())
    acc.add(chunk({"role": "assistant", "content": None, "refusal": "I can't"}))
    acc.add(chunk({"refusal": " help with that."}))
    snap = acc.snapshot()
    assert snap.choices[0].refusal == "I can't help with that."
    assert snap.ttft_s == 0.0


def test_tool_calls_without_index_and_with_resent_names() -> None:
    acc = StreamAccumulator()
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a"'}}
    acc.add(chunk({"tool_calls": [call]}))
    acc.add(chunk({"tool_calls": [{"function": {"name": "f", "arguments": ": 1}"}}]}))
    acc.add(chunk({"tool_calls": [{"index": 0, "id": None, "function": {"arguments": None}}]}))
    assert acc.snapshot().choices[0].tool_calls == [
        ToolCall(index=0, id="call_1", name="f", arguments='{"a": 1}')
    ]
    acc = StreamAccumulator()
    whole = [
        {"id": "a", "function": {"name": "f", "arguments": "{}"}},
        {"id": "b", "function": {"name": "g", "arguments": "[]"}},
    ]
    acc.add(chunk({"tool_calls": whole}))
    calls = acc.snapshot().choices[0].tool_calls
    assert [(c.index, c.id, c.name, c.arguments) for c in calls] == [
        (0, "a", "f", "{}"),
        (1, "b", "g", "[]"),
    ]


def test_nulls_everywhere() -> None:
    acc = StreamAccumulator()
    acc.add_many(
        [
            {"id": None, "model": None, "choices": None, "usage": None},
            {"choices": []},
            {"choices": [{"delta": None, "finish_reason": None, "logprobs": None}]},
            {"choices": [{"index": None, "delta": {}}]},
            {"choices": [{"delta": {"content": None, "role": None, "tool_calls": None}}]},
            {"id": "late", "choices": [{"delta": {"content": "x"}}]},
        ]
    )
    snap = acc.snapshot()
    assert snap.id == "late"
    assert [c.content for c in snap.choices] == ["x"]
    assert snap.chunks == 6
    assert acc.error_payload is None


def test_odd_shapes_do_not_raise() -> None:
    acc = StreamAccumulator()
    acc.add({"choices": ["not a dict"]})
    acc.add({"choices": [{"delta": {"content": [{"type": "text", "text": "part"}]}}]})
    acc.add({"choices": [{"delta": {"content": "s"}, "logprobs": "weird"}]})
    acc.add({"choices": [{"index": "1", "delta": {"content": "one"}, "finish_reason": 7}]})
    assert acc.content() == "parts"
    assert acc.content(1) == "one"
    assert acc.snapshot().choices[1].finish_reason == "7"


def test_logprobs() -> None:
    acc = StreamAccumulator()
    entry = {
        "token": "Hi",
        "logprob": -0.25,
        "bytes": [72, 105],
        "top_logprobs": [{"token": "Hi", "logprob": -0.25}, {"token": "Hello", "logprob": -1.5}],
    }
    acc.add(chunk({"content": "Hi"}, logprobs={"content": [entry], "refusal": None}))
    assert acc.snapshot().choices[0].logprobs == [
        TokenLogprob(
            token="Hi", logprob=-0.25, top=[TopLogprob("Hi", -0.25), TopLogprob("Hello", -1.5)]
        )
    ]
    acc.add(chunk({"content": "!"}, logprobs={"content": [{"token": "!", "logprob": 0}]}))
    acc.add(chunk({"content": "?"}, logprobs={"content": [{"token": "?"}]}))
    logprobs = acc.snapshot().choices[0].logprobs
    assert [(t.token, t.logprob, t.top) for t in logprobs] == [
        ("Hi", -0.25, logprobs[0].top),
        ("!", 0.0, []),
    ]


def test_version_changes_with_visible_state_only() -> None:
    acc = StreamAccumulator()
    assert acc.version == 0
    acc.add(chunk({"role": "assistant", "content": ""}))
    assert acc.version == 0
    acc.add(chunk({"content": "a"}))
    assert acc.version == 1
    acc.add(chunk(finish_reason="stop"))
    assert acc.version == 2
    acc.add({"choices": [], "usage": {"completion_tokens": 1}})
    assert acc.version == 3
    acc.add_many([])
    acc.finish()
    acc.finish()
    assert acc.version == 4


def test_content_is_cached_and_follows_new_text() -> None:
    acc = StreamAccumulator()
    acc.add_many([chunk({"content": "a"}), chunk({"content": "b"})])
    first = acc.content()
    assert first == "ab" and acc.content() is first
    acc.add(chunk({"content": "c"}))
    assert acc.content() == "abc"


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.text(max_size=5), max_size=30),
    sizes=st.lists(st.integers(1, 5), max_size=30),
)
def test_batching_does_not_change_the_result(pieces: list[str], sizes: list[int]) -> None:
    chunks = [chunk({"content": p}) for p in pieces]
    one = StreamAccumulator()
    for c in chunks:
        one.add(c)
    many = StreamAccumulator()
    pos = 0
    for size in sizes:
        many.add_many(chunks[pos : pos + size])
        pos += size
    many.add_many(chunks[pos:])
    assert many.content() == one.content() == "".join(pieces)
    assert without_timing(many.snapshot()) == without_timing(one.snapshot())
    assert many.snapshot().estimated_tokens == sum(1 for p in pieces if p)


# --- non-streamed bodies ----------------------------------------------------------


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


# --- timing -----------------------------------------------------------------------


def test_timing_with_a_fake_clock() -> None:
    clock = FakeClock(100.0)
    acc = StreamAccumulator(clock=clock)
    snap = acc.snapshot()
    assert (snap.ttft_s, snap.total_s, snap.tokens_per_s) == (None, None, None)
    clock.t = 100.5
    acc.add(chunk({"role": "assistant", "content": ""}))
    assert acc.snapshot().ttft_s is None
    assert acc.snapshot().total_s == 0.5
    clock.t = 101.0
    acc.add_many([chunk({"content": "a"})])
    snap = acc.snapshot()
    assert (snap.ttft_s, snap.total_s, snap.tokens_per_s) == (1.0, 1.0, None)
    clock.t = 101.5
    acc.add_many([chunk({"content": "b"}), chunk({"content": "c"})])
    snap = acc.snapshot()
    assert (snap.ttft_s, snap.total_s, snap.tokens_per_s) == (1.0, 1.5, 6.0)
    assert snap.estimated_tokens == 3
    clock.t = 102.0
    acc.add(chunk(finish_reason="stop"))
    clock.t = 102.25
    acc.add({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}})
    snap = acc.snapshot()
    assert (snap.ttft_s, snap.total_s, snap.tokens_per_s) == (1.0, 2.25, 8.0)
    clock.t = 103.0
    acc.finish()
    clock.t = 200.0
    snap = acc.snapshot()
    assert (snap.ttft_s, snap.total_s, snap.tokens_per_s) == (1.0, 3.0, 8.0)
    assert snap.done and snap.chunks == 6


def test_started_is_the_request_time() -> None:
    clock = FakeClock(50.0)
    acc = StreamAccumulator(clock=clock, started=48.0)
    acc.add(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]}))
    assert acc.snapshot().ttft_s == 2.0


def test_no_rate_for_one_token_or_one_read() -> None:
    clock = FakeClock(0.0)
    acc = StreamAccumulator(clock=clock)
    clock.t = 1.0
    acc.add_many([chunk({"content": "a"}), chunk({"content": "b"})])
    assert acc.snapshot().tokens_per_s is None
    clock.t = 2.0
    acc.add({"choices": [], "usage": {"completion_tokens": 1}})
    acc.add(chunk({"content": "c"}))
    assert acc.snapshot().tokens_per_s is None
