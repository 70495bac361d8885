"""httpx exceptions as errors of ``core.api.errors``, naming the host and the cause."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx

from core.api.errors import (
    APIError,
    connection_error,
    incomplete_stream,
    malformed_response,
    timeout_error,
)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its causes and contexts, and the members of exception groups."""
    todo, seen = [exc], set()
    while todo:
        item = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)
        if isinstance(item, BaseExceptionGroup):
            todo.extend(item.exceptions)


def _timeout_error(
    exc: httpx.TimeoutException, url: str, timeout: httpx.Timeout, mid_answer: bool = False
) -> APIError:
    if isinstance(exc, httpx.ConnectTimeout):
        return timeout_error(url, "connect", timeout.connect)
    if isinstance(exc, httpx.WriteTimeout):
        return timeout_error(url, "write", timeout.write)
    if isinstance(exc, httpx.PoolTimeout):
        return timeout_error(url, "pool", timeout.pool)
    return timeout_error(url, "read", timeout.read, mid_answer=mid_answer)


def send_error(exc: httpx.HTTPError, url: str, timeout: httpx.Timeout) -> APIError:
    """The error for a request that got no response."""
    if isinstance(exc, httpx.TimeoutException):
        return _timeout_error(exc, url, timeout)
    if isinstance(exc, httpx.ConnectError):
        for cause in _causes(exc):
            if isinstance(cause, ssl.SSLCertVerificationError):
                reason = cause.verify_message or cause.reason or "certificate not trusted"
                return connection_error(url, f"its TLS certificate ({reason})", retryable=False)
            if isinstance(cause, ssl.SSLError):
                reason = cause.reason or str(cause)
                return connection_error(url, f"TLS failed ({reason})", retryable=False)
            if isinstance(cause, ConnectionRefusedError):
                return connection_error(url, "connection refused")
            if isinstance(cause, socket.gaierror):
                return connection_error(url, "the host name could not be resolved")
        return connection_error(url, str(exc) or "could not connect")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return connection_error(url, "the URL's scheme is not supported", retryable=False)
    if isinstance(exc, httpx.ProxyError):
        return connection_error(url, f"the proxy failed ({exc})", retryable=False)
    if isinstance(exc, httpx.TransportError):
        return connection_error(url, "the connection closed before an answer arrived")
    return connection_error(url, str(exc) or type(exc).__name__, retryable=False)


def body_error(
    exc: httpx.HTTPError, url: str, timeout: httpx.Timeout, request_id: str = ""
) -> APIError:
    """The error for a failure while reading a 2xx body: never retried."""
    if isinstance(exc, httpx.TimeoutException):
        error = _timeout_error(exc, url, timeout, mid_answer=True)
        error.request_id = request_id
        return error
    if isinstance(exc, httpx.DecodingError):
        return malformed_response(url, "sent a body that could not be read", str(exc), request_id)
    return incomplete_stream(url, request_id, str(exc) or type(exc).__name__)
