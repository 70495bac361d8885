"""The fake gateway's HTTP server: real sockets on 127.0.0.1, one thread per connection.

HTTP/1.1 with keep-alive; streams go out with chunked transfer encoding. Waits
(slow tokens, slow headers, hangs) watch the client's socket, so a client that goes
away is noticed at once (``Recorded.disconnected``), and watch an abort flag, so
``reset()`` and ``stop()`` end them.
"""

from __future__ import annotations

import contextlib
import json
import math
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import TCPServer
from typing import Any

from tests.gateway.answers import echo_chunks, echo_completion, request_problem
from tests.gateway.replies import Pause, Reply, error_body

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
DEFAULT_MODELS = (
    {"id": "gateway-model", "object": "model", "created": 1_700_000_000, "owned_by": "gateway"},
    {"id": "gateway-reasoner", "object": "model", "created": 1_700_000_000, "owned_by": "gateway"},
    {"id": "gpt-4o-mini", "object": "model", "created": 1_700_000_000, "owned_by": "openai"},
)
_POLL_S = 0.02


class ClientGone(Exception):
    """The client closed the connection while the gateway was answering."""


class _Aborted(Exception):
    """``reset()`` or ``stop()`` ended a wait."""


@dataclass
class Recorded:
    """One request the gateway received."""

    number: int
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw: bytes
    body: Any  # the parsed JSON body, or None
    client_port: int  # tells connections apart: equal ports mean a reused connection
    disconnected: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    # time.monotonic() after each stream event was written to the socket
    sent_at: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The bearer token sent, or ""."""
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else ""


class Gateway:
    """A fake OpenAI-compatible server; see the package docstring for its use."""

    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._abort = threading.Event()
        self._queues: dict[str, deque[Reply]] = {}
        self._count = 0
        self._thread: threading.Thread | None = None
        self.requests: list[Recorded] = []
        self.errors: list[BaseException] = []  # unexpected failures inside the gateway
        self.require_key: str | None = None
        self.models: list[dict[str, Any]] = [dict(m) for m in DEFAULT_MODELS]
        self.delay = 0.0  # seconds between the chunks of default (echo) answers
        self._server = _Server(self, ("127.0.0.1", port))

    # --- life -------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1"

    def start(self) -> Gateway:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and wait for every thread."""
        self._abort.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.close_all()
        self._server.server_close()

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget requests and scripts, end pending waits, restore the defaults."""
        with self._lock:
            self._abort.set()
            self._abort = threading.Event()
            self._queues.clear()
            self.requests.clear()
            self._count = 0
            self.errors.clear()
        self.require_key = None
        self.models = [dict(m) for m in DEFAULT_MODELS]
        self.delay = 0.0

    # --- scripting and records --------------------------------------------------

    def push(self, *replies: Reply, path: str = CHAT_PATH) -> None:
        """Queue replies for the next requests to ``path`` (first in, first out)."""
        with self._lock:
            self._queues.setdefault(path, deque()).extend(replies)

    @property
    def pending(self) -> int:
        """Replies pushed but not used yet."""
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    @property
    def last(self) -> Recorded:
        return self.requests[-1]

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == CHAT_PATH]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[Recorded]:
        """Block until ``count`` requests arrived; returns them."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.requests)} requests arrived, not {count}")
            time.sleep(0.005)
        return list(self.requests)

    def _record(self, handler: _Handler, raw: bytes) -> tuple[Recorded, threading.Event]:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self._count += 1
            rec = Recorded(
                number=self._count,
                method=handler.command,
                path=handler.path.split("?")[0],
                headers={k.lower(): v for k, v in handler.headers.items()},
                raw=raw,
                body=body,
                client_port=handler.client_address[1],
            )
            self.requests.append(rec)
            return rec, self._abort

    # --- choosing a reply -------------------------------------------------------

    def _reply_for(self, rec: Recorded) -> Reply:
        known = {CHAT_PATH: "POST", MODELS_PATH: "GET"}
        if known.get(rec.path) != rec.method:
            message = f"Invalid URL ({rec.method} {rec.path})"
            return Reply.error(404, error_body(message, code="not_found"))
        if self.require_key is not None and rec.key != self.require_key:
            message = f"Incorrect API key provided: {rec.key or '(none)'}."
            return Reply.error(401, error_body(message, code="invalid_api_key"))
        with self._lock:
            queue = self._queues.get(rec.path)
            if queue:
                return queue.popleft()
        return Reply.echo()

    def _echo(self, rec: Recorded, reply: Reply) -> Reply:
        if rec.path == MODELS_PATH:
            return Reply.json({"object": "list", "data": self.models})
        body = rec.body
        problem = request_problem(body)
        if problem:
            return Reply.error(400, error_body(problem))
        if body.get("stream"):
            delay = reply.delay if reply.delay is not None else self.delay
            chunks = echo_chunks(body, rec.number)
            return Reply.stream(chunks, delay=delay, cut_after=reply.cut_after)
        return Reply.json(echo_completion(body, rec.number))


