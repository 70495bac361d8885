"""A fake OpenAI-compatible gateway for tests: a real HTTP server on 127.0.0.1.

It runs in its own threads, so it serves any event loop (plain asyncio, qasync)
and any client. In tests, take the ``gateway`` fixture (one server per session,
reset before each test)::

    async def test_something(gateway):
        endpoint = Endpoint(gateway.url)            # "http://127.0.0.1:PORT/v1"
        ...                                         # the default answer: "Echo: <text> ..."
        assert gateway.last.body["model"] == "m"    # every request is recorded

Routes: ``POST /v1/chat/completions``, ``GET /v1/models`` (``gateway.models``);
anything else answers 404 with an OpenAI-shaped error. ``gateway.require_key =
"sk-test"`` makes both routes answer 401 unless that bearer key is sent.

Without a script, chat requests get the default answer of ``answers`` (it honours
``stream``, ``n``, ``max_tokens``, ``stop``, ``stream_options``, ``logprobs``,
``response_format``, ``tools``/``tool_choice`` and reasoning models);
``gateway.delay`` puts seconds between its chunks.

Scripts: ``gateway.push(reply, ...)`` queues replies used one per request, first in
first out (``path=MODELS_PATH`` scripts the model list instead)::

    Reply.stream([chunk({"content": "Hi"}), error_chunk(...)], delay=0.01, cut_after=3)
    Reply.stream(text_chunks("Hello there") + [Pause(1.0)], done=False)
    Reply.echo(delay=0.05, cut_after=4)      # the default answer, slowly or cut short
    Reply.json(body, status=200)
    Reply.error(429, error_body("Slow down"), headers={"Retry-After": "2"})
    Reply.error(500, "plain text"); Reply.error(400, {"detail": "..."})
    Reply.html(502, "<html><title>502 Bad Gateway</title></html>")
    Reply.raw(b"data: {oops\n\n", content_type="text/event-stream")
    Reply.slow_headers(0.5, then=Reply.json(...)); Reply.hang(); Reply.drop()

Records: ``gateway.requests`` (``Recorded``: method, path, headers lower-cased, raw,
body, key, client_port, and the events ``disconnected``: the client left mid-answer,
and ``finished``), ``gateway.last``, ``gateway.chat_requests()``,
``gateway.wait_for_requests(n)``, ``gateway.pending`` (unused replies),
``gateway.errors`` (failures inside the gateway; the fixture fails a test on any).

Standalone: ``python -m tests.gateway --port 8080``.
"""

from tests.gateway.replies import (
    FOREVER,
    Pause,
    Reply,
    chunk,
    completion,
    error_body,
    error_chunk,
    text_chunks,
    usage_chunk,
    words,
)
from tests.gateway.server import CHAT_PATH, MODELS_PATH, Gateway, Recorded

__all__ = [
    "CHAT_PATH",
    "FOREVER",
    "MODELS_PATH",
    "Gateway",
    "Pause",
    "Recorded",
    "Reply",
    "chunk",
    "completion",
    "error_body",
    "error_chunk",
    "text_chunks",
    "usage_chunk",
    "words",
]
