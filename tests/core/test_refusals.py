"""Reading a refusal: the server's words, in every shape the gateways send them, become the
fix that gets the request through; nothing else does."""

from __future__ import annotations

from typing import Any

import pytest

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.api.errors import APIError, error_info
from core.chat import ErrorInfo
from core.endpoint import Endpoint
from core.refusals import Fix, fix_by_id, fixes_for, parse_refusal
from tests.gateway import Gateway
from tests.gateway.upstreams import ERROR_SHAPES, Shape

DROP_TEMPERATURE = Fix(kind="drop", field="temperature")
USE_MAX_COMPLETION = Fix(kind="rename", field="max_tokens", other="max_completion_tokens")
KEEP_TEMPERATURE = Fix(kind="exclusive", field="top_p", other="temperature")
KEEP_TOP_P = Fix(kind="exclusive", field="temperature", other="top_p")
DROP_LOGPROBS = Fix(kind="drop", field="logprobs")

# The four refusals of the issue, as the loopback gateway's upstreams send them: a model
# the gateway maps to the upstream, the fields that trip it, and the fixes offered.
REFUSALS: list[tuple[str, dict[str, Any], list[Fix]]] = [
    ("gpt-5-mini", {"max_tokens": 100}, [USE_MAX_COMPLETION]),
    ("gpt-5-mini", {"temperature": 0.7}, [DROP_TEMPERATURE]),
    ("claude-opus-4-1", {"temperature": 0.5, "top_p": 0.9}, [KEEP_TEMPERATURE, KEEP_TOP_P]),
    ("o4-mini", {"logprobs": True, "top_logprobs": 3}, [DROP_LOGPROBS]),
]


async def _refusal(
    chat: ChatClient, gateway: Gateway, shape: Shape, upstream: str, fields: dict[str, Any]
) -> tuple[ErrorInfo, dict[str, Any]]:
    gateway.model_mapping = {"team-model": upstream}
    gateway.error_shape = shape
    body = {"model": "team-model", "messages": [{"role": "user", "content": "hi"}], **fields}
    with pytest.raises(APIError) as caught:
        await chat.complete(Endpoint(gateway.url, "sk-test"), body, StreamAccumulator())
    return error_info(caught.value), body


@pytest.mark.parametrize("shape", ERROR_SHAPES)
@pytest.mark.parametrize(("upstream", "fields", "fixes"), REFUSALS)
async def test_each_refusal_in_each_shape_offers_its_fix(
    chat: ChatClient,
    gateway: Gateway,
    shape: Shape,
    upstream: str,
    fields: dict[str, Any],
    fixes: list[Fix],
) -> None:
    error, body = await _refusal(chat, gateway, shape, upstream, fields)
    assert error.status == 400
    assert fixes_for(error, body) == fixes


@pytest.mark.parametrize("shape", ERROR_SHAPES)
@pytest.mark.parametrize(
    ("fields", "field"),
    [({"presence_penalty": 0.5}, "presence_penalty"), ({"stop": ["x"]}, "stop")],
)
async def test_xai_refusals_name_the_field_in_camel_case(
    chat: ChatClient, gateway: Gateway, shape: Shape, fields: dict[str, Any], field: str
) -> None:
    error, body = await _refusal(chat, gateway, shape, "grok-4-fast-reasoning", fields)
    assert fixes_for(error, body) == [Fix(kind="drop", field=field)]


SENT = {
    "model": "m",
    "messages": [],
    "temperature": 0.7,
    "top_p": 0.9,
    "max_tokens": 100,
    "logprobs": True,
    "top_logprobs": 3,
    "n": 2,
    "presence_penalty": 0.5,
    "enable_thinking": True,
    "suffix": "x",
    "top_k": 5,
}

