"""ChatClient against the loopback gateway: error statuses and broken answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.api.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    IncompleteStreamError,
    InsufficientBalanceError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamErrorEvent,
)
from core.endpoint import Endpoint
from tests.core.chat_support import chat_body
from tests.gateway import (
    MODELS_PATH,
    Gateway,
    Reply,
    chunk,
    error_body,
    error_chunk,
    text_chunks,
)

KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def endpoint(gateway: Gateway) -> Endpoint:
    return Endpoint(gateway.url, KEY)


async def fail(
    chat: ChatClient, endpoint: Endpoint, body: dict[str, Any] | None = None
) -> tuple[APIError, StreamAccumulator]:
    """The error the request ends with, and the accumulator it left."""
    acc = StreamAccumulator()
    with pytest.raises(APIError) as caught:
        await chat.complete(endpoint, body or chat_body(), acc)
    return caught.value, acc


@pytest.mark.parametrize(
    ("reply", "cls", "message"),
    [
        (
            Reply.error(401, error_body("Invalid token", code="invalid_api_key")),
            AuthenticationError,
            "The API key was refused (401). Check the key for {host}.",
        ),
        (
            Reply.error(402, {"message": "Insufficient balance", "code": 402}),
            InsufficientBalanceError,
            "The account for {host} is out of credit (402): Insufficient balance.",
        ),
        (
            Reply.error(403, {"error": "Model not allowed"}),
            PermissionDeniedError,
            "The key for {host} is not allowed to do this (403): Model not allowed.",
        ),
        (
            Reply.error(404, {"detail": "Model nope does not exist"}),
            NotFoundError,
            "Not found (404) at {url}: Model nope does not exist. "
            "Check the model name and the base URL.",
        ),
        (
            Reply.error(400, error_body("max_tokens must be at least 1", code="invalid_value")),
            BadRequestError,
            "The server rejected the request (400): max_tokens must be at least 1.",
        ),
        (
            Reply.error(429, error_body("Slow down"), headers={"Retry-After": "7"}),
            RateLimitError,
            "Rate limited (429): try again in 7 s.",
        ),
        (
            Reply.error(500, "database is locked"),
            ServerError,
            "{host} had a problem (500 Internal Server Error): database is locked. "
            "Try again in a moment.",
        ),
        (
            Reply.html(502, "<html><title>502 Bad Gateway</title><h1>Bad Gateway</h1></html>"),
            ServerError,
            "{host} had a problem (502 Bad Gateway). Try again in a moment.",
        ),
        (
            Reply.error(503, b""),
            ServerError,
            "{host} had a problem (503 Service Unavailable). Try again in a moment.",
        ),
    ],
)
async def test_error_statuses(
    chat: ChatClient,
    endpoint: Endpoint,
    gateway: Gateway,
    reply: Reply,
    cls: type[APIError],
    message: str,
) -> None:
    gateway.push(reply)
    error, _ = await fail(chat, endpoint)
    assert type(error) is cls
    host = f"127.0.0.1:{gateway.port}"
    assert str(error) == message.format(host=host, url=endpoint.chat_url)
    assert error.status == reply.status
    assert error.request_id == "req-1"
    assert error.url == endpoint.chat_url


async def test_refused_key_is_never_shown(chat: ChatClient, gateway: Gateway) -> None:
    gateway.require_key = "sk-the-right-key"
    endpoint = Endpoint(gateway.url, KEY)
    error, _ = await fail(chat, endpoint)
    assert isinstance(error, AuthenticationError)
    assert error.detail == "Incorrect API key provided: sk-…cdef."
    assert KEY not in repr((str(error), error.detail, error.url))
    with pytest.raises(AuthenticationError):
        await chat.list_models(endpoint)


async def test_wrong_base_url_names_the_url(chat: ChatClient, gateway: Gateway) -> None:
    endpoint = Endpoint(f"{gateway.base_url}/api", KEY)
    error, _ = await fail(chat, endpoint)
    assert isinstance(error, NotFoundError)
    assert str(error) == (
        f"Not found (404) at {gateway.base_url}/api/v1/chat/completions: Invalid URL "
        "(POST /api/v1/chat/completions). Check the model name and the base URL."
    )


async def test_error_object_mid_stream_keeps_the_partial_answer(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    events = [*text_chunks("Partial answer", finish_reason=None), error_chunk("Upstream died")]
    gateway.push(Reply.stream([*events, *text_chunks("never read")]))
    error, acc = await fail(chat, endpoint)
    assert isinstance(error, StreamErrorEvent)
    assert str(error) == (
        f"127.0.0.1:{gateway.port} reported an error during the answer: Upstream died."
    )
    assert (error.detail, error.request_id) == ("Upstream died", "req-1")
    assert acc.content() == "Partial answer"


async def test_error_event_type(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    events = [chunk({"content": "Hi"}), 'event: error\ndata: {"message": "overloaded"}\n\n']
    gateway.push(Reply.stream(events))
    error, acc = await fail(chat, endpoint)
    assert isinstance(error, StreamErrorEvent)
    assert error.detail == "overloaded"
    assert acc.content() == "Hi"


async def test_cut_connection(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    gateway.push(Reply.echo(cut_after=4))
    error, acc = await fail(chat, endpoint)
    assert isinstance(error, IncompleteStreamError)
    assert str(error) == (
        f"The connection to 127.0.0.1:{gateway.port} ended before the answer was finished."
    )
    assert "incomplete chunked read" in error.detail
    assert acc.content() == "Echo: hello world"
    assert acc.snapshot().done is False


async def test_stream_that_ends_early_without_finish_reason(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.stream(text_chunks("Cut", finish_reason=None), done=False))
    error, acc = await fail(chat, endpoint)
    assert isinstance(error, IncompleteStreamError)
    assert error.detail == "the stream ended without [DONE]"
    assert acc.content() == "Cut"


async def test_cut_after_every_choice_finished_is_complete(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.stream(text_chunks("All here"), cut_after=4))
    snap = await chat.complete(endpoint, chat_body(), StreamAccumulator())
    assert (snap.choices[0].content, snap.choices[0].finish_reason) == ("All here", "stop")


async def test_malformed_chunk(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    gateway.push(Reply.stream([chunk({"content": "Hello"}), "data: {not json\n\n"]))
    error, acc = await fail(chat, endpoint)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == f"127.0.0.1:{gateway.port} sent a stream event that is not valid JSON."
    assert error.detail == "{not json"
    assert acc.content() == "Hello"


async def test_login_page_with_200(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    page = "<html><head><title>Sign in - Corp SSO</title></head><body>Log in</body></html>"
    gateway.push(Reply.html(200, page))
    error, _ = await fail(chat, endpoint)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == (
        f"127.0.0.1:{gateway.port} answered with text/html instead of an API response: "
        "the base URL may point at a web page or a login page."
    )
    assert error.detail == "Sign in - Corp SSO"


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (b"", "application/json", "sent an empty answer"),
        (b"Hello!", "application/json", "sent a body instead of a chat completion"),
        (b'{"object": "list"}', "application/json", "sent JSON that is not a chat completion"),
        (b"<html><h1>It works!</h1></html>", "", "sent a web page instead of a chat completion"),
    ],
)
async def test_bodies_that_are_not_answers(
    chat: ChatClient,
    endpoint: Endpoint,
    gateway: Gateway,
    data: bytes,
    content_type: str,
    message: str,
) -> None:
    gateway.push(Reply.raw(data, content_type=content_type))
    error, _ = await fail(chat, endpoint)
    assert isinstance(error, MalformedResponseError)
    assert str(error) == f"127.0.0.1:{gateway.port} {message}."


async def test_error_body_with_status_200(
    chat: ChatClient, endpoint: Endpoint, gateway: Gateway
) -> None:
    gateway.push(Reply.json({"error": {"message": "token expired", "code": "invalid_api_key"}}))
    error, _ = await fail(chat, endpoint, chat_body(stream=False))
    assert isinstance(error, AuthenticationError)
    assert error.detail == "token expired"


async def test_list_models_faults(chat: ChatClient, endpoint: Endpoint, gateway: Gateway) -> None:
    gateway.push(
        Reply.html(200, "<html><title>Welcome to nginx!</title></html>"),
        Reply.json({"models": []}),
        Reply.error(500, error_body("boom", type="server_error")),
        path=MODELS_PATH,
    )
    with pytest.raises(MalformedResponseError) as caught:
        await chat.list_models(endpoint)
    assert caught.value.detail == "Welcome to nginx!"
    with pytest.raises(MalformedResponseError, match="not a model list"):
        await chat.list_models(endpoint)
    with pytest.raises(ServerError) as server:
        await chat.list_models(endpoint)
    assert server.value.detail == "boom"
    assert json.loads(gateway.last.raw or b"null") is None
