"""ChatClient against the loopback gateway: retries, timeouts, unreachable hosts, Stop."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient, make_http_client
from core.api.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    IncompleteStreamError,
    RateLimitError,
    ServerError,
)
from core.api.retry import RetryPolicy
from core.endpoint import Endpoint
from tests.core.chat_support import ECHO, chat_body
from tests.gateway import FOREVER, Gateway, Reply, error_body, text_chunks


class Sleeps:
    """A ``sleep`` that records the delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def chat(http: httpx.AsyncClient, sleeps: Sleeps) -> ChatClient:
    return ChatClient(http, retry=RetryPolicy(), sleep=sleeps, rand=lambda: 0.0)


@pytest.fixture
def endpoint(gateway: Gateway) -> Endpoint:
    return Endpoint(gateway.url, "sk-test")


async def test_retries_before_the_first_byte_then_succeeds(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, sleeps: Sleeps
) -> None:
    gateway.push(Reply.error(500, error_body("oops", type="server_error")), Reply.drop())
    retried: list[tuple[str, float]] = []
    snap = await chat.complete(
        endpoint,
        chat_body(),
        StreamAccumulator(),
        on_retry=lambda e, delay: retried.append((type(e).__name__, delay)),
    )
    assert snap.choices[0].content == ECHO
    assert retried == [("ServerError", 0.5), ("APIConnectionError", 1.0)]
    assert sleeps.delays == [0.5, 1.0]
    assert len(gateway.requests) == 3
    assert [r.body for r in gateway.requests] == [chat_body()] * 3


async def test_retry_after_is_honoured(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, sleeps: Sleeps
) -> None:
    gateway.push(Reply.error(429, error_body("Slow down"), headers={"Retry-After": "2"}))
    errors: list[APIError] = []
    snap = await chat.complete(
        endpoint, chat_body(), StreamAccumulator(), on_retry=lambda e, _: errors.append(e)
    )
    assert snap.choices[0].content == ECHO
    assert sleeps.delays == [2.0]
    assert isinstance(errors[0], RateLimitError)
    assert errors[0].retry_after_s == 2.0


async def test_long_retry_after_is_raised_at_once(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, sleeps: Sleeps
) -> None:
    gateway.push(Reply.error(429, "busy", headers={"Retry-After": "60"}))
    with pytest.raises(RateLimitError) as caught:
        await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert str(caught.value) == "Rate limited (429): try again in 60 s."
    assert (sleeps.delays, len(gateway.requests)) == ([], 1)


async def test_gives_up_after_two_retries(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, sleeps: Sleeps
) -> None:
    gateway.push(*[Reply.html(502, "<h1>Bad gateway</h1>")] * 3, Reply.echo())
    with pytest.raises(ServerError) as caught:
        await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert caught.value.status == 502
    assert sleeps.delays == [0.5, 1.0]
    assert (len(gateway.requests), gateway.pending) == (3, 1)


async def test_client_errors_are_not_retried(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, sleeps: Sleeps
) -> None:
    gateway.push(Reply.error(400, error_body("bad")), Reply.echo())
    with pytest.raises(APIError):
        await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert (sleeps.delays, gateway.pending) == ([], 1)


async def test_no_retry_after_the_first_byte(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway, sleeps: Sleeps
) -> None:
    gateway.push(Reply.echo(cut_after=2), Reply.echo())
    acc = StreamAccumulator()
    with pytest.raises(IncompleteStreamError):
        await chat.complete(endpoint, chat_body(), acc)
    assert acc.content() == "Echo:"
    assert (sleeps.delays, len(gateway.requests), gateway.pending) == ([], 1, 1)


async def test_connection_refused(chat: ChatClient, sleeps: Sleeps) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(APIConnectionError) as caught:
        await chat.complete(Endpoint(f"127.0.0.1:{port}"), chat_body(), StreamAccumulator())
    assert str(caught.value) == f"Can't reach 127.0.0.1:{port}: connection refused."
    assert sleeps.delays == [0.5, 1.0]


@pytest.fixture
async def impatient(sleeps: Sleeps) -> AsyncIterator[ChatClient]:
    timeout = httpx.Timeout(2.0, read=0.2)
    async with make_http_client(timeout=timeout) as http:
        yield ChatClient(http, sleep=sleeps)


async def test_read_timeout_before_the_answer(
    impatient: ChatClient, endpoint: Endpoint, gateway: Gateway, sleeps: Sleeps
) -> None:
    gateway.push(Reply.hang(), Reply.echo())
    started = time.perf_counter()
    with pytest.raises(APITimeoutError) as caught:
        await impatient.complete(endpoint, chat_body(), StreamAccumulator())
    assert time.perf_counter() - started < 1.5
    error = caught.value
    assert str(error) == f"127.0.0.1:{gateway.port} did not answer within 0.2 s (read timeout)."
    assert (error.phase, error.retryable, sleeps.delays, gateway.pending) == ("read", False, [], 1)
    assert gateway.last.disconnected.wait(2)


async def test_read_timeout_mid_stream_keeps_the_partial_answer(
    impatient: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.stream([*text_chunks("Hello there")[:2], FOREVER]))
    acc = StreamAccumulator()
    with pytest.raises(APITimeoutError) as caught:
        await impatient.complete(endpoint, chat_body(), acc)
    assert str(caught.value) == (
        f"127.0.0.1:{gateway.port} went silent for 0.2 s in the middle of the answer "
        "(read timeout)."
    )
    assert caught.value.request_id == "req-1"
    assert acc.content() == "Hello"


async def test_slow_headers_within_the_timeout(
    impatient: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.slow_headers(0.05))
    snap = await impatient.complete(endpoint, chat_body(), StreamAccumulator())
    assert snap.choices[0].content == ECHO


async def test_stop_mid_stream_frees_the_connection(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.echo(delay=0.05))
    acc = StreamAccumulator()
    first = asyncio.Event()
    task = asyncio.create_task(
        chat.complete(endpoint, chat_body(), acc, on_update=lambda a: first.set())
    )
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    cancelled_at = time.perf_counter()
    with pytest.raises(asyncio.CancelledError):
        await task
    stopped = gateway.last
    assert stopped.disconnected.wait(2)
    assert stopped.finished.wait(2)
    assert time.perf_counter() - cancelled_at < 0.5
    assert acc.content() == "Echo:"
    assert acc.snapshot().done is False
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert snap.choices[0].content == ECHO
    assert gateway.last.client_port != stopped.client_port


async def test_stop_while_waiting_for_headers(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.hang())
    task = asyncio.create_task(chat.complete(endpoint, chat_body(), StreamAccumulator()))
    await asyncio.to_thread(gateway.wait_for_requests, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gateway.last.disconnected.wait(2)
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert snap.choices[0].content == ECHO
