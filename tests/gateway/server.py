"""The fake gateway's HTTP server: real sockets on 127.0.0.1, one thread per connection.

HTTP/1.1 with keep-alive; streams go out with chunked transfer encoding. Replies are
written by ``wire.Responder``, whose waits notice a client that goes away
(``Recorded.disconnected``) and end at ``reset()`` and ``stop()``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import TCPServer
from typing import Any, Literal

from tests.gateway.answers import (
    echo_chunks,
    echo_completion,
    request_problem,
    trailing_assistant,
)
from tests.gateway.judge import JUDGE_MODELS
from tests.gateway.replies import Reply, error_body
from tests.gateway.sampler import SAMPLED_WORDS
from tests.gateway.upstreams import (
    BUNDLED_MODEL_IDS,
    Refused,
    Shape,
    refusal,
    shaped,
    unknown_model,
)
from tests.gateway.wire import Aborted, ClientGone, Recorded, Responder

CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
DEFAULT_MODELS = (
    {"id": "gateway-model", "object": "model", "created": 1_700_000_000, "owned_by": "gateway"},
    {"id": "gateway-reasoner", "object": "model", "created": 1_700_000_000, "owned_by": "gateway"},
    {"id": "gpt-4o-mini", "object": "model", "created": 1_700_000_000, "owned_by": "openai"},
)
# What a conversation ending with an assistant message gets: a continuation of it (as
# llama.cpp's server gives), a new answer (as OpenAI gives), or a 400 (as Mistral gives).
Prefill = Literal["continue", "restart", "refuse"]
PREFILL_MODES: tuple[Prefill, ...] = ("continue", "restart", "refuse")
PREFILL_REFUSAL = (
    "Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant"
)
# Ids the suite's tests use for "some model": accepted in chat requests, not listed.
STAND_IN_MODELS = frozenset(
    {"m", "m1", "model-a", "model-b", "model-c", "slow", "broken", *JUDGE_MODELS}
)


# OpenRouter-style prices (dollars per token, as strings) for with_prices().
LISTED_PRICES = {
    "gateway-model": {"prompt": "0.0000005", "completion": "0.0000015"},
    "gateway-reasoner": {"prompt": "0.000003", "completion": "0.000012"},
    "gpt-4o-mini": {
        "prompt": "0.00000015",
        "completion": "0.0000006",
        "input_cache_read": "0.000000075",
    },
}


def with_prices(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``models`` with a ``pricing`` object on those ``LISTED_PRICES`` knows."""
    return [
        {**m, "pricing": LISTED_PRICES[m["id"]]} if m.get("id") in LISTED_PRICES else dict(m)
        for m in models
    ]


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
        self._restore_settings()
        self._server = _Server(self, ("127.0.0.1", port))

    def _restore_settings(self) -> None:
        self.require_key: str | None = None
        self.models: list[dict[str, Any]] = [dict(m) for m in DEFAULT_MODELS]
        self.delay = 0.0  # seconds between the chunks of default (echo) answers
        # sample the default answers of requests that send no temperature, top_p or seed
        self.sample_by_default = False
        # chat ids known besides those of ``models`` and resources/models.txt
        self.accepted_models: set[str] = set(STAND_IN_MODELS)
        self.accept_any_model = False  # no 404 for an unknown model
        self.upstream_rules = True  # refuse what the model's upstream refuses (upstreams.py)
        # public id → upstream id, as a one-api/new-api channel's model mapping: the
        # upstream's refusals apply to the mapped id, and a mapped id is known
        self.model_mapping: dict[str, str] = {}
        self.error_shape: Shape = "openai"  # the body those refusals and 404s come in
        self.assistant_prefill: Prefill = "continue"  # see PREFILL_MODES
        self.honour_seed = True  # False: a seed changes nothing, as on some servers
        self.sampled_words = SAMPLED_WORDS  # words of a sampled answer after its echo

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
        self._restore_settings()

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
        refused = self._refusal(body)
        if refused is not None:
            return Reply.error(refused.status, shaped(refused, self.error_shape, rec.number))
        prefilled = bool(trailing_assistant(body["messages"]))
        if prefilled and self.assistant_prefill == "refuse":
            return Reply.error(
                400, error_body(PREFILL_REFUSAL, code="invalid_request_message_order")
            )
        options = {
            "sample_by_default": self.sample_by_default,
            "prefill": self.assistant_prefill == "continue",
            "honour_seed": self.honour_seed,
            "words": self.sampled_words,
        }
        if body.get("stream"):
            delay = reply.delay if reply.delay is not None else self.delay
            chunks = echo_chunks(body, rec.number, **options)
            return Reply.stream(chunks, delay=delay, cut_after=reply.cut_after)
        return Reply.json(echo_completion(body, rec.number, **options))

    def _refusal(self, body: dict[str, Any]) -> Refused | None:
        """The 404 for an unknown model or the upstream's 400 for ``body``, if any."""
        model = str(body["model"])
        listed = {str(m.get("id")) for m in self.models if isinstance(m, dict)}
        known = listed | BUNDLED_MODEL_IDS | self.accepted_models | set(self.model_mapping)
        if not self.accept_any_model and model not in known:
            return unknown_model(model)
        if not self.upstream_rules:
            return None
        return refusal({**body, "model": self.model_mapping.get(model, model)})


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
        if exc is not None and not isinstance(exc, OSError | ClientGone | Aborted):
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
            Responder(self, rec, abort, gateway._echo).send(gateway._reply_for(rec))
        except ClientGone:
            rec.disconnected.set()
            self.close_connection = True
        except Aborted:
            self.close_connection = True
        finally:
            rec.finished.set()
