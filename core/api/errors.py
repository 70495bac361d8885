"""One exception hierarchy for every way a request can fail.

Every error carries a sentence for a person (``message``, also ``str(e)``), the HTTP
status when there was one, the server's own words (``detail``), the request id the
server assigned, the URL asked, and whether trying again could help (``retryable``).

``STATUS_CLASSES`` is the one table from HTTP status to class;
:func:`error_from_response` turns a status, headers and body (JSON in the usual
shapes, HTML, plain text or nothing) into the right error. No message or detail ever
contains an API key: anything that looks like one is masked.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from core.api.error_body import (
    clip,
    host_of,
    mask_secrets,
    parse_body,
    parse_json_error,
    parse_retry_after,
    request_id_from,
    retry_after_in_text,
)
from core.chat import ErrorInfo

DETAIL_LIMIT = 500  # characters of the server's message kept in ``detail``
MESSAGE_DETAIL_LIMIT = 200  # characters of it quoted in ``message``
RETRYABLE_STATUSES = frozenset({408, 409, 429})  # plus every 5xx


def status_is_retryable(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


@dataclass(frozen=True, slots=True)
class _Facts:
    """What a message template may mention."""

    status: int | None
    url: str
    host: str
    detail: str
    retry_after_s: float | None = None
    location: str = ""

    @property
    def said(self) -> str:
        """``": <the server's message>"`` or nothing."""
        text = clip(self.detail, MESSAGE_DETAIL_LIMIT).rstrip(" .")
        if not text or text.casefold() in self.status_text.casefold():
            return ""
        return f": {text}"

    @property
    def status_text(self) -> str:
        if self.status is None:
            return "no status"
        try:
            return f"{self.status} {HTTPStatus(self.status).phrase}"
        except ValueError:
            return str(self.status)


class APIError(Exception):
    """A request that did not produce an answer (or produced only part of one)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str = "",
        request_id: str = "",
        url: str = "",
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail
        self.request_id = request_id
        self.url = url
        self.retryable = retryable
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        return self.message

    @classmethod
    def describe(cls, f: _Facts) -> str:
        return f"The request to {f.host} failed ({f.status_text}){f.said}."


class BadRequestError(APIError):
    @classmethod
    def describe(cls, f: _Facts) -> str:
        return f"The server rejected the request ({f.status}){f.said}."


class AuthenticationError(APIError):
    @classmethod
    def describe(cls, f: _Facts) -> str:
        return f"The API key was refused ({f.status}). Check the key for {f.host}."


class InsufficientBalanceError(APIError):
    @classmethod
    def describe(cls, f: _Facts) -> str:
        return f"The account for {f.host} is out of credit ({f.status}){f.said}."


class PermissionDeniedError(APIError):
    @classmethod
    def describe(cls, f: _Facts) -> str:
        return f"The key for {f.host} is not allowed to do this ({f.status}){f.said}."


class NotFoundError(APIError):
    @classmethod
    def describe(cls, f: _Facts) -> str:
        return f"Not found ({f.status}) at {f.url}{f.said}. Check the model name and the base URL."


class RateLimitError(APIError):
    @classmethod
    def describe(cls, f: _Facts) -> str:
        if f.retry_after_s is not None:
            return f"Rate limited ({f.status}): try again in {math.ceil(f.retry_after_s)} s."
        return f"Rate limited ({f.status}){f.said}. Wait a moment and try again."


class ServerError(APIError):
    @classmethod
    def describe(cls, f: _Facts) -> str:
        if f.status is not None and 300 <= f.status < 400:
            where = f" to {f.location}" if f.location else ""
            return f"{f.url} redirects{where} ({f.status}): change the base URL to match."
        if f.status is not None and f.status >= 500:
            return f"{f.host} had a problem ({f.status_text}){f.said}. Try again in a moment."
        return f"{f.host} answered with an unexpected status ({f.status_text}){f.said}."


class APIConnectionError(APIError):
    """The server could not be reached, or dropped the connection before answering."""


class APITimeoutError(APIError):
    """No answer in time; ``phase`` says which wait ran out."""

    def __init__(self, message: str, *, phase: str = "server", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.phase = phase  # "connect", "read", "write", "pool" or "server" (HTTP 408)

    @classmethod
    def describe(cls, f: _Facts) -> str:
        return f"{f.host} timed out waiting for the request ({f.status})."


class MalformedResponseError(APIError):
    """A successful status, but not the answer's expected shape."""


class StreamErrorEvent(APIError):
    """An error object sent inside a stream that had started with 200."""


class IncompleteStreamError(APIError):
    """The stream stopped before ``[DONE]`` with an unfinished choice."""


STATUS_CLASSES: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: APITimeoutError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}

# Error ``code``/``type`` names some servers use, to read a 200 error body or a
# 429 that is really an empty balance.
_NAMED_STATUSES: Mapping[str, int] = {
    "invalid_api_key": 401,
    "authentication_error": 401,
    "unauthorized": 401,
    "insufficient_quota": 402,
    "insufficient_user_quota": 402,
    "insufficient_balance": 402,
    "permission_denied": 403,
    "permission_error": 403,
    "model_not_found": 404,
    "not_found_error": 404,
    "rate_limit_exceeded": 429,
    "rate_limit_error": 429,
    "invalid_request_error": 400,
    "server_error": 500,
    "api_error": 500,
    "overloaded_error": 503,
}
_BALANCE_CODES = frozenset(
    {"insufficient_quota", "insufficient_user_quota", "insufficient_balance"}
)


