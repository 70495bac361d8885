"""The declared request fields and their validation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.param_validation import tool_names, validate, validate_all
from core.params import (
    GROUPS,
    PARAM_BY_NAME,
    PARAMS,
    ParamError,
    default_values,
    format_value,
)

TOOL = {"type": "function", "function": {"name": "get_weather"}}


def test_fields_in_declared_order() -> None:
    assert [spec.name for spec in PARAMS] == [
        "max_tokens",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "stop",
        "n",
        "stream",
        "stream_options.include_usage",
        "response_format",
        "logprobs",
        "top_logprobs",
        "tools",
        "tool_choice",
        "reasoning_effort",
        "enable_thinking",
        "user",
    ]
    assert list(PARAM_BY_NAME) == [spec.name for spec in PARAMS]


@pytest.mark.parametrize("spec", PARAMS, ids=lambda s: s.name)
def test_every_spec_is_complete_and_consistent(spec: object) -> None:
    from core.params import ParamSpec

    assert isinstance(spec, ParamSpec)
    assert spec.group in GROUPS
    assert spec.label
    assert spec.help.endswith(".")
    assert 1 <= spec.help.count(". ") + 1 <= 2
    if spec.kind in ("float", "int"):
        assert spec.minimum is not None and spec.maximum is not None and spec.step is not None
        assert spec.minimum < spec.maximum
        assert spec.slider_maximum is not None and spec.slider_maximum <= spec.maximum
    else:
        assert (spec.minimum, spec.maximum, spec.step, spec.soft_maximum) == (None,) * 4
    assert bool(spec.choices) == (spec.kind == "choice")
    assert (spec.max_items is not None) == (spec.kind == "text_list")
    assert spec.initial is not None
    if spec.kind in ("text", "text_list"):
        assert spec.initial in ("", [])
    else:
        assert validate(spec.name, spec.initial) == spec.initial
    if spec.api_default is not None:
        assert validate(spec.name, spec.api_default) == spec.api_default
    if spec.requires:
        assert PARAM_BY_NAME[spec.requires].kind in ("bool", "json")


def test_declared_ranges() -> None:
    def numbers(name: str) -> tuple[object, ...]:
        s = PARAM_BY_NAME[name]
        return (s.minimum, s.maximum, s.soft_maximum, s.api_default, s.initial, s.group)

    assert numbers("max_tokens") == (1, 1_048_576, 32_768, None, 4096, "Length")
    assert numbers("temperature") == (0.0, 2.0, None, 1.0, 0.7, "Sampling")
    assert numbers("top_p") == (0.0, 1.0, None, 1.0, 0.9, "Sampling")
    assert numbers("frequency_penalty") == (-2.0, 2.0, None, 0.0, 0.0, "Sampling")
    assert numbers("presence_penalty") == (-2.0, 2.0, None, 0.0, 0.0, "Sampling")
    assert numbers("n") == (1, 8, None, 1, 2, "Output")
    assert numbers("top_logprobs") == (0, 20, None, 0, 5, "Output")
    assert PARAM_BY_NAME["top_logprobs"].requires == "logprobs"
    assert PARAM_BY_NAME["stream_options.include_usage"].requires == "stream"
    assert PARAM_BY_NAME["tool_choice"].requires == "tools"
    assert PARAM_BY_NAME["stop"].max_items == 4
    assert PARAM_BY_NAME["response_format"].choices == ("text", "json_object")
    assert PARAM_BY_NAME["tool_choice"].choices == ("none", "auto", "required")
    assert PARAM_BY_NAME["reasoning_effort"].choices == ("low", "medium", "high")
    assert PARAM_BY_NAME["reasoning_effort"].group == "Advanced"
    assert PARAM_BY_NAME["enable_thinking"].group == "Advanced"
    assert PARAM_BY_NAME["stream_options.include_usage"].top_level == "stream_options"
    assert PARAM_BY_NAME["max_tokens"].slider_maximum == 32_768
    assert PARAM_BY_NAME["temperature"].slider_maximum == 2.0


def test_default_values_turn_streaming_on() -> None:
    assert default_values() == {"stream": True, "stream_options.include_usage": True}


def test_initial_value_is_a_fresh_copy() -> None:
    spec = PARAM_BY_NAME["tools"]
    first = spec.initial_value()
    assert isinstance(first, list)
    first.clear()
    assert spec.initial_value() == spec.initial
    assert tool_names(spec.initial_value()) == ["get_weather"]  # type: ignore[arg-type]


def test_not_sent_hints() -> None:
    assert PARAM_BY_NAME["temperature"].not_sent_hint() == "Not sent: the server uses 1."
    assert PARAM_BY_NAME["stream"].not_sent_hint() == "Not sent: the server uses false."
    assert PARAM_BY_NAME["response_format"].not_sent_hint() == "Not sent: the server uses text."
    assert (
        PARAM_BY_NAME["max_tokens"].not_sent_hint()
        == "Not sent: the model's own output limit applies."
    )
    assert PARAM_BY_NAME["seed"].not_sent_hint() == "Not sent: each answer is sampled afresh."


def test_format_value() -> None:
    assert [format_value(v) for v in (True, 1.0, 0.25, "auto", ["a"])] == [
        "true",
        "1",
        "0.25",
        "auto",
        '["a"]',
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("temperature", 0, 0.0),
        ("temperature", 2, 2.0),
        ("top_p", 0.5, 0.5),
        ("frequency_penalty", -2, -2.0),
        ("max_tokens", 5.0, 5),
        ("max_tokens", 1_000_000, 1_000_000),
        ("n", 8, 8),
        ("seed", 0, 0),
        ("top_logprobs", 20.0, 20),
        ("stream", False, False),
        ("stop", "END", ["END"]),
        ("stop", ("a", "b", "c", "d"), ["a", "b", "c", "d"]),
        ("stop", [], []),
        ("response_format", "json_object", "json_object"),
        ("tool_choice", "required", "required"),
        ("tool_choice", "get_weather", "get_weather"),
        ("tool_choice", {"type": "function", "function": {"name": "f-1"}}, "f-1"),
        ("reasoning_effort", "high", "high"),
        ("user", "user-42", "user-42"),
        ("user", "", ""),
        ("tools", [TOOL], [TOOL]),
        ("tools", '[{"type": "function", "function": {"name": "get_weather"}}]', [TOOL]),
        ("tools", [], []),
    ],
)
def test_validate_accepts(name: str, value: object, expected: object) -> None:
    result = validate(name, value)
    assert result == expected
    assert type(result) is type(expected)


def test_validate_returns_tools_as_a_copy() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    result = validate("tools", tools)
    assert result == tools
    assert isinstance(result, list) and result[0] is not tools[0]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("temperature", 2.5, "Temperature must be between 0 and 2; 2.5 is out of range."),
        ("temperature", -0.01, "Temperature must be between 0 and 2; -0.01 is out of range."),
        ("top_p", 1.5, "Top P must be between 0 and 1; 1.5 is out of range."),
        ("presence_penalty", 3, "Presence penalty must be between -2 and 2; 3 is out of range."),
        ("max_tokens", 0, "Max tokens must be between 1 and 1048576; 0 is out of range."),
        ("max_tokens", 5.5, "Max tokens must be a whole number, not 5.5."),
        ("n", 9, "Choices (n) must be between 1 and 8; 9 is out of range."),
        ("top_logprobs", 21, "Top log probabilities must be between 0 and 20; 21 is out of range."),
        ("temperature", True, "Temperature must be a number, not True."),
        ("temperature", "0.7", "Temperature must be a number, not '0.7'."),
        ("temperature", math.nan, "Temperature must be a finite number."),
        ("seed", math.inf, "Seed must be a finite number."),
        ("stream", 1, "Stream must be on or off, not 1."),
        ("stop", ["a", "b", "c", "d", "e"], "Stop sequences takes at most 4 entries, not 5."),
        ("stop", ["a", ""], "Stop sequences cannot contain an empty entry."),
        ("stop", [1], "Stop sequences must be a list of text, not [1]."),
        (
            "response_format",
            "yaml",
            "Response format must be one of text, json_object, not 'yaml'.",
        ),
        (
            "tool_choice",
            "call it",
            "Tool choice must be one of none, auto, required or a function name of letters, "
            "digits, _ and - (up to 64); 'call it' is neither.",
        ),
        (
            "reasoning_effort",
            "max",
            "Reasoning effort must be one of low, medium, high, not 'max'.",
        ),
        ("user", 5, "End-user id must be text, not 5."),
        (
            "tools",
            "[{",
            "Tools is not valid JSON: Expecting property name enclosed in double quotes.",
        ),
        ("tools", {"type": "function"}, "Tools must be a JSON array of function tools."),
        ("tools", [{"type": "code"}], 'Tools, entry 1 must be an object with "type": "function".'),
        ("tools", [{"type": "function"}], 'Tools, entry 1 needs a "function" object.'),
        (
            "tools",
            [TOOL, {"type": "function", "function": {"name": "a b"}}],
            "Tools, entry 2: the function name must be 1 to 64 letters, digits, _ or -.",
        ),
        ("tools", [TOOL, TOOL], "Tools, entry 2: the function name 'get_weather' is used twice."),
        (
            "tools",
            [{"type": "function", "function": {"name": "f", "parameters": []}}],
            "Tools, entry 1: the parameters must be a JSON Schema object.",
        ),
        (
            "tools",
            [{"type": "function", "function": {"name": "f", "description": 3}}],
            "Tools, entry 1: the description must be text.",
        ),
        (
            "tools",
            [{"type": "function", "function": {"name": "f", "args": {}}}],
            "Tools, entry 1: the function has an unknown key 'args'.",
        ),
        ("tools", [{**TOOL, "extra": 1}], "Tools, entry 1 has an unknown key 'extra'."),
        ("top_k", 40, "'top_k' is not a request field Chorus knows."),
    ],
)
def test_validate_rejects_with_a_sentence(name: str, value: object, message: str) -> None:
    with pytest.raises(ParamError) as info:
        validate(name, value)
    assert str(info.value) == message
    assert info.value.field == name


def test_validate_all_collects_errors_by_field() -> None:
    errors = validate_all(
        {"temperature": 3.0, "top_p": 0.5, "n": 0, "stop": "x", "bogus": 1, "stream": True}
    )
    assert errors == {
        "temperature": "Temperature must be between 0 and 2; 3 is out of range.",
        "n": "Choices (n) must be between 1 and 8; 0 is out of range.",
        "bogus": "'bogus' is not a request field Chorus knows.",
    }


def test_validate_all_empty_for_good_values() -> None:
    values = {spec.name: spec.initial_value() for spec in PARAMS}
    assert validate_all(values) == {}
    assert validate_all({}) == {}


def test_validate_all_tool_choice_must_name_a_tool() -> None:
    assert validate_all({"tools": [TOOL], "tool_choice": "get_weather"}) == {}
    assert validate_all({"tools": [TOOL], "tool_choice": "auto"}) == {}
    assert validate_all({"tool_choice": "lookup"}) == {}
    assert validate_all({"tools": [TOOL], "tool_choice": "lookup"}) == {
        "tool_choice": "Tool choice names the function 'lookup', but no tool of that name "
        "is defined."
    }


@given(st.sampled_from([s for s in PARAMS if s.kind in ("float", "int")]), st.data())
def test_every_in_range_number_is_accepted(spec: object, data: st.DataObject) -> None:
    from core.params import ParamSpec

    assert isinstance(spec, ParamSpec)
    assert spec.minimum is not None and spec.maximum is not None
    if spec.kind == "int":
        value: float = data.draw(st.integers(int(spec.minimum), int(spec.maximum)))
    else:
        value = data.draw(st.floats(spec.minimum, spec.maximum))
    result = validate(spec.name, value)
    assert result == value
    assert type(result) is (int if spec.kind == "int" else float)


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 <= v <= 2))
def test_every_out_of_range_temperature_is_rejected(value: float) -> None:
    with pytest.raises(ParamError):
        validate("temperature", value)