class _Server(HTTPServer):
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, gateway: Gateway, address: tuple[str, int]) -> None:
        self.gateway = gateway
        self.lock = threading.Lock()
        self.threads: set[threading.Thread] = set()
        self.connections: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        TCPServer.server_bind(self)  # without HTTPServer's reverse DNS lookup
        self.server_name = "127.0.0.1"
        self.server_port = int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="gateway-connection",
            daemon=True,
        )
        with self.lock:
            self.threads.add(thread)
            self.connections.add(request)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            with self.lock:
                self.connections.discard(request)
                self.threads.discard(threading.current_thread())
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError | ClientGone | _Aborted):
            self.gateway.errors.append(exc)

    def close_all(self) -> None:
        """Shut every open connection and wait for its thread."""
        with self.lock:
            connections, threads = list(self.connections), list(self.threads)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout=5)
            if thread.is_alive():
                self.gateway.errors.append(RuntimeError("a gateway thread did not stop"))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small chunks go out at once
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _handle(self) -> None:
        gateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        rec, abort = gateway._record(self, raw)
        try:
            _Responder(self, rec, abort).send(gateway._reply_for(rec))
        except ClientGone:
            rec.disconnected.set()
            self.close_connection = True
        except _Aborted:
            self.close_connection = True
        finally:
            rec.finished.set()


class _Responder:
    """Writes one ``Reply`` to the handler's connection."""

    def __init__(self, handler: _Handler, rec: Recorded, abort: threading.Event) -> None:
        self.handler = handler
        self.rec = rec
        self.abort = abort

    def send(self, reply: Reply) -> None:
        if reply.head_delay:
            self.pause(reply.head_delay)
        if reply.kind == "echo":
            reply = self.handler.server.gateway._echo(self.rec, reply)
        if reply.kind == "hang":
            self.pause(math.inf)
        elif reply.kind == "drop":
            self.handler.close_connection = True
        elif reply.kind == "body":
            self.start(reply, chunked=reply.chunked, length=len(reply.body))
            if reply.chunked:
                for at in range(0, len(reply.body), 65536):
                    self.write_chunk(reply.body[at : at + 65536])
                self.write(b"0\r\n\r\n")
            else:
                self.write(reply.body)
        else:
            self.stream(reply)

    def stream(self, reply: Reply) -> None:
        self.start(reply, chunked=True)
        sent = 0
        events = [*reply.events, *([b"data: [DONE]\n\n"] if reply.done else [])]
        for event in events:
            if isinstance(event, Pause):
                self.pause(event.seconds)
                continue
            if reply.cut_after is not None and sent >= reply.cut_after:
                self.handler.close_connection = True  # the chunked body is never ended
                return
            if sent and reply.delay:
                self.pause(reply.delay)
            self.write_chunk(event)
            self.rec.sent_at.append(time.monotonic())
            sent += 1
        self.write(b"0\r\n\r\n")

    def start(self, reply: Reply, *, chunked: bool, length: int = 0) -> None:
        h = self.handler
        h.send_response(reply.status)
        headers: dict[str, str] = {"x-request-id": f"req-{self.rec.number}"}
        if reply.content_type:
            headers["Content-Type"] = reply.content_type
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
            headers["Cache-Control"] = "no-cache"
        else:
            headers["Content-Length"] = str(length)
        for name, value in _merged(headers, reply.headers).items():
            h.send_header(name, value)
        try:
            h.end_headers()
        except OSError as exc:
            raise ClientGone from exc

    def write(self, data: bytes) -> None:
        try:
            self.handler.wfile.write(data)
        except OSError as exc:
            raise ClientGone from exc

    def write_chunk(self, data: bytes) -> None:
        if data:
            self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``; raise when the client leaves or the gateway is reset."""
        deadline = time.monotonic() + seconds
        conn = self.handler.connection
        while True:
            if self.abort.is_set():
                raise _Aborted
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([conn], [], [], min(left, _POLL_S))
            if readable:
                try:
                    peeked = conn.recv(1, socket.MSG_PEEK)
                except OSError as exc:
                    raise ClientGone from exc
                if not peeked:
                    raise ClientGone
                time.sleep(min(left, _POLL_S))


def _merged(base: dict[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``base`` with ``extra`` on top, header names compared case-insensitively."""
    out = {k: v for k, v in base.items() if k.lower() not in {e.lower() for e in extra}}
    out.update(extra)
    return out
