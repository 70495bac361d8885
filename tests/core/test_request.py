"""Messages, request bodies and the preview; the curl command is in test_curl.py."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.chat import ImagePart, Message, ToolCall
from core.model_rules import RULES, field_limits, model_traits, unsupported_fields
from core.param_validation import validate, validate_all
from core.params import PARAMS, ParamError, ParamSpec
from core.request import (
    KEY_ORDER,
    BuiltRequest,
    build_body,
    preview_json,
    shorten_data_url,
    to_api_messages,
)
from core.tools.rounds import NOT_RUN
from tests.core.request_support import HI, LOCAL, sent

MODELS = Path(__file__).resolve().parents[2].joinpath("resources", "models.txt").read_text()
MODEL_IDS = [line.strip() for line in MODELS.splitlines() if line.strip()]
TOOL = {"type": "function", "function": {"name": "get_weather"}}
PNG_URL = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + b"\0" * (34 * 1024 - 4)).decode()


# --- messages ---------------------------------------------------------------------


def test_system_prompt_first_and_plain_user_text() -> None:
    msgs = [Message(role="user", content="Hello")]
    assert to_api_messages(msgs, "Be brief.") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
    ]
    assert to_api_messages(msgs, "  \n") == [{"role": "user", "content": "Hello"}]


def test_images_become_content_parts() -> None:
    msg = Message(
        role="user",
        content="What is this?",
        images=[ImagePart(url=PNG_URL, detail="low"), ImagePart(url="https://x/cat.jpg")],
    )
    assert to_api_messages([msg]) == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": PNG_URL, "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://x/cat.jpg"}},
            ],
        }
    ]
    only_image = Message(role="user", images=[ImagePart(url="https://x/a.png", name="a.png")])
    assert to_api_messages([only_image]) == [
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": "https://x/a.png"}}],
        }
    ]


def test_tool_round_trip_messages() -> None:
    call = ToolCall(id="call_1", name="get_weather", arguments='{"city": "Paris"}')
    msgs = [
        Message(role="user", content="Weather?"),
        Message(role="assistant", tool_calls=[call, ToolCall(id="call_2", name="now")]),
        Message(role="tool", tool_call_id="call_1", content='{"temp": 21}'),
        Message(role="assistant", content="It is 21 °C.", reasoning="Look at the tool output."),
    ]
    assert to_api_messages(msgs) == [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "now", "arguments": "{}"},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'},
        # a call left without a result gets one: a request with an open call is refused
        {"role": "tool", "tool_call_id": "call_2", "content": NOT_RUN},
        {"role": "assistant", "content": "It is 21 °C."},
    ]


def test_failed_empty_and_unfinished_messages_are_skipped() -> None:
    msgs = [
        Message(role="system", content="Old system"),
        Message(role="user", content="Q1", name="ana"),
        Message(role="assistant", content="partial", status="error"),
        Message(role="assistant", content=""),
        Message(role="assistant", content="half an answer", status="stopped"),
        Message(role="user", content=""),
        Message(role="user", content="Q2"),
        Message(role="assistant", content="streaming…", status="streaming"),
    ]
    assert to_api_messages(msgs) == [
        {"role": "system", "content": "Old system"},
        {"role": "user", "content": "Q1", "name": "ana"},
        {"role": "assistant", "content": "half an answer"},
        {"role": "user", "content": "Q2"},
    ]


# --- body -------------------------------------------------------------------------


def test_nothing_set_sends_only_model_and_messages() -> None:
    built = build_body(LOCAL, HI, {})
    assert built == BuiltRequest(body={"model": LOCAL, "messages": HI}, adjustments=[])
    assert built.stream is False


@pytest.mark.parametrize(
    ("params", "extra"),
    [
        ({"max_tokens": 100.0}, {"max_tokens": 100}),
        ({"temperature": 1}, {"temperature": 1.0}),
        ({"top_p": 0.25}, {"top_p": 0.25}),
        ({"frequency_penalty": -1.5}, {"frequency_penalty": -1.5}),
        ({"presence_penalty": 2}, {"presence_penalty": 2.0}),
        ({"seed": 42}, {"seed": 42}),
        ({"stop": "END"}, {"stop": ["END"]}),
        ({"stop": ["a", "b"]}, {"stop": ["a", "b"]}),
        ({"n": 3}, {"n": 3}),
        ({"stream": False}, {"stream": False}),
        ({"stream": True}, {"stream": True}),
        (
            {"stream": True, "stream_options.include_usage": False},
            {"stream": True, "stream_options": {"include_usage": False}},
        ),
        ({"response_format": "json_object"}, {"response_format": {"type": "json_object"}}),
        ({"response_format": "text"}, {"response_format": {"type": "text"}}),
        ({"logprobs": True, "top_logprobs": 5}, {"logprobs": True, "top_logprobs": 5}),
        ({"logprobs": False}, {"logprobs": False}),
        ({"tools": [TOOL]}, {"tools": [TOOL]}),
        ({"tools": [TOOL], "tool_choice": "none"}, {"tools": [TOOL], "tool_choice": "none"}),
        ({"tools": [TOOL], "tool_choice": "get_weather"}, {"tools": [TOOL], "tool_choice": TOOL}),
        ({"reasoning_effort": "low"}, {"reasoning_effort": "low"}),
        ({"enable_thinking": False}, {"enable_thinking": False}),
        ({"user": "u-1"}, {"user": "u-1"}),
    ],
)
def test_every_field_reaches_the_body_in_shape(
    params: dict[str, object], extra: dict[str, object]
) -> None:
    assert sent(params) == {"model": LOCAL, "messages": HI, **extra}


@pytest.mark.parametrize(
    ("params", "extra"),
    [
        ({"stream_options.include_usage": True}, {}),
        ({"stream": False, "stream_options.include_usage": True}, {"stream": False}),
        ({"top_logprobs": 5}, {}),
        ({"logprobs": False, "top_logprobs": 5}, {"logprobs": False}),
        ({"tool_choice": "auto"}, {}),
        ({"tools": [], "tool_choice": "auto"}, {}),
        ({"stop": []}, {}),
        ({"user": ""}, {}),
        ({"top_k": 40, "max_completion_tokens": 5}, {}),
    ],
)
def test_fields_not_sent(params: dict[str, object], extra: dict[str, object]) -> None:
    assert sent(params) == {"model": LOCAL, "messages": HI, **extra}


def test_stream_argument_replaces_the_param() -> None:
    params = {"stream": True, "stream_options.include_usage": True}
    assert sent(params, stream=False) == {"model": LOCAL, "messages": HI, "stream": False}
    assert sent({"stream_options.include_usage": True}, stream=True) == {
        "model": LOCAL,
        "messages": HI,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert build_body(LOCAL, HI, {}, stream=True).stream is True


def test_keys_follow_params_order() -> None:
    values = {spec.name: spec.initial_value() for spec in reversed(PARAMS)}
    values["stop"] = ["x"]
    values["user"] = "me"
    order = ["model", "messages", *dict.fromkeys(spec.top_level for spec in PARAMS)]
    assert list(sent(values)) == order


def test_bad_value_raises() -> None:
    with pytest.raises(
        ParamError, match=r"^Temperature must be between 0 and 2; 3 is out of range\.$"
    ):
        build_body(LOCAL, HI, {"temperature": 3})


def test_model_rules_apply_last() -> None:
    built = build_body("gpt-5", HI, {"max_tokens": 50, "temperature": 0.3}, stream=True)
    assert built.body == {
        "model": "gpt-5",
        "messages": HI,
        "max_completion_tokens": 50,
        "stream": True,
    }
    assert [(a.field, a.action) for a in built.adjustments] == [
        ("max_tokens", "renamed"),
        ("temperature", "dropped"),
    ]


# --- every model, every value -----------------------------------------------------


def _value(spec: ParamSpec) -> st.SearchStrategy[object]:
    if spec.kind == "float":
        return st.floats(spec.minimum, spec.maximum)
    if spec.kind == "int":
        assert spec.minimum is not None and spec.maximum is not None
        return st.integers(int(spec.minimum), int(spec.maximum))
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from([*spec.choices, *(["get_weather"] if spec.free_text else [])])
    if spec.kind == "text":
        return st.text(max_size=12)
    if spec.kind == "text_list":
        return st.lists(st.text(min_size=1, max_size=6), max_size=spec.max_items)
    return st.lists(st.just(TOOL), max_size=1)


VALUES = st.fixed_dictionaries({}, optional={spec.name: _value(spec) for spec in PARAMS})
RENAMED = {new: old for rule in RULES for old, new in rule.rename}
ALLOWED = {"model", "messages", *(spec.top_level for spec in PARAMS), *RENAMED}


def _as_param(name: str, value: object) -> object:
    if name == "response_format" and isinstance(value, dict):
        return value["type"]
    return value


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(MODEL_IDS), VALUES)
def test_every_model_gets_a_valid_body(model: str, values: dict[str, object]) -> None:
    body = build_body(model, HI, values).body
    assert set(body) <= ALLOWED
    assert body["model"] == model and body["messages"] == HI
    json.loads(json.dumps(body))
    for key, value in body.items():
        if key in ("model", "messages"):
            continue
        name = RENAMED.get(key, key)
        if name == "stream_options":
            assert isinstance(value, dict) and set(value) == {"include_usage"}
            assert body["stream"] is True
            validate("stream_options.include_usage", value["include_usage"])
            continue
        validate(name, _as_param(name, value))
        assert name not in unsupported_fields(model) or name == "top_p"
    for name, (low, high) in field_limits(model).items():
        number = body.get(name)
        assert number is None or (isinstance(number, float) and low <= number <= high)
    if "top_logprobs" in body:
        assert body["logprobs"] is True
    if "tool_choice" in body:
        assert body["tools"]
    if model_traits(model).reasoning and model.startswith("gpt-5"):
        assert "temperature" not in body and "max_tokens" not in body
    if "top_p" in unsupported_fields(model) and "temperature" in body:
        assert "top_p" not in body
    assert validate_all({k: v for k, v in values.items() if k != "tool_choice"}) == {}


# --- preview ----------------------------------------------------------------------


def test_shorten_data_url() -> None:
    assert shorten_data_url(PNG_URL) == "data:image/png;base64,iVBOR…(34 KB)"
    small = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    assert shorten_data_url(small) == small
    assert shorten_data_url("https://x/cat.png") == "https://x/cat.png"
    tiny = "data:image/png;base64," + base64.b64encode(b"\0" * 600).decode()
    assert shorten_data_url(tiny) == "data:image/png;base64,AAAAA…(600 B)"
    big = "data:image/jpeg;base64," + base64.b64encode(b"\0" * 1_572_864).decode()
    assert shorten_data_url(big) == "data:image/jpeg;base64,AAAAA…(1.5 MB)"


def test_preview_json_is_ordered_and_shortened() -> None:
    messages = to_api_messages(
        [Message(role="user", content="Look", images=[ImagePart(url=PNG_URL)])]
    )
    body = build_body(LOCAL, messages, {"stream": True, "temperature": 0.5, "max_tokens": 9}).body
    body = {"zeta": 1, **dict(reversed(body.items()))}
    shown = {
        "model": LOCAL,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Look"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64,iVBOR…(34 KB)"},
                    },
                ],
            }
        ],
        "max_tokens": 9,
        "temperature": 0.5,
        "stream": True,
        "zeta": 1,
    }
    assert preview_json(body) == json.dumps(shown, indent=2, ensure_ascii=False)
    assert messages[0]["content"][1]["image_url"]["url"] == PNG_URL  # type: ignore[index]


def test_key_order_places_renamed_fields_beside_their_source() -> None:
    assert KEY_ORDER[:4] == ("model", "messages", "max_tokens", "max_completion_tokens")
    assert preview_json({"stream": True, "max_completion_tokens": 5, "model": "gpt-5"}) == (
        '{\n  "model": "gpt-5",\n  "max_completion_tokens": 5,\n  "stream": true\n}'
    )
