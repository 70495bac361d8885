"""Sends chat requests and reads the answers into a ``StreamAccumulator``.

One ``httpx.AsyncClient`` (from :func:`make_http_client`) serves the whole app;
:class:`ChatClient` wraps it with the retry policy and maps every failure to an
error of ``core.api.errors``. A streamed answer is read one network read at a time:
each read goes through the SSE decoder into the accumulator, and ``on_update`` is
called when the read changed what is visible. The response is always closed in a
``finally``, so cancelling the task (Stop) frees the connection at once.

httpx (tens of ms to import) is imported by the functions that use it, so the app can
show its window before it has been. When the client is made by a factory, the first
request makes it (the imports, the TLS context with its certificates) on a worker
thread, so a busy window never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from core.api.accumulator import StreamAccumulator
from core.api.error_body import body_excerpt, looks_like_html, request_id_from
from core.api.errors import (
    APIError,
    error_from_response,
    incomplete_stream,
    malformed_response,
    stream_error,
)
from core.api.http import make_http_client
from core.api.retry import RetryPolicy, retry_delay
from core.api.sse import ChatStreamDecoder, MalformedEventError
from core.api.turns import hurry
from core.chat import Completion
from core.endpoint import Endpoint

if TYPE_CHECKING:
    import httpx

__all__ = ["ChatClient", "make_http_client"]

_log = logging.getLogger(__name__)

ERROR_BODY_LIMIT = 64 * 1024  # bytes of an error body read for its message
BODY_LIMIT = 64 * 1024 * 1024  # bytes of a whole (non-streamed) JSON answer
DRAIN_TIMEOUT_S = 1.0  # after [DONE], how long the rest of the body may take

_SSE_TYPES = frozenset({"text/event-stream"})
# Content types under which some servers send a stream or an answer: sniffed.
_SNIFFED_TYPES = frozenset({"", "text/plain", "application/octet-stream"})


@dataclass(slots=True)
class _Call:
    """One request in flight: where it goes and what must never be shown."""

    url: str
    secrets: tuple[str, ...]
    request_id: str = ""


class ChatClient:
    """Chat completions and model lists over an injected ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient | Callable[[], httpx.AsyncClient],
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.perf_counter,
        rand: Callable[[], float] = random.random,
    ) -> None:
        # A factory is callable, a client is not (isinstance would import httpx here).
        self._factory: Callable[[], httpx.AsyncClient] | None = None
        self._http_client: httpx.AsyncClient | None = None
        self._making: asyncio.Future[httpx.AsyncClient] | None = None
        if callable(http):
            self._factory = http
        else:
            self._http_client = http
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rand = rand

    @property
    def _http(self) -> httpx.AsyncClient:
        """The HTTP client; made on first use when a factory was given (a faster start)."""
        if self._http_client is None:
            assert self._factory is not None
            self._http_client = self._factory()
        return self._http_client

    async def prepare(self) -> None:
        """Make the HTTP client now, on a worker thread (so the first request need not)."""
        if self._factory is not None:
            await self._ready()

    async def _ready(self) -> None:
        """Make the HTTP client on a worker thread if it is not made yet (every request
        that comes meanwhile waits for the same one)."""
        if self._http_client is not None:
            return
        if self._making is None:
            assert self._factory is not None
            self._making = asyncio.ensure_future(asyncio.to_thread(_make, self._factory))
        try:
            client = await asyncio.shield(self._making)
        except BaseException:
            if self._making.done():
                self._making = None  # a failed or cancelled start is tried again
            raise
        if self._http_client is None:
            self._http_client = client

    @property
    def started(self) -> bool:
        """True once the HTTP client exists (something may need closing)."""
        return self._http_client is not None

    async def aclose(self) -> None:
        """Close the HTTP client if this client made it."""
        if self._making is not None and self._http_client is None:
            with contextlib.suppress(Exception):
                self._http_client = await self._making
        if self._http_client is not None and self._factory is not None:
            await self._http_client.aclose()

    async def complete(
        self,
        endpoint: Endpoint,
        body: dict[str, Any],
        acc: StreamAccumulator,
        *,
        on_update: Callable[[StreamAccumulator], None] | None = None,
        on_retry: Callable[[APIError, float], None] | None = None,
    ) -> Completion:
        """Send ``body`` to the endpoint's chat URL and read the answer into ``acc``.

        Raises an :class:`APIError`; whatever arrived before it stays in ``acc``.
        """
        await self._ready()
        import httpx

        from core.api.net_errors import body_error

        call = _Call(endpoint.chat_url, (endpoint.api_key,))
        headers = endpoint.request_headers()
        headers["Accept"] = "text/event-stream" if body.get("stream") else "application/json"
        payload = msgspec.json.encode(body)
        started = self._clock()
        response = await self._send(call, "POST", headers, payload, on_retry)
        acc.request_id = call.request_id
        try:
            await self._read_answer(call, response, acc, on_update)
        except httpx.HTTPError as exc:
            raise body_error(exc, call.url, self._http.timeout, call.request_id) from exc
        finally:
            await response.aclose()
        acc.finish()
        _log.debug("answer from %s in %.3f s", call.url, self._clock() - started)
        return acc.snapshot()

    async def list_models(self, endpoint: Endpoint) -> list[dict[str, Any]]:
        """The ``data`` list of the endpoint's ``GET /models``."""
        await self._ready()
        import httpx

        from core.api.net_errors import body_error

        call = _Call(endpoint.models_url, (endpoint.api_key,))
        headers = endpoint.request_headers()
        headers.pop("Content-Type", None)
        headers["Accept"] = "application/json"
        response = await self._send(call, "GET", headers, None, None)
        try:
            body = await _read_all(response.aiter_bytes(), BODY_LIMIT)
        except httpx.HTTPError as exc:
            raise body_error(exc, call.url, self._http.timeout, call.request_id) from exc
        finally:
            await response.aclose()
        try:
            obj = msgspec.json.decode(body)
        except msgspec.DecodeError:
            kind = response.headers.get("content-type", "").split(";")[0] or "no content type"
            raise malformed_response(
                call.url,
                f"answered with {kind} instead of a model list",
                body_excerpt(body, kind),
                call.request_id,
            ) from None
        data = obj.get("data") if isinstance(obj, dict) else obj
        if isinstance(data, list):
            return [item for item in data if isinstance(item, dict)]
        if isinstance(obj, dict) and _is_error_body(obj):
            raise error_from_response(200, response.headers, body, call.url, secrets=call.secrets)
        raise malformed_response(
            call.url,
            "sent JSON that is not a model list",
            body[:ERROR_BODY_LIMIT].decode("utf-8", "replace"),
            call.request_id,
        )

    # --- sending ------------------------------------------------------------------

    async def _send(
        self,
        call: _Call,
        method: str,
        headers: dict[str, str],
        content: bytes | None,
        on_retry: Callable[[APIError, float], None] | None,
    ) -> httpx.Response:
        """A response with a 2xx status, its body unread; retries per the policy."""
        attempt = 0
        while True:
            try:
                return await self._send_once(call, method, headers, content)
            except APIError as error:
                delay = retry_delay(self._retry, attempt, error, self._rand())
                if delay is None:
                    raise
                _log.info("retrying %s in %.2f s: %s", call.url, delay, error)
                if on_retry is not None:
                    on_retry(error, delay)
                await self._sleep(delay)
                attempt += 1

    async def _send_once(
        self, call: _Call, method: str, headers: dict[str, str], content: bytes | None
    ) -> httpx.Response:
        import httpx

        from core.api.net_errors import send_error

        request = self._http.build_request(method, call.url, headers=headers, content=content)
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise send_error(exc, call.url, self._http.timeout) from exc
        call.request_id = request_id_from(response.headers)
        if response.is_success:
            return response
        try:
            body = await _read_all(response.aiter_bytes(), ERROR_BODY_LIMIT, partial=True)
        finally:
            await response.aclose()
        raise error_from_response(
            response.status_code, response.headers, body, call.url, secrets=call.secrets
        )

    # --- reading ------------------------------------------------------------------

    async def _read_answer(
        self,
        call: _Call,
        response: httpx.Response,
        acc: StreamAccumulator,
        on_update: Callable[[StreamAccumulator], None] | None,
    ) -> None:
        content_type = response.headers.get("content-type", "")
        mime = content_type.split(";")[0].strip().lower()
        chunks = _body_reads(response)
        if mime in _SSE_TYPES or mime in _SNIFFED_TYPES:
            head = await _read_stream(call, chunks, acc, on_update, lambda: hurry(response))
            if head is None:
                return
            body, content_type = head, ""
        elif mime.endswith("json"):
            body = await _read_all(chunks, BODY_LIMIT)
        else:
            body = await _read_all(chunks, ERROR_BODY_LIMIT, partial=True)
            raise malformed_response(
                call.url,
                f"answered with {mime} instead of an API response: the base URL may point "
                "at a web page or a login page",
                body_excerpt(body, content_type),
                call.request_id,
            )
        _take_whole_answer(call, response, body, content_type, acc, on_update)


