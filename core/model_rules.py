"""What each model takes: a table of rules over model ids, applied to request bodies.

``RULES`` is plain data. Each row names glob patterns over the model id, optional
``unless`` patterns that exempt ids, the actions it takes and one reason sentence
shown in the UI. **Every matching row applies, in table order**, so a model can pick
up a family row (``claude*``) and a narrower one (``claude-sonnet-4-5*``).

Model ids are compared after normalising: lowercase, any vendor prefix up to the last
``/`` removed (``openai/gpt-5`` → ``gpt-5``), and dots read as dashes, so ``gpt-4.1``
and ``gpt-4-1`` match the same rows. Patterns are normalised the same way.

Actions, over top-level keys of the request body:

- ``drop``: fields the model does not take are removed.
- ``rename``: ``(old, new)``: the field is sent under another name.
- ``exclusive``: ``(keep, drop)``: when both are present, ``drop`` is removed.
- ``clamp``: ``(field, low, high)``: a number outside the range is moved to its edge.
- ``traits``: flags for the UI: ``vision`` (takes images), ``reasoning`` (thinks
  before answering), ``image_output`` (can answer with images).

A model id that matches no row is sent everything the person set.

Every function that applies rules takes ``rules``: the rows to use instead of the
table's matching rows (``core.learned_rules.rules_for`` adds what an endpoint taught
and leaves out what the person turned off); without it the table alone applies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fnmatch import translate
from typing import Literal

import msgspec

AdjustmentAction = Literal[
    "dropped", "renamed", "clamped", "hidden"
]  # hidden: arena, before the vote
Trait = Literal["vision", "reasoning", "image_output"]


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    patterns: tuple[str, ...]
    reason: str = ""
    unless: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    rename: tuple[tuple[str, str], ...] = ()
    exclusive: tuple[tuple[str, str], ...] = ()
    clamp: tuple[tuple[str, float, float], ...] = ()
    traits: tuple[Trait, ...] = ()


class Adjustment(msgspec.Struct, frozen=True, kw_only=True):
    """One change made to a body for a model, with a sentence saying why."""

    field: str
    action: AdjustmentAction
    detail: str


class ModelTraits(msgspec.Struct, frozen=True, kw_only=True):
    vision: bool = False
    reasoning: bool = False
    image_output: bool = False


_OPENAI_REASONING = ("gpt-5*", "o1*", "o3*", "o4*")
_SAMPLING = ("temperature", "top_p", "frequency_penalty", "presence_penalty")
_LOGPROBS = ("logprobs", "top_logprobs")
_CLAUDE_ONE_OF = (
    "claude-opus-4-1*",
    "claude-opus-4-5*",
    "claude-opus-4-6*",
    "claude-sonnet-4-5*",
    "claude-sonnet-4-6*",
    "claude-haiku-4-5*",
)

RULES: tuple[Rule, ...] = (
    # --- OpenAI ---------------------------------------------------------------------
    Rule(
        patterns=_OPENAI_REASONING,
        rename=(("max_tokens", "max_completion_tokens"),),
        reason="OpenAI's GPT-5 and o-series models take max_completion_tokens instead.",
    ),
    Rule(
        patterns=_OPENAI_REASONING,
        unless=("gpt-5-chat*",),
        drop=(*_SAMPLING, *_LOGPROBS),
        traits=("reasoning",),
        reason="OpenAI reasoning models reject temperature, top_p, penalties and "
        "log probabilities.",
    ),
    Rule(
        patterns=_OPENAI_REASONING,
        unless=("gpt-5-chat*", "o3-mini*"),
        drop=("stop",),
        reason="OpenAI's GPT-5 and o-series reasoning models reject stop sequences.",
    ),
    Rule(
        patterns=("gpt-4*", "gpt-3*", "gpt-5-chat*"),
        drop=("reasoning_effort",),
        reason="This OpenAI model does not reason, so it takes no reasoning effort.",
    ),
    # --- Anthropic ------------------------------------------------------------------
    Rule(
        patterns=("claude*",),
        drop=("frequency_penalty", "presence_penalty", *_LOGPROBS, "n", "reasoning_effort"),
        reason="Anthropic's API has no penalties, log probabilities, reasoning effort "
        "or multiple choices.",
    ),
    Rule(
        patterns=("claude*",),
        clamp=(("temperature", 0.0, 1.0),),
        reason="Anthropic models take a temperature from 0 to 1.",
    ),
    Rule(
        patterns=_CLAUDE_ONE_OF,
        exclusive=(("temperature", "top_p"),),
        reason="This Claude model takes temperature or top_p, not both; temperature is kept.",
    ),
    # --- xAI ------------------------------------------------------------------------
    Rule(
        patterns=("grok-4*", "grok-3-mini*"),
        unless=("*non-reasoning*",),
        drop=("presence_penalty", "frequency_penalty", "stop"),
        traits=("reasoning",),
        reason="xAI's reasoning models reject presence_penalty, frequency_penalty and stop.",
    ),
    Rule(
        patterns=("grok*",),
        unless=("grok-3-mini*",),
        drop=("reasoning_effort",),
        reason="Among xAI's models only grok-3-mini takes reasoning_effort.",
    ),
    # --- DeepSeek -------------------------------------------------------------------
    Rule(
        patterns=("deepseek-reasoner*", "deepseek-v3-2-speciale*"),
        drop=(*_SAMPLING, *_LOGPROBS),
        traits=("reasoning",),
        reason="DeepSeek's thinking models ignore sampling settings and reject log probabilities.",
    ),
    # --- models with a provider temperature range of 0 to 1 ---------------------------
    Rule(
        patterns=("kimi*", "moonshot*", "glm*", "minimax*"),
        clamp=(("temperature", 0.0, 1.0),),
        reason="This provider takes a temperature from 0 to 1.",
    ),
    # --- reasoning switches ---------------------------------------------------------
    Rule(
        patterns=("deepseek*", "qwen*", "glm*", "minimax*", "kimi*", "moonshot*"),
        drop=("reasoning_effort",),
        reason="reasoning_effort is OpenAI's switch; this provider does not take it.",
    ),
    Rule(
        patterns=(
            *("gpt*", "o1*", "o3*", "o4*", "claude*", "gemini*", "grok*"),
            *("doubao*", "glm*", "minimax*", "kimi*", "moonshot*"),
            *("qwen2*", "qwen3-coder*", "deepseek-v3", "deepseek-chat*"),
            *("deepseek-reasoner*", "deepseek-v3-2-speciale*"),
        ),
        drop=("enable_thinking",),
        reason="enable_thinking is the switch of Qwen-style hybrid models; this model "
        "does not take it.",
    ),
    # --- traits only ----------------------------------------------------------------
    Rule(
        patterns=(
            *("gpt-4o*", "gpt-4-1*", "gpt-5*", "claude*", "gemini*"),
            *("*vision*", "*-vl*", "qwen*vl*", "qwen3-5*", "glm-*v"),
            *("doubao-seed-1-6*", "doubao-seed-1-8*", "doubao-seed-2*"),
            *("kimi-k2-5*", "grok-4*"),
        ),
        traits=("vision",),
    ),
    Rule(
        patterns=("gemini-2-5*", "gemini-3*", "minimax-m2*"),
        unless=("*image*",),
        traits=("reasoning",),
    ),
    Rule(patterns=("*-image*", "gpt-image*", "dall-e*"), traits=("image_output",)),
)


def normalize_model_id(model: str) -> str:
    """The form ids and patterns are compared in: ``OpenAI/GPT-4.1`` → ``gpt-4-1``."""
    return model.strip().lower().rsplit("/", 1)[-1].replace(".", "-")


def _glob_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex matching what any of the glob ``patterns`` matches (fnmatch rules,
    case-sensitive, on normalised ids); None for no patterns."""
    if not patterns:
        return None
    return re.compile("|".join(translate(normalize_model_id(p)) for p in patterns))


