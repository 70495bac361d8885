"""error_from_response: status → class, every body shape, request ids, Retry-After, masking."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from core.api.error_body import mask_secrets, parse_retry_after
from core.api.errors import (
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientBalanceError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    error_from_response,
    error_info,
    stream_error,
    timeout_error,
)
from core.chat import ErrorInfo

URL = "https://gw.example/v1/chat/completions"
KEY = "sk-live-0123456789abcdefghij"


def err(status: int, body: object = b"", headers: dict[str, str] | None = None) -> APIError:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return error_from_response(status, headers or {}, data, URL)


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, BadRequestError, False),
        (401, AuthenticationError, False),
        (402, InsufficientBalanceError, False),
        (403, PermissionDeniedError, False),
        (404, NotFoundError, False),
        (408, APITimeoutError, True),
        (409, ServerError, True),
        (418, ServerError, False),
        (422, BadRequestError, False),
        (429, RateLimitError, True),
        (500, ServerError, True),
        (502, ServerError, True),
        (503, ServerError, True),
        (504, ServerError, True),
    ],
)
def test_status_table(status: int, cls: type[APIError], retryable: bool) -> None:
    e = err(status)
    assert type(e) is cls
    assert e.status == status
    assert e.retryable is retryable
    assert e.url == URL


def test_openai_shape() -> None:
    body = {"error": {"message": "Invalid 'temperature': 3.", "type": "invalid_request_error"}}
    e = err(400, body, {"x-request-id": "req_123"})
    assert str(e) == "The server rejected the request (400): Invalid 'temperature': 3."
    assert e.message == str(e)
    assert e.detail == "Invalid 'temperature': 3."
    assert e.request_id == "req_123"


def test_anyfast_top_level_message_and_code() -> None:
    e = err(402, {"message": "Insufficient account balance", "code": "insufficient_balance"})
    assert isinstance(e, InsufficientBalanceError)
    assert (
        str(e) == "The account for gw.example is out of credit (402): Insufficient account balance."
    )


def test_fastapi_detail_string_and_list() -> None:
    e = err(404, {"detail": "Model 'nope' not found"})
    assert str(e) == (
        f"Not found (404) at {URL}: Model 'nope' not found. Check the model name and the base URL."
    )
    e = err(422, {"detail": [{"loc": ["body", "messages"], "msg": "Field required"}]})
    assert isinstance(e, BadRequestError)
    assert e.detail == "Field required"


def test_error_as_plain_string() -> None:
    e = err(403, {"error": "model not allowed for this key"})
    assert isinstance(e, PermissionDeniedError)
    assert (
        str(e)
        == "The key for gw.example is not allowed to do this (403): model not allowed for this key."
    )


def test_html_page_takes_title_and_heading() -> None:
    page = (
        b"<html><head><title>gw.example | 502: Bad gateway</title><style>p{}</style></head>"
        b"<body><h1>Web server is returning an unknown error</h1><p>Ray ID: 1</p></body></html>"
    )
    e = err(502, page, {"Content-Type": "text/html", "cf-ray": "8a1b2c"})
    assert e.detail == "gw.example | 502: Bad gateway — Web server is returning an unknown error"
    assert e.request_id == "8a1b2c"
    assert str(e).startswith("gw.example had a problem (502 Bad Gateway): gw.example | 502")


def test_html_without_title_uses_text_and_repeats_nothing() -> None:
    e = err(502, b"<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>")
    assert e.detail == "502 Bad Gateway"
    assert str(e) == "gw.example had a problem (502 Bad Gateway). Try again in a moment."
    e = err(503, b"<!DOCTYPE html><html><body><p>Down &amp; out</p><script>x()</script></body>")
    assert e.detail == "Down & out"


def test_plain_text_and_empty_bodies() -> None:
    e = err(503, b"upstream connect error or disconnect/reset before headers\n")
    assert e.detail == "upstream connect error or disconnect/reset before headers"
    e = err(500, b"")
    assert e.detail == ""
    assert str(e) == "gw.example had a problem (500 Internal Server Error). Try again in a moment."


def test_detail_is_clipped() -> None:
    e = err(400, {"error": {"message": "x" * 2000}})
    assert len(e.detail) == 500
    assert e.detail.endswith("…")
    assert len(str(e)) < 300


def test_request_id_from_one_api_message() -> None:
    body = {"error": {"message": "当前分组上游负载已饱和 (request id: 20250101120000abc)"}}
    assert err(503, body).request_id == "20250101120000abc"
    assert err(500, {"error": {"message": "x"}, "request_id": "r-9"}).request_id == "r-9"
    assert err(500, b"", {"X-OneAPI-Request-Id": "one-1"}).request_id == "one-1"


def test_rate_limit_retry_after_sources() -> None:
    e = err(429, b"", {"Retry-After": "12"})
    assert isinstance(e, RateLimitError)
    assert e.retry_after_s == 12.0
    assert str(e) == "Rate limited (429): try again in 12 s."
    assert err(429, b"", {"retry-after-ms": "1500"}).retry_after_s == 1.5
    body = {"error": {"message": "Rate limit reached. Please try again in 1.5s.", "code": 429}}
    assert err(429, body).retry_after_s == 1.5
    assert err(429, {"error": {"message": "slow", "retry_after": 4}}).retry_after_s == 4.0
    e = err(429, {"error": {"message": "Requests per minute exceeded"}})
    assert e.retry_after_s is None
    assert (
        str(e) == "Rate limited (429): Requests per minute exceeded. Wait a moment and try again."
    )
    assert str(err(429, {"error": {"message": "Too many requests"}})) == (
        "Rate limited (429). Wait a moment and try again."
    )


def test_retry_after_http_date() -> None:
    now = 1_750_000_000.0
    when = format_datetime(datetime.fromtimestamp(now + 30, UTC), usegmt=True)
    assert parse_retry_after({"Retry-After": when}, now=lambda: now) == 30.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_quota_429_is_a_balance_error_and_not_retried() -> None:
    body = {"error": {"message": "You exceeded your quota", "type": "insufficient_quota"}}
    e = err(429, body)
    assert isinstance(e, InsufficientBalanceError)
    assert e.retryable is False


def test_redirect_names_the_new_address() -> None:
    e = err(301, b"", {"Location": "https://gw.example/v1/chat/completions"})
    assert isinstance(e, ServerError)
    assert str(e) == (
        f"{URL} redirects to https://gw.example/v1/chat/completions (301): "
        "change the base URL to match."
    )


def test_error_body_with_success_status_takes_its_status_from_the_body() -> None:
    e = err(200, {"error": {"message": "bad key", "type": "authentication_error"}})
    assert isinstance(e, AuthenticationError)
    assert e.status == 401
    e = err(200, {"message": "no such model", "code": "404"})
    assert isinstance(e, NotFoundError)
    assert isinstance(err(200, {"error": {"message": "??"}}), ServerError)


def test_keys_are_masked_everywhere() -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}. Sent: Bearer {KEY}"}}
    e = error_from_response(400, {}, json.dumps(body).encode(), URL + "?key=" + KEY)
    for text in (str(e), e.detail, e.url, repr(error_info(e))):
        assert KEY not in text
        assert "0123456789" not in text
    assert e.detail == "Incorrect API key provided: sk-…ghij. Sent: Bearer ***"
    custom = "anyfast-7f3a9b2c4d5e6f708192"
    e = error_from_response(401, {}, f"bad key {custom}".encode(), URL, secrets=[custom, ""])
    assert custom not in e.detail
    assert mask_secrets("Authorization: Bearer abc.def") == "Authorization: Bearer ***"
    assert mask_secrets("a text", secrets=["x", "t"]) == "a text"


def test_error_info_keeps_what_a_message_needs() -> None:
    e = err(429, {"error": {"message": "slow down"}}, {"Retry-After": "3", "x-request-id": "r1"})
    assert error_info(e) == ErrorInfo(
        kind="RateLimitError",
        message="Rate limited (429): try again in 3 s.",
        status=429,
        detail="slow down",
        request_id="r1",
        retry_after_s=3.0,
    )


def test_stream_error_shapes() -> None:
    e = stream_error({"error": {"message": "upstream overloaded", "code": 503}}, URL, "r2")
    assert str(e) == "gw.example reported an error during the answer: upstream overloaded."
    assert (e.status, e.request_id, e.retryable) == (503, "r2", False)
    e = stream_error({"message": "quota", "code": "insufficient_quota"}, URL)
    assert e.detail == "quota"
    assert stream_error({"error": "boom"}, URL).detail == "boom"


def test_timeout_messages_say_which_wait() -> None:
    assert str(timeout_error(URL, "connect", 10)) == (
        "Could not connect to gw.example within 10 s (connect timeout)."
    )
    e = timeout_error(URL, "read", 90, mid_answer=True)
    assert str(e) == "gw.example went silent for 90 s in the middle of the answer (read timeout)."
    assert (e.phase, e.retryable) == ("read", False)
    assert timeout_error(URL, "connect", 10).retryable is True