REAL_WORLD = [
    # OpenAI, and Azure OpenAI in the same words
    (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        [USE_MAX_COMPLETION],
    ),
    (
        "Unsupported value: 'temperature' does not support 0.7 with this model. "
        "Only the default (1) value is supported.",
        [DROP_TEMPERATURE],
    ),
    ("Unsupported parameter: 'logprobs' is not supported with this model.", [DROP_LOGPROBS]),
    (
        "Unrecognized request argument supplied: enable_thinking",
        [Fix(kind="drop", field="enable_thinking")],
    ),
    # Anthropic (its own API and through Bedrock or a gateway)
    (
        "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
        [KEEP_TEMPERATURE, KEEP_TOP_P],
    ),
    ("top_k: Extra inputs are not permitted", [Fix(kind="drop", field="top_k")]),
    # xAI
    (
        "Argument not supported on this model: presencePenalty",
        [Fix(kind="drop", field="presence_penalty")],
    ),
    # llama.cpp server
    ("Unsupported param: suffix", [Fix(kind="drop", field="suffix")]),
    ("Only one completion choice is allowed", [Fix(kind="drop", field="n")]),
    # Google's OpenAI-compatible endpoint
    (
        'Invalid JSON payload received. Unknown name "logprobs": Cannot find field.',
        [DROP_LOGPROBS],
    ),
    # one-api / new-api, passing the upstream's words on with a request id
    (
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
        "'max_completion_tokens' instead. (request id: 20250101120000000000000001gAtEwAy)",
        [USE_MAX_COMPLETION],
    ),
    # vLLM-style and other plain phrasings
    ("logprobs is not supported for this model", [DROP_LOGPROBS]),
    ("This model does not support the 'top_p' parameter.", [Fix(kind="drop", field="top_p")]),
    ("Only one of temperature or top_p may be set.", [KEEP_TEMPERATURE, KEEP_TOP_P]),
]


@pytest.mark.parametrize(("text", "fixes"), REAL_WORLD)
def test_real_world_refusals(text: str, fixes: list[Fix]) -> None:
    assert parse_refusal(text, SENT) == fixes


NOTHING = [
    # names a field that was not sent
    "Unsupported parameter: 'stop' is not supported with this model.",
    # names the conversation: never dropped
    "Unsupported value: 'messages[0].role' does not support 'system' with this model.",
    "Unsupported parameter: 'model' is not supported.",
    # not about a parameter
    "This model's maximum context length is 8192 tokens.",
    "Invalid API key provided.",
    "",
]


@pytest.mark.parametrize("text", NOTHING)
def test_refusals_that_offer_nothing(text: str) -> None:
    assert parse_refusal(text, SENT) == []


def test_only_a_refusal_status_is_read() -> None:
    said = "Unsupported parameter: 'logprobs' is not supported with this model."
    refused = ErrorInfo(kind="BadRequestError", message="x", status=400, detail=said)
    assert fixes_for(refused, SENT) == [DROP_LOGPROBS]
    unprocessable = ErrorInfo(kind="BadRequestError", message="x", status=422, detail=said)
    assert fixes_for(unprocessable, SENT) == [DROP_LOGPROBS]
    for status in (None, 401, 404, 429, 500):
        other = ErrorInfo(kind="APIError", message="x", status=status, detail=said)
        assert fixes_for(other, SENT) == []
    assert fixes_for(None, SENT) == []


def test_a_rename_to_a_field_already_sent_is_a_drop() -> None:
    text = "'max_tokens' is not supported. Use 'top_p' instead."
    assert parse_refusal(text, SENT) == [Fix(kind="drop", field="max_tokens")]


def test_fix_ids_labels_and_promises() -> None:
    assert USE_MAX_COMPLETION.id == "rename:max_tokens:max_completion_tokens"
    assert USE_MAX_COMPLETION.label == "Use max_completion_tokens"
    assert DROP_TEMPERATURE.id == "drop:temperature"
    assert DROP_TEMPERATURE.label == "Send without temperature"
    assert KEEP_TEMPERATURE.label == "Send without top_p"
    assert DROP_TEMPERATURE.promise("gpt-x", "Work") == (
        "Chorus will send gpt-x without temperature on Work from now on; see Parameters."
    )
    assert KEEP_TEMPERATURE.promise("c", "W") == (
        "Chorus will send c without top_p when temperature is set on W from now on; see Parameters."
    )
    assert USE_MAX_COMPLETION.promise("g", "W") == (
        "Chorus will send max_tokens to g as max_completion_tokens on W from now on; "
        "see Parameters."
    )
    said = "`temperature` and `top_p` cannot both be specified for this model."
    error = ErrorInfo(kind="BadRequestError", message="x", status=400, detail=said)
    assert fix_by_id(error, SENT, "exclusive:temperature:top_p") == KEEP_TOP_P
    assert fix_by_id(error, SENT, "drop:messages") is None
