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
``response_format``, ``tools``/``tool_choice`` and reasoning models, and samples its
words with the ``temperature``, ``top_p`` and ``seed`` sent; ``gateway.sample_by_default
= True`` samples requests that send none of them too); ``gateway.delay`` puts seconds
between its chunks.

Before a default answer the gateway checks the request as the real upstreams do:

- a model id it does not know answers 404 ``model_not_found``. Known: the ids of
  ``gateway.models``, of ``resources/models.txt`` and of ``gateway.accepted_models``
  (the suite's stand-ins such as ``"m"`` and ``"model-a"``; add more there);
  ``gateway.accept_any_model = True`` knows every id;
- what the model's upstream refuses answers 400 with its own error text
  (``upstreams.REFUSALS``: max_tokens or a temperature to gpt-5, temperature and top_p
  together to claude-opus-4-1...); ``gateway.upstream_rules = False`` turns this off;
- ``gateway.error_shape = "vllm"`` (or ``llama_cpp``, ``one_api``, ``new_api``,
  ``anthropic``, ``xai``; default ``openai``) sends those 404s and 400s in the body
  another server would;
- ``gateway.model_mapping = {"team-reasoner": "gpt-5-mini"}`` serves a public id from
  another upstream model, as a one-api/new-api channel's model mapping does: the mapped
  id is known and the upstream's refusals are those of the model it maps to (a model
  Chorus's built-in rules cannot recognise by its name).

A conversation that ends with an ``assistant`` message is continued
(``gateway.assistant_prefill = "continue"``, as llama.cpp's server does), answered
afresh (``"restart"``, as OpenAI does) or refused with a 400 (``"refuse"``).
``gateway.honour_seed = False`` makes a seed change nothing.

Scripted replies are sent as they are, whatever the request (``Reply.echo`` is the
default answer, checks included).

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

Standalone: ``python -m tests.gateway --port 8080`` (``--help`` lists the modes).
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
