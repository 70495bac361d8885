"""The per-model rule table on real ids from the provider's model list."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model_rules import (
    RULES,
    Adjustment,
    ModelTraits,
    apply_rules,
    field_limits,
    matching_rules,
    model_traits,
    normalize_model_id,
    renamed_fields,
    unsupported_fields,
)
from core.params import PARAM_BY_NAME

MODELS = Path(__file__).resolve().parents[2].joinpath("resources", "models.txt").read_text()
MODEL_IDS = [line.strip() for line in MODELS.splitlines() if line.strip()]

SAMPLING = {
    "max_tokens": 256,
    "temperature": 0.7,
    "top_p": 0.9,
    "frequency_penalty": 0.5,
    "presence_penalty": -0.5,
    "seed": 7,
    "stop": ["END"],
    "n": 2,
    "logprobs": True,
    "top_logprobs": 3,
}
OPENAI_DROP = (
    "Not sent. OpenAI reasoning models reject temperature, top_p, penalties and log probabilities."
)
OPENAI_RENAME = (
    "Sent as max_completion_tokens. OpenAI's GPT-5 and o-series models take "
    "max_completion_tokens instead."
)
OPENAI_STOP = "Not sent. OpenAI's GPT-5 and o-series reasoning models reject stop sequences."
CLAUDE_DROP = (
    "Not sent. Anthropic's API has no penalties, log probabilities, reasoning effort "
    "or multiple choices."
)


def body(**fields: object) -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], **fields}


def test_model_list_has_72_ids_and_each_matches_a_row() -> None:
    assert len(MODEL_IDS) == 72
    assert [m for m in MODEL_IDS if not matching_rules(m)] == []


def test_rules_are_readable_data() -> None:
    known = set(PARAM_BY_NAME) | {"stream_options"}
    for rule in RULES:
        acts = rule.drop or rule.rename or rule.exclusive or rule.clamp
        assert bool(rule.reason) == bool(acts)
        assert not rule.reason or rule.reason.endswith(".")
        fields = [*rule.drop, *(o for o, _ in rule.rename), *(f for f, _, _ in rule.clamp)]
        fields += [f for pair in rule.exclusive for f in pair]
        assert set(fields) <= known
        assert all(p == p.lower() for p in (*rule.patterns, *rule.unless))


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("gpt-5", "gpt-5"),
        ("GPT-4.1", "gpt-4-1"),
        ("openai/gpt-5.1", "gpt-5-1"),
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),
        (" kimi-k2.5 ", "kimi-k2-5"),
    ],
)
def test_normalize_model_id(raw: str, normal: str) -> None:
    assert normalize_model_id(raw) == normal


def test_gpt5_renames_max_tokens_and_drops_sampling() -> None:
    sent, adjustments = apply_rules("gpt-5", body(**SAMPLING))
    assert sent == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 256,
        "seed": 7,
        "n": 2,
    }
    assert list(sent)[2] == "max_completion_tokens"  # the renamed key keeps its place
    assert adjustments == [
        Adjustment(field="max_tokens", action="renamed", detail=OPENAI_RENAME),
        *(
            Adjustment(field=f, action="dropped", detail=OPENAI_DROP)
            for f in (
                "temperature",
                "top_p",
                "frequency_penalty",
                "presence_penalty",
                "logprobs",
                "top_logprobs",
            )
        ),
        Adjustment(field="stop", action="dropped", detail=OPENAI_STOP),
    ]


def test_gpt5_chat_latest_is_renamed_but_keeps_sampling() -> None:
    sent, adjustments = apply_rules(
        "gpt-5-chat-latest", body(max_tokens=10, temperature=0.2, reasoning_effort="low")
    )
    assert sent == body(max_completion_tokens=10, temperature=0.2)
    assert [(a.field, a.action) for a in adjustments] == [
        ("max_tokens", "renamed"),
        ("reasoning_effort", "dropped"),
    ]


def test_apply_rules_leaves_the_input_alone() -> None:
    original = body(**SAMPLING)
    snapshot = dict(original)
    apply_rules("gpt-5", original)
    assert original == snapshot


@pytest.mark.parametrize("model", ["gpt-4o", "deepseek-v3-2", "qwen3-32b", "doubao-seed-2.0-pro"])
def test_sampling_models_are_untouched(model: str) -> None:
    sent, adjustments = apply_rules(model, body(**{**SAMPLING, "temperature": 1.8}))
    assert sent == body(**{**SAMPLING, "temperature": 1.8})
    assert adjustments == []


def test_unknown_model_gets_everything() -> None:
    fields = body(**SAMPLING, reasoning_effort="high", enable_thinking=True)
    assert apply_rules("my-local-llama", fields) == (fields, [])
    assert unsupported_fields("my-local-llama") == {}
    assert model_traits("my-local-llama") == ModelTraits()


def test_claude_sonnet_4_5_takes_temperature_xor_top_p() -> None:
    sent, adjustments = apply_rules("claude-sonnet-4-5-20250929", body(temperature=0.5, top_p=0.9))
    assert sent == body(temperature=0.5)
    assert adjustments == [
        Adjustment(
            field="top_p",
            action="dropped",
            detail="Not sent because temperature is set. This Claude model takes temperature "
            "or top_p, not both; temperature is kept.",
        )
    ]
    assert apply_rules("claude-sonnet-4-5-20250929", body(top_p=0.9)) == (body(top_p=0.9), [])


@pytest.mark.parametrize(
    ("model", "one_of"),
    [
        ("claude-sonnet-4-6", True),
        ("claude-opus-4-6", True),
        ("claude-opus-4-5-20251101", True),
        ("claude-opus-4-1-20250805", True),
        ("claude-haiku-4-5-20251001", True),
        ("claude-sonnet-4-20250514", False),
        ("claude-opus-4-20250514", False),
        ("claude-3-7-sonnet-20250219", False),
        ("anthropic/claude-sonnet-4.5", True),
    ],
)
def test_which_claude_models_take_one_of_temperature_and_top_p(model: str, one_of: bool) -> None:
    sent, _ = apply_rules(model, body(temperature=0.5, top_p=0.9))
    assert ("top_p" not in sent) is one_of
    assert sent["temperature"] == 0.5


def test_claude_temperature_is_clamped_to_one() -> None:
    sent, adjustments = apply_rules("claude-3-5-sonnet-20241022", body(temperature=1.5))
    assert sent == body(temperature=1.0)
    assert adjustments == [
        Adjustment(
            field="temperature",
            action="clamped",
            detail="1.5 was sent as 1. Anthropic models take a temperature from 0 to 1.",
        )
    ]
    assert apply_rules("claude-3-5-sonnet-20241022", body(temperature=1)) == (
        body(temperature=1),
        [],
    )


def test_claude_drops_what_anthropic_lacks() -> None:
    sent, adjustments = apply_rules("claude-opus-4-20250514", body(**SAMPLING))
    assert sent == body(max_tokens=256, temperature=0.7, top_p=0.9, seed=7, stop=["END"])
    assert adjustments == [
        Adjustment(field=f, action="dropped", detail=CLAUDE_DROP)
        for f in ("frequency_penalty", "presence_penalty", "logprobs", "top_logprobs", "n")
    ]


@pytest.mark.parametrize(
    "model", ["grok-4-fast-reasoning", "grok-4-1-fast-reasoning", "grok-3-mini"]
)
def test_xai_reasoning_models_lose_penalties_and_stop(model: str) -> None:
    sent, adjustments = apply_rules(model, body(**SAMPLING))
    assert {"presence_penalty", "frequency_penalty", "stop"}.isdisjoint(sent)
    assert sent["temperature"] == 0.7
    assert [a.field for a in adjustments] == ["presence_penalty", "frequency_penalty", "stop"]


def test_xai_non_reasoning_keeps_sampling_but_not_reasoning_effort() -> None:
    sent, adjustments = apply_rules(
        "grok-4-fast-non-reasoning", body(**SAMPLING, reasoning_effort="low")
    )
    assert sent == body(**SAMPLING)
    assert adjustments == [
        Adjustment(
            field="reasoning_effort",
            action="dropped",
            detail="Not sent. Among xAI's models only grok-3-mini takes reasoning_effort.",
        )
    ]
    assert apply_rules("grok-3-mini", body(reasoning_effort="high"))[0] == body(
        reasoning_effort="high"
    )


@pytest.mark.parametrize("model", ["deepseek-reasoner", "deepseek-v3-2-speciale"])
def test_deepseek_thinking_models(model: str) -> None:
    sent, _ = apply_rules(model, body(**SAMPLING))
    assert sent == body(max_tokens=256, seed=7, stop=["END"], n=2)


def test_enable_thinking_only_reaches_qwen_style_models() -> None:
    takers = [m for m in MODEL_IDS if "enable_thinking" not in unsupported_fields(m)]
    assert takers == [
        "deepseek-v3-2",
        "deepseek-v3-2-exp",
        "deepseek-v3-2-251201",
        "deepseek-v3-1-terminus",
        "deepseek-v3-1",
        "qwen3.5-397b-a17b",
        "qwen3-235b-a22b",
        "qwen3-32b",
        "qwen3-14b",
    ]


def test_reasoning_effort_takers() -> None:
    takers = [m for m in MODEL_IDS if "reasoning_effort" not in unsupported_fields(m)]
    assert [m for m in takers if not m.startswith(("gpt-5", "gemini", "doubao"))] == ["grok-3-mini"]
    assert "gpt-5-chat-latest" not in takers


def test_unsupported_fields_with_reasons() -> None:
    assert unsupported_fields("gpt-4o") == {
        "reasoning_effort": "This OpenAI model does not reason, so it takes no reasoning effort.",
        "enable_thinking": "enable_thinking is the switch of Qwen-style hybrid models; this "
        "model does not take it.",
    }
    claude = unsupported_fields("claude-sonnet-4-5-20250929")
    assert claude["top_p"] == (
        "Not sent when temperature is set. This Claude model takes temperature or top_p, "
        "not both; temperature is kept."
    )
    assert sorted(claude) == [
        "enable_thinking",
        "frequency_penalty",
        "logprobs",
        "n",
        "presence_penalty",
        "reasoning_effort",
        "top_logprobs",
        "top_p",
    ]
    assert sorted(unsupported_fields("gpt-5")) == [
        "enable_thinking",
        "frequency_penalty",
        "logprobs",
        "presence_penalty",
        "stop",
        "temperature",
        "top_logprobs",
        "top_p",
    ]
    assert "stop" not in unsupported_fields("gpt-5-chat-latest")
    assert "stop" not in unsupported_fields("o3-mini")


def test_limits_and_renames_for_sliders() -> None:
    assert field_limits("claude-opus-4-6") == {"temperature": (0.0, 1.0)}
    assert field_limits("kimi-k2.5") == {"temperature": (0.0, 1.0)}
    assert field_limits("glm-4-7-251222") == {"temperature": (0.0, 1.0)}
    assert field_limits("gpt-4o") == {}
    assert renamed_fields("gpt-5-mini") == {"max_tokens": "max_completion_tokens"}
    assert renamed_fields("o3-mini") == {"max_tokens": "max_completion_tokens"}
    assert renamed_fields("claude-opus-4-6") == {}


def test_vision_models_in_the_list() -> None:
    blind = [m for m in MODEL_IDS if not model_traits(m).vision]
    assert blind == [
        "gpt-4",
        "deepseek-v3-2-speciale",
        "deepseek-v3-2",
        "deepseek-v3-2-exp",
        "deepseek-v3-2-251201",
        "deepseek-v3-1-terminus",
        "deepseek-v3-1",
        "deepseek-v3",
        "qwen3-coder-next",
        "qwen3-coder",
        "qwen3-235b-a22b",
        "qwen3-32b",
        "qwen3-14b",
        "qwen2.5-72b-instruct",
        "minimax-m2.5",
        "minimax-m2.1",
        "grok-3",
        "grok-3-mini",
        "glm-4-7-251222",
    ]
    for model in ("qwen2.5-vl-72b-instruct", "some-vision-model", "glm-4.5v", "openai/gpt-4.1"):
        assert model_traits(model).vision, model


def test_reasoning_and_image_output_models_in_the_list() -> None:
    reasoning = [m for m in MODEL_IDS if model_traits(m).reasoning]
    assert [m for m in reasoning if not m.startswith("gpt-5")] == [
        "deepseek-v3-2-speciale",
        "minimax-m2.5",
        "minimax-m2.1",
        "grok-3-mini",
        "grok-4-fast-reasoning",
        "grok-4-1-fast-reasoning",
        "gemini-3.1-pro-preview",
        "gemini-3-pro-preview",
        "gemini-3-flash-preview",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
    ]
    assert [m for m in MODEL_IDS if m.startswith("gpt-5") and m not in reasoning] == [
        "gpt-5-chat-latest"
    ]
    assert [m for m in MODEL_IDS if model_traits(m).image_output] == [
        "gemini-3.1-flash-image-preview"
    ]
    assert model_traits("gemini-3.1-flash-image-preview") == ModelTraits(
        vision=True, image_output=True
    )
