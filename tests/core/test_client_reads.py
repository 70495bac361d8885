"""ChatClient reading a stream one network read at a time: an in-memory transport hands
over exactly the reads given, and the loopback gateway sends compressed bodies."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.api.errors import MalformedResponseError, StreamErrorEvent
from core.api.http import make_http_client
from core.api.retry import NO_RETRIES
from core.endpoint import Endpoint
from tests.core.chat_support import Updates, chat_body
from tests.gateway import Gateway, Reply, chunk, completion, error_chunk, text_chunks

BASE_URL = "http://chorus.invalid/v1"


def event(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def served(reads: Sequence[bytes], headers: dict[str, str] | None = None) -> httpx.MockTransport:
    """A transport answering with ``reads``, each handed to the client as one read."""

    async def body() -> AsyncIterator[bytes]:
        for read in reads:
            yield read

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream", **(headers or {})},
            content=body(),
        )

    return httpx.MockTransport(handler)


async def complete(
    transport: httpx.AsyncBaseTransport, updates: Updates | None = None
) -> StreamAccumulator:
    acc = StreamAccumulator()
    async with make_http_client(transport=transport) as http:
        await ChatClient(http, retry=NO_RETRIES).complete(
            Endpoint(BASE_URL), chat_body(), acc, on_update=updates
        )
    return acc


async def test_one_event_per_read_updates_once_per_visible_change() -> None:
    events = text_chunks(["One", " two", " three"])
    reads = [event(c) for c in events]
    reads.insert(2, b": keep-alive\n\n")
    updates = Updates()
    acc = await complete(served([*reads, b"data: [DONE]\n\n"]), updates)
    snap = acc.snapshot()
    assert snap.choices[0].content == "One two three"
    assert snap.chunks == len(events)
    # The role chunk and the keep-alive change nothing visible; the finish chunk does.
    assert updates.contents == ["One", "One two", "One two three", "One two three"]
    assert updates.snapshots[-1].choices[0].finish_reason == "stop"


async def test_reads_with_no_event_before_the_first_one() -> None:
    events = text_chunks("Late start")
    reads = [b": PROCESSING\n\n", b": PROCESSING\n\n", *(event(c) for c in events)]
    acc = await complete(served([*reads, b"data: [DONE]\n\n"]))
    assert acc.content() == "Late start"


async def test_events_cut_across_reads_and_several_in_one() -> None:
    data = b"".join(event(c) for c in text_chunks(["Cut", " across", " reads"]))
    cut = data.index(b"across") + 2
    reads = [data[:cut], data[cut:], b"data: [DO", b"NE]\n\n"]
    acc = await complete(served(reads))
    assert acc.content() == "Cut across reads"


async def test_whole_json_answer_in_many_reads() -> None:
    body = json.dumps(completion("Whole answer in pieces")).encode()
    reads = [body[i : i + 7] for i in range(0, len(body), 7)]
    updates = Updates()
    acc = await complete(served(reads, {"content-type": "text/plain"}), updates)
    assert acc.content() == "Whole answer in pieces"
    assert updates.contents == ["Whole answer in pieces"]


async def test_body_read_by_httpx_before_the_client() -> None:
    data = b"".join(event(c) for c in text_chunks("Already read")) + b"data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=data)

    acc = await complete(httpx.MockTransport(handler))
    assert acc.content() == "Already read"


async def test_malformed_event_in_a_read_of_its_own_keeps_the_partial_answer() -> None:
    reads = [event(chunk({"content": "Hello"})), b"data: {not json\n\n", event(chunk({"x": 1}))]
    with pytest.raises(MalformedResponseError) as info:
        await complete(served(reads))
    assert info.value.detail == "{not json"


async def test_error_object_in_a_read_of_its_own_stops_the_stream() -> None:
    reads = [event(c) for c in text_chunks("Partial", finish_reason=None)]
    reads += [event(error_chunk("Upstream died")), event(chunk({"content": " never"}))]
    acc = StreamAccumulator()
    async with make_http_client(transport=served(reads)) as http:
        client = ChatClient(http, retry=NO_RETRIES)
        with pytest.raises(StreamErrorEvent) as info:
            await client.complete(Endpoint(BASE_URL), chat_body(), acc)
    assert info.value.detail == "Upstream died"
    assert acc.content() == "Partial"


@pytest.mark.parametrize("chunked", [False, True])
async def test_compressed_stream(chat: ChatClient, gateway: Gateway, chunked: bool) -> None:
    data = b"".join(event(c) for c in text_chunks("Sent compressed")) + b"data: [DONE]\n\n"
    headers = {"Content-Encoding": "gzip"}
    gateway.push(Reply.raw(gzip.compress(data), headers=headers, chunked=chunked))
    acc = StreamAccumulator()
    await chat.complete(Endpoint(gateway.url, "sk-test"), chat_body(), acc)
    assert acc.content() == "Sent compressed"
    assert acc.snapshot().choices[0].finish_reason == "stop"


async def test_the_body_is_hurried_once_every_choice_has_its_finish_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the finish reason only the usage and [DONE] follow: from then on the body
    is read as it arrives (core/api/turns.py ``hurry``), not paced, so the answer ends
    the moment its last byte comes."""
    import core.api.client as client_module

    seen: list[int] = []  # the events read when the body was hurried
    reads = [event(c) for c in text_chunks(["One", " two"])]
    reads += [event({"choices": [], "usage": {"completion_tokens": 2}}), b"data: [DONE]\n\n"]
    fed: list[bytes] = []

    def recorded(response: httpx.Response) -> None:
        seen.append(len(fed))

    async def body() -> AsyncIterator[bytes]:
        for read in reads:
            fed.append(read)
            yield read

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    monkeypatch.setattr(client_module, "hurry", recorded)
    acc = await complete(httpx.MockTransport(handler))
    assert acc.snapshot().choices[0].content == "One two"
    assert seen == [4]  # once, right after the finish chunk (role, two words, finish)
