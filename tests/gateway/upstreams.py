"""How the upstreams behind AnyFast refuse a request, as data the fake gateway applies.

``REFUSALS`` is a table: each row names the upstream, glob patterns over the model id
(compared lowercased, without a vendor prefix up to the last ``/``, dots read as
dashes), ``unless`` patterns that exempt ids, the request field it looks at, the check
that trips it, and the status, message, ``param`` and ``code`` the upstream answers
with. The first row that trips refuses the request. ``{value}`` in a message is the
field's value as JSON (OpenAI writes ``0.7``, ``0``, ``0.0`` as sent).

Where the texts come from (as upstreams answer ``/v1/chat/completions``, quoted in
public bug reports of their clients):

- OpenAI, reasoning models (``gpt-5*`` but ``gpt-5-chat*``, ``o1*``, ``o3*``,
  ``o4*``): ``max_tokens`` ("... Use 'max_completion_tokens' instead.",
  ``unsupported_parameter``); a temperature other than 1 ("Unsupported value: ...
  Only the default (1) value is supported.", ``unsupported_value``); ``top_p``,
  ``presence_penalty`` and ``stop`` ("Unsupported parameter: '<field>' is not
  supported with this model."; ``o3-mini`` takes ``stop``). ``frequency_penalty``
  and ``logprobs`` get the same "Unsupported parameter" sentence, as does
  ``reasoning_effort`` sent to a model that does not reason (``gpt-4*``,
  ``gpt-3*``, ``gpt-5-chat*``). OpenAI sets ``param`` to the field. ``o1-mini`` and
  ``o1-preview`` take no system message ("Unsupported value: 'messages[0].role' does
  not support 'system' with this model.", ``param`` the message's role).
- Anthropic, the Claude models from Opus 4.1 on: temperature and top_p together
  ("`temperature` and `top_p` cannot both be specified for this model. Please use
  only one.", ``invalid_request_error``, no ``param``).
- xAI, the reasoning Grok models (``grok-4*``, ``grok-3-mini*``, not
  ``*non-reasoning*``): ``presence_penalty``, ``frequency_penalty`` and ``stop``
  ("Argument not supported on this model: presencePenalty", the field named the
  way xAI's API spells it; no ``param``).

``ERROR_SHAPES`` are the bodies the same refusal arrives in through other servers
(``shaped``): ``openai`` ``{"error": {"message", "type", "param", "code"}}``;
``vllm`` ``{"object": "error", "message", "type": "BadRequestError", "param": null,
"code": 400}``; ``llama_cpp`` (llama.cpp server) ``{"error": {"code": 400,
"message", "type"}}``; ``one_api`` (one-api/new-api passing the upstream's error
through) the OpenAI shape with `` (request id: 2025...)`` after the message;
``new_api`` (the same gateways re-typing it) ``{"error": {"message": "... (request
id: ...)", "type": "upstream_error", "param": "", "code":
"bad_response_status_code"}}``; ``anthropic`` (Claude through a gateway that
forwards its body) ``{"type": "error", "error": {"type", "message"}, "request_id"}``;
``xai`` ``{"code": "Client specified an invalid argument", "error": "..."}``.

An unknown model is answered 404 with OpenAI's "The model `<id>` does not exist or
you do not have access to it." (``model_not_found``), in the same shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal, get_args

Shape = Literal["openai", "vllm", "llama_cpp", "one_api", "new_api", "anthropic", "xai"]
ERROR_SHAPES: tuple[Shape, ...] = get_args(Shape)

_MODELS_TXT = Path(__file__).resolve().parents[2] / "resources" / "models.txt"


def _bundled_ids() -> frozenset[str]:
    lines = _MODELS_TXT.read_text(encoding="utf-8").splitlines()
    return frozenset(s for line in lines if (s := line.strip()) and not s.startswith("#"))


BUNDLED_MODEL_IDS = _bundled_ids()  # the provider's published ids, resources/models.txt


# --- checks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Present:
    """The field is sent (not null)."""

    def hit(self, body: dict[str, Any], field: str) -> bool:
        return body.get(field) is not None


@dataclass(frozen=True)
class IsTrue:
    """The field is sent as ``true``."""

    def hit(self, body: dict[str, Any], field: str) -> bool:
        return body.get(field) is True


@dataclass(frozen=True)
class Not:
    """The field is sent with another value than ``value``."""

    value: Any

    def hit(self, body: dict[str, Any], field: str) -> bool:
        return body.get(field) is not None and body[field] != self.value


@dataclass(frozen=True)
class With:
    """The field is sent together with ``other``."""

    other: str

    def hit(self, body: dict[str, Any], field: str) -> bool:
        return body.get(field) is not None and body.get(self.other) is not None


@dataclass(frozen=True)
class HasRole:
    """A message in the field (``messages``) has the role ``role``; ``{index}`` in the
    refusal's message and param is the first such message's place."""

    role: str

    def index(self, body: dict[str, Any], field: str) -> int | None:
        messages = body.get(field)
        if not isinstance(messages, list):
            return None
        return next(
            (
                i
                for i, m in enumerate(messages)
                if isinstance(m, dict) and m.get("role") == self.role
            ),
            None,
        )

    def hit(self, body: dict[str, Any], field: str) -> bool:
        return self.index(body, field) is not None


Check = Present | IsTrue | Not | With | HasRole


@dataclass(frozen=True)
class Refusal:
    """One row of ``REFUSALS``."""

    upstream: str
    models: tuple[str, ...]
    field: str
    check: Check
    message: str
    param: str | None = None
    code: str | None = None
    type: str = "invalid_request_error"
    status: int = 400
    unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """An error answer, before it is put in a shape."""

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None


# --- the table ----------------------------------------------------------------------

_OPENAI_REASONING = ("gpt-5*", "o1*", "o3*", "o4*")
_CLAUDE_ONE_OF = (
    *("claude-opus-4-1*", "claude-opus-4-5*", "claude-opus-4-6*"),
    *("claude-sonnet-4-5*", "claude-sonnet-4-6*", "claude-haiku-4-5*"),
)
_XAI_REASONING = ("grok-4*", "grok-3-mini*")


def _openai_unsupported(field: str, *, unless: tuple[str, ...] = ("gpt-5-chat*",)) -> Refusal:
    return Refusal(
        upstream="openai",
        models=_OPENAI_REASONING,
        unless=unless,
        field=field,
        check=IsTrue() if field == "logprobs" else Present(),
        message=f"Unsupported parameter: '{field}' is not supported with this model.",
        param=field,
        code="unsupported_parameter",
    )


def _xai_unsupported(field: str, spelled: str) -> Refusal:
    return Refusal(
        upstream="xai",
        models=_XAI_REASONING,
        unless=("*non-reasoning*",),
        field=field,
        check=Present(),
        message=f"Argument not supported on this model: {spelled}",
    )


REFUSALS: tuple[Refusal, ...] = (
    # --- OpenAI -------------------------------------------------------------------------
    Refusal(
        upstream="openai",
        models=_OPENAI_REASONING,
        field="max_tokens",
        check=Present(),
        message="Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        param="max_tokens",
        code="unsupported_parameter",
    ),
    Refusal(
        upstream="openai",
        models=_OPENAI_REASONING,
        unless=("gpt-5-chat*",),
        field="temperature",
        check=Not(1),
        message="Unsupported value: 'temperature' does not support {value} with this model. "
        "Only the default (1) value is supported.",
        param="temperature",
        code="unsupported_value",
    ),
    _openai_unsupported("top_p"),
    _openai_unsupported("presence_penalty"),
    _openai_unsupported("frequency_penalty"),
    _openai_unsupported("logprobs"),
    _openai_unsupported("stop", unless=("gpt-5-chat*", "o3-mini*")),
    Refusal(
        upstream="openai",
        models=("gpt-4*", "gpt-3*", "gpt-5-chat*"),
        field="reasoning_effort",
        check=Present(),
        message="Unsupported parameter: 'reasoning_effort' is not supported with this model.",
        param="reasoning_effort",
        code="unsupported_parameter",
    ),
    Refusal(
        upstream="openai",
        models=("o1-mini*", "o1-preview*"),
        field="messages",
        check=HasRole("system"),
        message="Unsupported value: 'messages[{index}].role' does not support 'system' "
        "with this model.",
        param="messages[{index}].role",
        code="unsupported_value",
    ),
    # --- Anthropic ----------------------------------------------------------------------
    Refusal(
        upstream="anthropic",
        models=_CLAUDE_ONE_OF,
        field="temperature",
        check=With("top_p"),
        message="`temperature` and `top_p` cannot both be specified for this model. "
        "Please use only one.",
    ),
    # --- xAI ----------------------------------------------------------------------------
    _xai_unsupported("presence_penalty", "presencePenalty"),
    _xai_unsupported("frequency_penalty", "frequencyPenalty"),
    _xai_unsupported("stop", "stop"),
)


def _normalized(model: str) -> str:
    return model.strip().lower().rsplit("/", 1)[-1].replace(".", "-")


def _matches(model: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(model, _normalized(p)) for p in patterns)


def refusal(body: dict[str, Any]) -> Refused | None:
    """How the upstream of ``body["model"]`` refuses ``body``, or None when it does not."""
    model = _normalized(str(body.get("model", "")))
    for row in REFUSALS:
        if not _matches(model, row.models) or _matches(model, row.unless):
            continue
        if row.check.hit(body, row.field):
            value = json.dumps(body.get(row.field))
            at = row.check.index(body, row.field) if isinstance(row.check, HasRole) else None
            message = row.message.format(value=value, index=at)
            param = row.param.format(index=at) if row.param else row.param
            return Refused(row.status, message, row.type, param, row.code)
    return None


def unknown_model(model: str) -> Refused:
    """OpenAI's answer to a model id it does not serve."""
    message = f"The model `{model}` does not exist or you do not have access to it."
    return Refused(404, message, code="model_not_found")