def class_for_status(status: int) -> type[APIError]:
    return STATUS_CLASSES.get(status, ServerError)


# --- building errors ----------------------------------------------------------------


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    url: str,
    *,
    secrets: Iterable[str] = (),
    now: Callable[[], float] = time.time,
) -> APIError:
    """The error for a response with ``status`` and ``body`` from ``url``.

    A 2xx status with an error body (some gateways answer that way) takes its status
    from the body's ``code``/``type``; when the body names none it is a server error.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    parsed = parse_body(body, lowered.get("content-type", ""))
    names = {parsed.code.lower(), parsed.kind.lower()}
    if status < 300:
        named = next((_NAMED_STATUSES[n] for n in names if n in _NAMED_STATUSES), None)
        status = parsed.status or named or 500
    cls = class_for_status(status)
    if status == 429 and names & _BALANCE_CODES:
        cls = InsufficientBalanceError
    retry_after = parse_retry_after(lowered, now=now)
    if retry_after is None:
        retry_after = parsed.retry_after_s
    if retry_after is None and cls is RateLimitError:
        retry_after = retry_after_in_text(parsed.detail)
    secrets = tuple(secrets)
    detail = clip(mask_secrets(parsed.detail, secrets), DETAIL_LIMIT)
    safe_url = mask_secrets(url, secrets)
    facts = _Facts(
        status=status,
        url=safe_url,
        host=host_of(safe_url),
        detail=detail,
        retry_after_s=retry_after,
        location=mask_secrets(lowered.get("location", ""), secrets),
    )
    return cls(
        cls.describe(facts),
        status=status,
        detail=detail,
        request_id=request_id_from(lowered) or parsed.request_id,
        url=safe_url,
        retryable=status_is_retryable(status) and cls is not InsufficientBalanceError,
        retry_after_s=retry_after,
    )


def connection_error(url: str, reason: str, *, retryable: bool = True) -> APIConnectionError:
    """``reason``: a few words such as "connection refused"."""
    safe_url = mask_secrets(url)
    return APIConnectionError(
        f"Can't reach {host_of(safe_url)}: {reason}.",
        detail=reason,
        url=safe_url,
        retryable=retryable,
    )


def timeout_error(
    url: str, phase: str, seconds: float | None, *, mid_answer: bool = False
) -> APITimeoutError:
    """A ``phase`` ("connect", "read", "write", "pool") wait of ``seconds`` that ran out;
    ``mid_answer``: while reading the body of a successful response (never retried)."""
    safe_url = mask_secrets(url)
    host = host_of(safe_url)
    within = f" within {seconds:g} s" if seconds is not None else ""
    if phase == "connect":
        message = f"Could not connect to {host}{within} (connect timeout)."
    elif phase == "read" and mid_answer:
        silent = f" for {seconds:g} s" if seconds is not None else ""
        message = f"{host} went silent{silent} in the middle of the answer (read timeout)."
    elif phase == "read":
        message = f"{host} did not answer{within} (read timeout)."
    elif phase == "write":
        message = f"Could not send the request to {host}{within} (write timeout)."
    else:
        message = f"No free connection to {host}{within} (pool timeout)."
    return APITimeoutError(
        message,
        phase=phase,
        detail=f"{phase} timeout",
        url=safe_url,
        retryable=phase in ("connect", "pool") and not mid_answer,
    )


def malformed_response(url: str, what: str, detail: str = "", request_id: str = "") -> APIError:
    """``what``: the sentence's middle, e.g. "sent a body that is not JSON"."""
    safe_url = mask_secrets(url)
    return MalformedResponseError(
        f"{host_of(safe_url)} {what}.",
        status=200,
        detail=clip(mask_secrets(detail), DETAIL_LIMIT),
        request_id=request_id,
        url=safe_url,
    )


def stream_error(payload: Mapping[str, Any], url: str, request_id: str = "") -> StreamErrorEvent:
    """The error for an error object found in a stream (the object or ``{"error": …}``)."""
    obj = dict(payload) if "error" in payload else {"error": dict(payload)}
    parsed = parse_json_error(obj)
    detail = clip(mask_secrets(parsed.detail), DETAIL_LIMIT)
    said = clip(detail, MESSAGE_DETAIL_LIMIT).rstrip(" .") or "no reason given"
    safe_url = mask_secrets(url)
    return StreamErrorEvent(
        f"{host_of(safe_url)} reported an error during the answer: {said}.",
        status=parsed.status,
        detail=detail,
        request_id=parsed.request_id or request_id,
        url=safe_url,
    )


def incomplete_stream(url: str, request_id: str = "", reason: str = "") -> IncompleteStreamError:
    safe_url = mask_secrets(url)
    return IncompleteStreamError(
        f"The connection to {host_of(safe_url)} ended before the answer was finished.",
        status=200,
        detail=reason,
        request_id=request_id,
        url=safe_url,
    )


def error_info(e: APIError) -> ErrorInfo:
    """What is kept with a message about the error ``e``."""
    return ErrorInfo(
        kind=type(e).__name__,
        message=e.message,
        status=e.status,
        detail=e.detail,
        request_id=e.request_id,
        retry_after_s=e.retry_after_s,
    )