def _make(factory: Callable[[], httpx.AsyncClient]) -> httpx.AsyncClient:
    """On a worker thread: import what a request needs and make the HTTP client."""
    import importlib

    for module in ("httpx", "core.api.net_errors", "anyio._backends._asyncio"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    return factory()


async def _read_stream(
    call: _Call,
    chunks: AsyncIterator[bytes],
    acc: StreamAccumulator,
    on_update: Callable[[StreamAccumulator], None] | None,
    finishing: Callable[[], None] | None = None,
) -> bytes | None:
    """Read an event stream into ``acc``; None when it ended properly. ``finishing`` is
    called once every choice has its finish reason (the usage and ``[DONE]`` follow).

    A body that held no event at all is returned whole (up to ``BODY_LIMIT``) for
    reading as a JSON answer: some servers ignore ``stream`` or mislabel the type.
    """
    import httpx

    decoder = ChatStreamDecoder()
    feed = decoder.feed
    add_many = acc.add_many
    # The body while it has held no event (it may be a JSON answer); None after one.
    head: list[bytes] | None = []
    head_size = 0
    version_seen = acc.version
    cut = ""
    try:
        # Once per network read, so ``_feed`` is written out here.
        async for data in chunks:
            if head is not None:
                if decoder.events:
                    head = None
                elif head_size < BODY_LIMIT:
                    head.append(data)
                    head_size += len(data)
            try:
                decoded = feed(data)
            except MalformedEventError as exc:
                raise _malformed(call, acc, exc) from exc
            if decoded:
                add_many(decoded)
                if acc.error_payload is not None:
                    raise stream_error(acc.error_payload, call.url, call.request_id)
                if finishing is not None and acc.finishing:
                    finishing()
                    finishing = None
                if on_update is not None and acc.version != version_seen:
                    version_seen = acc.version
                    on_update(acc)
            if decoder.done:
                await _drain(chunks)
                return None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        cut = str(exc) or type(exc).__name__
    if not cut:
        _feed(call, acc, lambda _: decoder.close(), b"")
    if head is not None and decoder.events == 0 and not cut:
        return b"".join(head)
    if on_update is not None and acc.version != version_seen:
        on_update(acc)
    choices = acc.snapshot().choices
    if choices and all(c.finish_reason for c in choices):
        return None
    raise incomplete_stream(call.url, call.request_id, cut or "the stream ended without [DONE]")


def _feed(
    call: _Call,
    acc: StreamAccumulator,
    decode: Callable[[bytes], list[dict[str, Any]]],
    data: bytes,
) -> None:
    try:
        chunks = decode(data)
    except MalformedEventError as exc:
        raise _malformed(call, acc, exc) from exc
    if chunks:
        acc.add_many(chunks)
        if acc.error_payload is not None:
            raise stream_error(acc.error_payload, call.url, call.request_id)


def _malformed(call: _Call, acc: StreamAccumulator, exc: MalformedEventError) -> APIError:
    """Take the events decoded before the bad one; the error to raise for it."""
    acc.add_many(exc.decoded)
    return malformed_response(
        call.url,
        "sent a stream event that is not valid JSON",
        exc.raw.decode("utf-8", "replace"),
        call.request_id,
    )


def _body_reads(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body one network read at a time, decoded if it has a content encoding.

    Without one, httpx's decoding step would hand every read on unchanged: the raw
    reads are the same bytes with one generator less per read.
    """
    if response.is_stream_consumed or "content-encoding" in response.headers:
        return response.aiter_bytes()
    return response.aiter_raw()


def _take_whole_answer(
    call: _Call,
    response: httpx.Response,
    body: bytes,
    content_type: str,
    acc: StreamAccumulator,
    on_update: Callable[[StreamAccumulator], None] | None,
) -> None:
    if not body.strip():
        raise malformed_response(call.url, "sent an empty answer", "", call.request_id)
    try:
        obj = msgspec.json.decode(body)
    except msgspec.DecodeError:
        text = body[:ERROR_BODY_LIMIT].decode("utf-8", "replace")
        what = "sent a web page" if looks_like_html(text, content_type) else "sent a body"
        raise malformed_response(
            call.url,
            f"{what} instead of a chat completion",
            body_excerpt(body[:ERROR_BODY_LIMIT], content_type),
            call.request_id,
        ) from None
    if isinstance(obj, dict) and "choices" not in obj and _is_error_body(obj):
        raise error_from_response(200, response.headers, body, call.url, secrets=call.secrets)
    if not isinstance(obj, dict) or not isinstance(obj.get("choices"), list):
        raise malformed_response(
            call.url,
            "sent JSON that is not a chat completion",
            body[:ERROR_BODY_LIMIT].decode("utf-8", "replace"),
            call.request_id,
        )
    acc.set_response(obj)
    if on_update is not None:
        on_update(acc)


def _is_error_body(obj: dict[str, Any]) -> bool:
    return bool(obj.get("error") or obj.get("detail") or ("message" in obj and "code" in obj))


async def _read_all(chunks: AsyncIterator[bytes], limit: int, *, partial: bool = False) -> bytes:
    """The body up to ``limit`` bytes; ``partial``: stop there (and on a broken connection)
    instead of raising."""
    import httpx

    parts: list[bytes] = []
    size = 0
    try:
        async for data in chunks:
            parts.append(data)
            size += len(data)
            if size >= limit:
                if partial:
                    break
                raise httpx.DecodingError(f"the body is larger than {limit} bytes")
    except httpx.TransportError:
        if not partial:
            raise
    return b"".join(parts)[:limit]


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows ``[DONE]`` (the body's end) so the connection can be reused."""
    import httpx

    with contextlib.suppress(TimeoutError, httpx.HTTPError):
        async with asyncio.timeout(DRAIN_TIMEOUT_S):
            async for _ in chunks:
                pass