# RULES with their patterns and ``unless`` patterns compiled once.
_COMPILED = tuple((rule, _glob_regex(rule.patterns), _glob_regex(rule.unless)) for rule in RULES)


def matching_rules(model: str) -> list[Rule]:
    """The rows of ``RULES`` that apply to ``model``, in table order."""
    model_id = normalize_model_id(model)
    return [
        rule
        for rule, patterns, unless in _COMPILED
        if patterns is not None
        and patterns.match(model_id)
        and not (unless is not None and unless.match(model_id))
    ]


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _rules(model: str, rules: Sequence[Rule] | None) -> Sequence[Rule]:
    return matching_rules(model) if rules is None else rules


def apply_rules(
    model: str, body: dict[str, object], *, rules: Sequence[Rule] | None = None
) -> tuple[dict[str, object], list[Adjustment]]:
    """A copy of ``body`` changed for ``model``, and what was changed and why.

    Only fields present in ``body`` are touched; ``body`` itself is left as it was.
    """
    result = dict(body)
    adjustments: list[Adjustment] = []
    for rule in _rules(model, rules):
        for field in rule.drop:
            if field in result:
                del result[field]
                adjustments.append(
                    Adjustment(field=field, action="dropped", detail=f"Not sent. {rule.reason}")
                )
        for keep, drop in rule.exclusive:
            if keep in result and drop in result:
                del result[drop]
                adjustments.append(
                    Adjustment(
                        field=drop,
                        action="dropped",
                        detail=f"Not sent because {keep} is set. {rule.reason}",
                    )
                )
        for old, new in rule.rename:
            if old in result:
                result = {(new if key == old else key): value for key, value in result.items()}
                adjustments.append(
                    Adjustment(field=old, action="renamed", detail=f"Sent as {new}. {rule.reason}")
                )
        for field, low, high in rule.clamp:
            value = result.get(field)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            bounded = min(max(value, low), high)
            if bounded != value:
                result[field] = bounded
                adjustments.append(
                    Adjustment(
                        field=field,
                        action="clamped",
                        detail=f"{_number_text(value)} was sent as {_number_text(bounded)}. "
                        f"{rule.reason}",
                    )
                )
    return result, adjustments


