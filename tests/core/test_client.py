"""ChatClient against the loopback gateway: answers that arrive whole and well."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from core.api import client as client_module
from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.chat import ToolCall, Usage
from core.endpoint import Endpoint
from tests.core.chat_support import ECHO, ECHO_PREFIXES, Updates, chat_body
from tests.gateway import FOREVER, MODELS_PATH, Gateway, Reply, completion, text_chunks


@pytest.fixture
def endpoint(gateway: Gateway) -> Endpoint:
    return Endpoint(gateway.url, "sk-test")


async def test_streams_the_answer_and_sends_the_body_as_is(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    body = chat_body(frequency_penalty=0.3, user="u-1")
    snap = await chat.complete(endpoint, body, StreamAccumulator())
    assert [c.content for c in snap.choices] == [ECHO]
    assert snap.choices[0].finish_reason == "stop"
    assert (snap.id, snap.model, snap.done, snap.chunks) == (
        "chatcmpl-1",
        "gateway-model",
        True,
        10,
    )
    sent = gateway.last
    assert sent.body == body
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.headers["accept"] == "text/event-stream"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["user-agent"] == "Chorus/0.1.0"


async def test_reasoning_arrives_before_content(chat: ChatClient, endpoint: Endpoint) -> None:
    updates = Updates()
    body = chat_body(model="gateway-reasoner")
    snap = await chat.complete(endpoint, body, StreamAccumulator(), on_update=updates)
    assert snap.choices[0].reasoning == "The user wrote 2 words. I echo them."
    assert snap.choices[0].content == ECHO
    first_content = next(s for s in updates.snapshots if s.choices[0].content)
    assert first_content.choices[0].reasoning == "The user wrote 2 words. I echo them."


async def test_tool_call_arguments_are_joined(chat: ChatClient, endpoint: Endpoint) -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    body = chat_body("weather in Paris", tools=[tool], tool_choice="required")
    snap = await chat.complete(endpoint, body, StreamAccumulator())
    choice = snap.choices[0]
    assert choice.tool_calls == [
        ToolCall(
            index=0,
            id="call_1_0",
            type="function",
            name="get_weather",
            arguments='{"text": "weather in Paris"}',
        )
    ]
    assert (choice.content, choice.finish_reason) == ("", "tool_calls")


async def test_two_choices_interleave(chat: ChatClient, endpoint: Endpoint) -> None:
    updates = Updates()
    snap = await chat.complete(endpoint, chat_body(n=2), StreamAccumulator(), on_update=updates)
    assert [(c.index, c.content) for c in snap.choices] == [
        (0, ECHO),
        (1, "Echo 2: hello world This is a test answer."),
    ]
    halfway = [s for s in updates.snapshots if len(s.choices) == 2 and s.choices[1].content]
    assert halfway[0].choices[0].content == "Echo:"
    assert halfway[0].choices[1].content == "Echo"


async def test_usage_chunk_and_logprobs(chat: ChatClient, endpoint: Endpoint) -> None:
    body = chat_body(
        stream_options={"include_usage": True}, logprobs=True, top_logprobs=2, max_tokens=3
    )
    snap = await chat.complete(endpoint, body, StreamAccumulator())
    assert snap.usage == Usage(prompt_tokens=5, completion_tokens=3, total_tokens=8)
    choice = snap.choices[0]
    assert (choice.content, choice.finish_reason) == ("Echo: hello world", "length")
    assert [lp.token for lp in choice.logprobs] == ["Echo:", " hello", " world"]
    assert [lp.logprob for lp in choice.logprobs] == [0.0, -0.05, -0.1]
    assert [t.token for t in choice.logprobs[1].top] == [" hello", "hello~1"]


async def test_stop_and_json_mode(chat: ChatClient, endpoint: Endpoint) -> None:
    snap = await chat.complete(endpoint, chat_body(stop=["world"]), StreamAccumulator())
    assert (snap.choices[0].content, snap.choices[0].finish_reason) == ("Echo: hello ", "stop")
    body = chat_body(response_format={"type": "json_object"})
    snap = await chat.complete(endpoint, body, StreamAccumulator())
    assert json.loads(snap.choices[0].content) == {"echo": "hello world", "choice": 1}


async def test_slow_tokens_update_once_per_read(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.echo(delay=0.02))
    updates = Updates()
    started = time.perf_counter()
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator(), on_update=updates)
    assert time.perf_counter() - started >= 9 * 0.02
    # The role chunk changes nothing visible; the finish chunk does.
    assert updates.contents == [*ECHO_PREFIXES, ECHO]
    assert updates.snapshots[-1].choices[0].finish_reason == "stop"
    assert snap.ttft_s is not None and snap.total_s is not None
    assert snap.total_s - snap.ttft_s >= 8 * 0.02


async def test_many_chunks_in_one_read_update_once(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    chunks = text_chunks(["word "] * 20)
    data = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)
    gateway.push(Reply.raw(data + b"data: [DONE]\n\n"))
    updates = Updates()
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator(), on_update=updates)
    assert snap.chunks == 22
    assert updates.contents == ["word " * 20]


async def test_whole_answer(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    updates = Updates()
    body = chat_body(stream=False, model="gateway-reasoner")
    snap = await chat.complete(endpoint, body, StreamAccumulator(), on_update=updates)
    choice = snap.choices[0]
    assert (choice.content, choice.reasoning) == (ECHO, "The user wrote 2 words. I echo them.")
    assert snap.usage == Usage(
        prompt_tokens=5, completion_tokens=16, total_tokens=21, reasoning_tokens=8
    )
    assert snap.done is True
    assert len(updates.snapshots) == 1
    assert gateway.last.headers["accept"] == "application/json"


@pytest.mark.parametrize("content_type", ["application/json", "text/event-stream", ""])
async def test_server_that_ignores_stream_true(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, content_type: str
) -> None:
    answer = json.dumps(completion("Whole answer at once")).encode()
    gateway.push(Reply.raw(answer, content_type=content_type))
    updates = Updates()
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator(), on_update=updates)
    assert snap.choices[0].content == "Whole answer at once"
    assert updates.contents == ["Whole answer at once"]


async def test_stream_without_content_type_or_done(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    events = [": keep-alive\n\n", *text_chunks("Short answer")]
    gateway.push(Reply.stream(events, content_type="", done=False))
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert (snap.choices[0].content, snap.choices[0].finish_reason) == ("Short answer", "stop")
    assert snap.done is True


async def test_connection_is_reused(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    for body in (chat_body(), chat_body(stream=False), chat_body()):
        await chat.complete(endpoint, body, StreamAccumulator())
    await chat.list_models(endpoint)
    assert len({r.client_port for r in gateway.requests}) == 1


async def test_body_left_open_after_done_is_not_waited_for(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "DRAIN_TIMEOUT_S", 0.05)
    gateway.push(Reply.stream([*text_chunks("Done early"), "data: [DONE]\n\n", FOREVER]))
    started = time.perf_counter()
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert snap.choices[0].content == "Done early"
    assert time.perf_counter() - started < 1.0
    assert gateway.last.disconnected.wait(2)


async def test_list_models(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    models = await chat.list_models(endpoint)
    assert [m["id"] for m in models] == ["gateway-model", "gateway-reasoner", "gpt-4o-mini"]
    assert (gateway.last.method, gateway.last.path) == ("GET", "/v1/models")
    gateway.require_key = "sk-test"
    gateway.models = [{"id": "only-this", "object": "model", "owned_by": "me"}]
    assert await chat.list_models(endpoint) == gateway.models
    gateway.push(Reply.json([{"id": "bare-list"}]), path=MODELS_PATH)
    assert await chat.list_models(endpoint) == [{"id": "bare-list"}]


async def test_large_event(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    big = "x" * (10 * 1024 * 1024)
    events = text_chunks([big[:10], big[10:]])
    data = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in events)
    gateway.push(Reply.raw(data + b"data: [DONE]\n\n", chunked=True))
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert snap.choices[0].content == big


async def test_a_factory_client_is_made_once_on_a_worker_thread(endpoint: Endpoint) -> None:
    import threading

    from core.api.http import make_http_client

    made: list[threading.Thread] = []

    def factory() -> object:
        made.append(threading.current_thread())
        return make_http_client()

    chat = ChatClient(factory)  # type: ignore[arg-type]
    assert not chat.started
    snaps = await asyncio.gather(
        *(chat.complete(endpoint, chat_body(), StreamAccumulator()) for _ in range(3))
    )
    assert [s.choices[0].content for s in snaps] == [ECHO] * 3
    assert len(made) == 1 and made[0] is not threading.main_thread()
    assert chat.started
    await chat.aclose()
