"""retry_delay: which errors are retried, after how long, and when it gives up."""

from __future__ import annotations

import pytest

from core.api.errors import (
    APIError,
    connection_error,
    error_from_response,
    incomplete_stream,
    timeout_error,
)
from core.api.retry import (
    DEFAULT_MAX_RETRIES,
    MAX_RETRY_AFTER_S,
    NO_RETRIES,
    RetryPolicy,
    backoff_s,
    retry_delay,
)

URL = "http://127.0.0.1:9/v1/chat/completions"


def status_error(status: int, headers: dict[str, str] | None = None) -> APIError:
    return error_from_response(status, headers or {}, b"", URL)


POLICY = RetryPolicy()


def test_defaults() -> None:
    assert DEFAULT_MAX_RETRIES == 2
    assert POLICY.max_retries == 2
    assert MAX_RETRY_AFTER_S == 20.0


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert retry_delay(POLICY, 0, status_error(status), 0.0) == 0.5


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    assert retry_delay(POLICY, 0, status_error(status), 0.0) is None


def test_exponential_backoff_with_jitter_and_cap() -> None:
    e = status_error(503)
    assert [retry_delay(RetryPolicy(max_retries=9), a, e, 0.0) for a in range(6)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        8.0,
    ]
    assert backoff_s(POLICY, 1, 0.5) == pytest.approx(1.0 * (1 - 0.25 * 0.5))
    assert backoff_s(POLICY, 1, 0.999) > 0.75


def test_gives_up_after_max_retries() -> None:
    e = status_error(500)
    assert retry_delay(POLICY, 1, e, 0.0) == 1.0
    assert retry_delay(POLICY, 2, e, 0.0) is None
    assert retry_delay(NO_RETRIES, 0, e, 0.0) is None


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    assert retry_delay(POLICY, 0, status_error(429, {"Retry-After": "3"}), 0.9) == 3.0
    assert retry_delay(POLICY, 0, status_error(503, {"Retry-After": "0"}), 0.9) == 0.0
    assert retry_delay(POLICY, 0, status_error(429, {"Retry-After": "20"}), 0.0) == 20.0
    assert retry_delay(POLICY, 0, status_error(429, {"Retry-After": "21"}), 0.0) is None
    roomy = RetryPolicy(max_retry_after_s=60)
    assert retry_delay(roomy, 0, status_error(429, {"Retry-After": "45"}), 0.0) == 45.0


def test_connection_errors_and_connect_timeouts_are_retried() -> None:
    assert retry_delay(POLICY, 0, connection_error(URL, "connection refused"), 0.0) == 0.5
    assert retry_delay(POLICY, 0, timeout_error(URL, "connect", 10), 0.0) == 0.5
    tls = connection_error(URL, "TLS failed", retryable=False)
    assert retry_delay(POLICY, 0, tls, 0.0) is None


def test_read_timeouts_and_broken_streams_are_not_retried() -> None:
    assert retry_delay(POLICY, 0, timeout_error(URL, "read", 90), 0.0) is None
    assert retry_delay(POLICY, 0, incomplete_stream(URL), 0.0) is None