# --- shapes ---------------------------------------------------------------------------

_TYPE_NAMES = {  # by status: vLLM's exception names, llama.cpp's and Anthropic's types
    400: ("BadRequestError", "invalid_request_error"),
    404: ("NotFoundError", "not_found_error"),
}
_GRPC_CODES = {
    400: "Client specified an invalid argument",
    404: "Some requested entity was not found",
}


def shaped(refused: Refused, shape: Shape, number: int) -> dict[str, Any]:
    """The body ``refused`` is answered with through the server ``shape`` names;
    ``number`` (the request's) makes the request ids some shapes carry."""
    exception, kind = _TYPE_NAMES.get(refused.status, ("BadRequestError", refused.type))
    message, status = refused.message, refused.status
    request_id = f"20250101120000{number:012d}gAtEwAy"
    if shape == "vllm":
        return {
            "object": "error",
            "message": message,
            "type": exception,
            "param": None,
            "code": status,
        }
    if shape == "llama_cpp":
        return {"error": {"code": status, "message": message, "type": kind}}
    if shape == "new_api":
        wrapped = {"message": f"{message} (request id: {request_id})", "type": "upstream_error"}
        return {"error": {**wrapped, "param": "", "code": "bad_response_status_code"}}
    if shape == "anthropic":
        error = {"type": kind, "message": message}
        return {"type": "error", "error": error, "request_id": f"req_gateway{number:012d}"}
    if shape == "xai":
        return {"code": _GRPC_CODES.get(status, _GRPC_CODES[400]), "error": message}
    if shape == "one_api":
        message = f"{message} (request id: {request_id})"
    error = {"message": message, "type": refused.type, "param": refused.param}
    return {"error": {**error, "code": refused.code}}