def model_traits(model: str) -> ModelTraits:
    """What the UI should know about ``model``: images in, reasoning, images out."""
    traits = {trait for rule in matching_rules(model) for trait in rule.traits}
    return ModelTraits(
        vision="vision" in traits,
        reasoning="reasoning" in traits,
        image_output="image_output" in traits,
    )


def unsupported_fields(model: str, *, rules: Sequence[Rule] | None = None) -> dict[str, str]:
    """Fields ``model`` will not receive (or not always), each with the reason.

    A field dropped only beside another (``exclusive``) is listed with that condition.
    The first row naming a field gives its reason.
    """
    fields: dict[str, str] = {}
    for rule in _rules(model, rules):
        for field in rule.drop:
            fields.setdefault(field, rule.reason)
        for keep, drop in rule.exclusive:
            fields.setdefault(drop, f"Not sent when {keep} is set. {rule.reason}")
    return fields


def field_limits(
    model: str, *, rules: Sequence[Rule] | None = None
) -> dict[str, tuple[float, float]]:
    """Narrower numeric ranges ``model`` takes, for sliders: field → (low, high)."""
    limits: dict[str, tuple[float, float]] = {}
    for rule in _rules(model, rules):
        for field, low, high in rule.clamp:
            limits.setdefault(field, (low, high))
    return limits


def renamed_fields(model: str, *, rules: Sequence[Rule] | None = None) -> dict[str, str]:
    """Fields sent under another name for ``model``: old → new."""
    return {old: new for rule in _rules(model, rules) for old, new in rule.rename}
