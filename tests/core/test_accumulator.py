"""The chunk accumulator: text, reasoning, tool calls, choices, usage, errors, timing.

Whole non-streamed bodies: test_accumulator_response.py.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.api.accumulator import StreamAccumulator
from core.chat import TokenLogprob, ToolCall, TopLogprob, Usage
from tests.core.accumulator_support import FakeClock, chunk, chunks_of, streamed, without_timing

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


def test_finishing_once_every_choice_has_its_finish_reason() -> None:
    acc = StreamAccumulator()
    assert not acc.finishing  # nothing yet
    acc.add_many([chunk({"content": "a"}, 0), chunk({"content": "b"}, 1)])
    assert not acc.finishing
    acc.add(chunk({}, 0, finish_reason="stop"))
    assert not acc.finishing  # choice 1 still streams
    acc.add(chunk({}, 1, finish_reason="length"))
    assert acc.finishing
