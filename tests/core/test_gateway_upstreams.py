"""The fake gateway refuses what the upstreams behind AnyFast refuse, in their words,
and the app's per-model shaping gets past it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core.params import PARAMS
from core.request import build_body
from tests.gateway import Gateway, Reply, completion
from tests.gateway.upstreams import BUNDLED_MODEL_IDS, ERROR_SHAPES, Shape

HI = [{"role": "user", "content": "hi"}]
O_SERIES = ("o1", "o1-mini", "o3", "o3-mini", "o4-mini")  # OpenAI ids AnyFast does not list


def _post(gateway: Gateway, model: str, **fields: Any) -> httpx.Response:
    body = {"model": model, "messages": HI, **fields}
    return httpx.post(f"{gateway.url}/chat/completions", json=body)


# --- unknown models -------------------------------------------------------------------


def test_an_unknown_model_is_not_found(gateway: Gateway) -> None:
    answer = _post(gateway, "gpt-5x")
    assert answer.status_code == 404
    assert answer.json() == {
        "error": {
            "message": "The model `gpt-5x` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }


def test_known_models_are_listed_bundled_or_accepted(gateway: Gateway) -> None:
    assert _post(gateway, "gateway-model").status_code == 200  # gateway.models
    assert _post(gateway, "claude-opus-4-6").status_code == 200  # resources/models.txt
    assert _post(gateway, "m").status_code == 200  # a stand-in of the suite
    assert _post(gateway, "o3").status_code == 404
    gateway.accepted_models.add("o3")
    assert _post(gateway, "o3").status_code == 200
    gateway.models = [{"id": "only-this", "object": "model"}]
    assert _post(gateway, "only-this").status_code == 200
    assert _post(gateway, "gateway-model").status_code == 404
    gateway.accept_any_model = True
    assert _post(gateway, "anything/at-all").status_code == 200
    gateway.reset()
    assert _post(gateway, "o3").status_code == 404


def test_scripted_replies_are_sent_whatever_the_model(gateway: Gateway) -> None:
    gateway.push(Reply.json(completion("scripted")))
    answer = _post(gateway, "no-such-model", max_tokens=5, temperature=0.2)
    assert answer.json()["choices"][0]["message"]["content"] == "scripted"


# --- refusals -------------------------------------------------------------------------

_UNSUPPORTED = "Unsupported parameter: '{}' is not supported with this model."
_BOTH = "`temperature` and `top_p` cannot both be specified for this model. Please use only one."

REFUSED = [
    (
        "gpt-5",
        {"max_tokens": 100},
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "max_tokens",
        "unsupported_parameter",
    ),
    (
        "gpt-5",
        {"temperature": 0.7},
        "Unsupported value: 'temperature' does not support 0.7 with this model. "
        "Only the default (1) value is supported.",
        "temperature",
        "unsupported_value",
    ),
    (
        "gpt-5-mini",
        {"temperature": 0},
        "Unsupported value: 'temperature' does not support 0 with this model. "
        "Only the default (1) value is supported.",
        "temperature",
        "unsupported_value",
    ),
    ("gpt-5-nano", {"top_p": 0.5}, _UNSUPPORTED.format("top_p"), "top_p", "unsupported_parameter"),
    (
        "gpt-5-1",
        {"presence_penalty": 0},
        _UNSUPPORTED.format("presence_penalty"),
        "presence_penalty",
        "unsupported_parameter",
    ),
    (
        "gpt-5-codex",
        {"frequency_penalty": 0.5},
        _UNSUPPORTED.format("frequency_penalty"),
        "frequency_penalty",
        "unsupported_parameter",
    ),
    (
        "gpt-5-2",
        {"logprobs": True, "top_logprobs": 3},
        _UNSUPPORTED.format("logprobs"),
        "logprobs",
        "unsupported_parameter",
    ),
    ("gpt-5-2", {"stop": ["END"]}, _UNSUPPORTED.format("stop"), "stop", "unsupported_parameter"),
    (
        "o1",
        {"temperature": 0.2},
        "Unsupported value: 'temperature' does not support 0.2 with this model. "
        "Only the default (1) value is supported.",
        "temperature",
        "unsupported_value",
    ),
    ("o3", {"stop": "\n"}, _UNSUPPORTED.format("stop"), "stop", "unsupported_parameter"),
    (
        "o4-mini",
        {"max_tokens": 10},
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "max_tokens",
        "unsupported_parameter",
    ),
    (
        "gpt-4o",
        {"reasoning_effort": "low"},
        _UNSUPPORTED.format("reasoning_effort"),
        "reasoning_effort",
        "unsupported_parameter",
    ),
    (
        "gpt-5-chat-latest",
        {"reasoning_effort": "low"},
        _UNSUPPORTED.format("reasoning_effort"),
        "reasoning_effort",
        "unsupported_parameter",
    ),
    (
        "o1-mini",
        {"messages": [{"role": "user", "content": "hi"}, {"role": "system", "content": "Be"}]},
        "Unsupported value: 'messages[1].role' does not support 'system' with this model.",
        "messages[1].role",
        "unsupported_value",
    ),
    ("claude-opus-4-1-20250805", {"temperature": 0.5, "top_p": 0.9}, _BOTH, None, None),
    ("claude-sonnet-4-5-20250929", {"temperature": 1, "top_p": 1}, _BOTH, None, None),
    ("claude-haiku-4-5-20251001", {"temperature": 0, "top_p": 0.1}, _BOTH, None, None),
    (
        "grok-4-fast-reasoning",
        {"presence_penalty": 0.5},
        "Argument not supported on this model: presencePenalty",
        None,
        None,
    ),
    ("grok-3-mini", {"stop": ["x"]}, "Argument not supported on this model: stop", None, None),
]


@pytest.mark.parametrize(("model", "fields", "message", "param", "code"), REFUSED)
def test_the_upstream_refuses_in_its_words(
    gateway: Gateway,
    model: str,
    fields: dict[str, Any],
    message: str,
    param: str | None,
    code: str | None,
) -> None:
    gateway.accepted_models.update(O_SERIES)
    answer = _post(gateway, model, **fields)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    }


ACCEPTED = [
    ("gpt-5", {"temperature": 1, "max_completion_tokens": 50}),
    ("gpt-5-chat-latest", {"temperature": 0.7, "top_p": 0.5, "logprobs": True, "stop": "x"}),
    ("o3-mini", {"stop": ["END"]}),
    ("gpt-4o", {"max_tokens": 5, "temperature": 1.5, "logprobs": True, "top_p": 0.5}),
    ("claude-opus-4-1-20250805", {"temperature": 0.5}),
    ("claude-opus-4-1-20250805", {"top_p": 0.5}),
    ("claude-opus-4-20250514", {"temperature": 0.5, "top_p": 0.9}),
    ("claude-3-7-sonnet-20250219", {"temperature": 0.5, "top_p": 0.9}),
    ("grok-4-fast-non-reasoning", {"presence_penalty": 0.5, "stop": ["x"]}),
    ("grok-3", {"stop": ["x"]}),
]


@pytest.mark.parametrize(("model", "fields"), ACCEPTED)
def test_what_the_upstream_takes_is_answered(
    gateway: Gateway, model: str, fields: dict[str, Any]
) -> None:
    gateway.accepted_models.update(O_SERIES)
    answer = _post(gateway, model, **fields)
    assert answer.status_code == 200, answer.text


def test_the_rules_can_be_turned_off(gateway: Gateway) -> None:
    gateway.upstream_rules = False
    assert _post(gateway, "gpt-5", max_tokens=5, temperature=0.1).status_code == 200
    assert _post(gateway, "gpt-5x").status_code == 404  # the model list still holds


def test_vendor_prefixes_and_dots_are_read_as_the_upstream_reads_them(gateway: Gateway) -> None:
    gateway.accepted_models.add("openai/GPT-5.2")
    answer = _post(gateway, "openai/GPT-5.2", temperature=0.3)
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == "temperature"


# --- shapes ---------------------------------------------------------------------------

_REQUEST_ID = "20250101120000000000000001gAtEwAy"
SHAPED: dict[Shape, Any] = {
    "openai": {
        "error": {"message": _BOTH, "type": "invalid_request_error", "param": None, "code": None}
    },
    "vllm": {
        "object": "error",
        "message": _BOTH,
        "type": "BadRequestError",
        "param": None,
        "code": 400,
    },
    "llama_cpp": {"error": {"code": 400, "message": _BOTH, "type": "invalid_request_error"}},
    "one_api": {
        "error": {
            "message": f"{_BOTH} (request id: {_REQUEST_ID})",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    },
    "new_api": {
        "error": {
            "message": f"{_BOTH} (request id: {_REQUEST_ID})",
            "type": "upstream_error",
            "param": "",
            "code": "bad_response_status_code",
        }
    },
    "anthropic": {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": _BOTH},
        "request_id": "req_gateway000000000001",
    },
    "xai": {"code": "Client specified an invalid argument", "error": _BOTH},
}


def test_every_shape_has_a_case() -> None:
    assert set(SHAPED) == set(ERROR_SHAPES)


@pytest.mark.parametrize("shape", ERROR_SHAPES)
def test_a_refusal_in_the_shape_of_another_server(gateway: Gateway, shape: Shape) -> None:
    gateway.error_shape = shape
    answer = _post(gateway, "claude-opus-4-1-20250805", temperature=0.5, top_p=0.9)
    assert answer.status_code == 400
    assert answer.json() == SHAPED[shape]


@pytest.mark.parametrize(
    ("shape", "body"),
    [
        ("vllm", {"object": "error", "type": "NotFoundError", "param": None, "code": 404}),
        ("llama_cpp", {"error": {"code": 404, "type": "not_found_error"}}),
        ("anthropic", {"type": "error", "error": {"type": "not_found_error"}}),
        ("xai", {"code": "Some requested entity was not found"}),
    ],
)
def test_an_unknown_model_in_the_shape_of_another_server(
    gateway: Gateway, shape: Shape, body: dict[str, Any]
) -> None:
    gateway.error_shape = shape
    answer = _post(gateway, "nope")
    assert answer.status_code == 404
    text = "The model `nope` does not exist or you do not have access to it."
    assert text in answer.text
    got = answer.json()
    for key, value in body.items():
        assert got[key] == value or (isinstance(value, dict) and value.items() <= got[key].items())


# --- the app's shaping against the strict gateway --------------------------------------

EVERYTHING = {
    **{spec.name: spec.initial_value() for spec in PARAMS},
    "stop": ["END"],
    "stream": False,
}


@pytest.mark.parametrize("model", [*sorted(BUNDLED_MODEL_IDS), *O_SERIES])
def test_bodies_the_app_builds_are_accepted(gateway: Gateway, model: str) -> None:
    """Every field set, shaped by core.model_rules for the model: the upstream's
    rules (tests/gateway/upstreams.py, from the upstreams' own error texts) let it in."""
    gateway.accepted_models.update(O_SERIES)
    body = build_body(model, HI, EVERYTHING).body
    answer = httpx.post(f"{gateway.url}/chat/completions", json=body)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("model", ["gpt-5", "claude-opus-4-1-20250805", "o3"])
def test_the_same_bodies_unshaped_are_refused(gateway: Gateway, model: str) -> None:
    gateway.accepted_models.update(O_SERIES)
    unshaped = {**build_body("gateway-model", HI, EVERYTHING).body, "model": model}
    answer = httpx.post(f"{gateway.url}/chat/completions", json=unshaped)
    assert answer.status_code == 400


def test_a_mapped_model_is_refused_as_its_upstream(gateway: Gateway) -> None:
    gateway.model_mapping = {"team-reasoner": "gpt-5-mini"}
    refused = _post(gateway, "team-reasoner", temperature=0.7)
    assert refused.status_code == 400
    assert "'temperature' does not support 0.7" in refused.json()["error"]["message"]
    assert _post(gateway, "team-reasoner", temperature=1).status_code == 200
    gateway.upstream_rules = False
    assert _post(gateway, "team-reasoner", temperature=0.7).status_code == 200
    gateway.reset()
    assert _post(gateway, "team-reasoner").status_code == 404
