"""Every request field of ``POST /v1/chat/completions`` as declared data.

``PARAMS`` drives both the request body (core/request.py) and the parameter panel:
the UI builds a slider with a numeric field for ``float``/``int``, a checkbox for
``bool``, a combo box for ``choice``, a line edit for ``text``, a list editor for
``text_list`` and a JSON editor for ``json``, grouped by ``group`` in ``GROUPS`` order.

Parameter values live in a plain mapping of name to value. A field that is not set is
absent from the mapping; ``None`` is never a value that gets sent. The values are
checked against these declarations by core/param_validation.py.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Literal

import msgspec

ParamKind = Literal["float", "int", "bool", "choice", "text", "text_list", "json"]
Group = Literal["Sampling", "Length", "Output", "Tools", "Advanced"]

GROUPS: tuple[Group, ...] = ("Sampling", "Length", "Output", "Tools", "Advanced")

FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TOOL_CHOICE_MODES = ("none", "auto", "required")


class ParamError(ValueError):
    """A value a field does not accept; ``str()`` is a sentence for a person. ``path``:
    where in a JSON value the problem is (keys and indexes), when it is inside one."""

    def __init__(self, field: str, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.path = path


class ParamSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One request field.

    ``name``: the API field; a dotted name (``stream_options.include_usage``) is a
    nested object in the body. ``soft_maximum``: the end of the slider when the field
    accepts larger values typed into the numeric field. ``api_default``: what the
    server assumes when the field is absent. ``initial``: the value the control takes
    when a person turns the field on. ``on_by_default``: set (to ``initial``) in a new
    chat. ``requires``: the field is only sent when that boolean or list field is set.
    ``free_text``: a ``choice`` field that also takes a function name.
    """

    name: str
    label: str
    kind: ParamKind
    group: Group
    help: str
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    soft_maximum: float | None = None
    api_default: object = None
    initial: object = None
    default_note: str = ""
    choices: tuple[str, ...] = ()
    max_items: int | None = None
    requires: str = ""
    free_text: bool = False
    on_by_default: bool = False

    @property
    def top_level(self) -> str:
        """The key this field occupies at the top of the request body."""
        return self.name.split(".", 1)[0]

    @property
    def slider_maximum(self) -> float | None:
        return self.soft_maximum if self.soft_maximum is not None else self.maximum

    def initial_value(self) -> object:
        """A fresh copy of ``initial``, safe to edit."""
        return copy.deepcopy(self.initial)

    def not_sent_hint(self) -> str:
        """What happens when the field is off, e.g. ``Not sent: the server uses 1.``."""
        if self.default_note:
            return f"Not sent: {self.default_note}"
        if self.api_default is None:
            return "Not sent."
        return f"Not sent: the server uses {format_value(self.api_default)}."


def format_value(value: object) -> str:
    """A value as a person reads it: ``true``, ``0.7``, ``"json_object"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


_EXAMPLE_TOOLS: list[dict[str, object]] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]

PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        name="max_tokens", label="Max tokens", kind="int", group="Length",
        minimum=1, maximum=1_048_576, step=1, soft_maximum=32_768, initial=4096,
        default_note="the model's own output limit applies.",
        help="The most tokens the answer may contain. The answer stops there, "
        "possibly mid-sentence.",
    ),
    ParamSpec(
        name="temperature", label="Temperature", kind="float", group="Sampling",
        minimum=0.0, maximum=2.0, step=0.01, api_default=1.0, initial=0.7,
        help="Randomness of word choice. Low values give focused, repeatable answers; "
        "high values give varied, surprising ones.",
    ),
    ParamSpec(
        name="top_p", label="Top P", kind="float", group="Sampling",
        minimum=0.0, maximum=1.0, step=0.01, api_default=1.0, initial=0.9,
        help="Only the most likely words whose probabilities add up to this share are "
        "considered. An alternative to temperature: change one, not both.",
    ),
    ParamSpec(
        name="frequency_penalty", label="Frequency penalty", kind="float", group="Sampling",
        minimum=-2.0, maximum=2.0, step=0.01, api_default=0.0, initial=0.0,
        help="Positive values discourage repeating the same words the more often they "
        "have appeared; negative values encourage it.",
    ),
    ParamSpec(
        name="presence_penalty", label="Presence penalty", kind="float", group="Sampling",
        minimum=-2.0, maximum=2.0, step=0.01, api_default=0.0, initial=0.0,
        help="Positive values push the model toward topics it has not mentioned yet; "
        "negative values keep it on what it has said.",
    ),
    ParamSpec(
        name="seed", label="Seed", kind="int", group="Sampling",
        minimum=0, maximum=2_147_483_647, step=1, initial=42,
        default_note="each answer is sampled afresh.",
        help="The same seed with the same settings asks the server for the same answer. "
        "Many providers honour it on a best-effort basis only.",
    ),
    ParamSpec(
        name="stop", label="Stop sequences", kind="text_list", group="Length",
        max_items=4, initial=[],
        default_note="the answer ends where the model ends it.",
        help="Up to four pieces of text; the answer ends just before the first of them "
        "appears, and the stop text itself is not included.",
    ),
    ParamSpec(
        name="n", label="Choices (n)", kind="int", group="Output",
        minimum=1, maximum=8, step=1, api_default=1, initial=2,
        help="How many alternative answers to generate for the same request. Each one "
        "costs tokens.",
    ),
    ParamSpec(
        name="stream", label="Stream", kind="bool", group="Output",
        api_default=False, initial=True, on_by_default=True,
        help="Show the answer word by word as it is written instead of all at once "
        "at the end.",
    ),
    ParamSpec(
        name="stream_options.include_usage", label="Usage in stream", kind="bool",
        group="Output", api_default=False, initial=True, requires="stream",
        on_by_default=True,
        help="Ask for a last streamed message with the token counts, so speed and cost "
        "can be shown. Only sent when streaming.",
    ),
    ParamSpec(
        name="response_format", label="Response format", kind="choice", group="Output",
        choices=("text", "json_object"), api_default="text", initial="json_object",
        help="json_object makes the model answer with valid JSON; the prompt should "
        "also ask for JSON.",
    ),
    ParamSpec(
        name="logprobs", label="Log probabilities", kind="bool", group="Output",
        api_default=False, initial=True,
        help="Return how likely each generated token was, to see where the model "
        "was sure and where it hesitated.",
    ),
    ParamSpec(
        name="top_logprobs", label="Top log probabilities", kind="int", group="Output",
        minimum=0, maximum=20, step=1, api_default=0, initial=5, requires="logprobs",
        help="For each token, also return this many of the most likely alternatives. "
        "Only sent when log probabilities are on.",
    ),
    ParamSpec(
        name="tools", label="Tools", kind="json", group="Tools",
        initial=_EXAMPLE_TOOLS, default_note="the model cannot call functions.",
        help="Functions the model may ask to call, as a JSON array of "
        '{"type": "function", "function": {"name", "description", "parameters"}}.',
    ),
    ParamSpec(
        name="tool_choice", label="Tool choice", kind="choice", group="Tools",
        choices=TOOL_CHOICE_MODES, free_text=True, api_default="auto", initial="auto",
        requires="tools",
        help="none: never call a tool; auto: the model decides; required: it must call "
        "one; a function name forces that function. Only sent with tools.",
    ),
    ParamSpec(
        name="reasoning_effort", label="Reasoning effort", kind="choice", group="Advanced",
        choices=("low", "medium", "high"), api_default="medium", initial="medium",
        help="How long OpenAI-style reasoning models think before answering. Lower is "
        "faster and cheaper; higher is more thorough.",
    ),
    ParamSpec(
        name="enable_thinking", label="Enable thinking", kind="bool", group="Advanced",
        initial=True, default_note="the model's own default applies.",
        help="Turns the thinking phase of Qwen-style hybrid models on or off.",
    ),
    ParamSpec(
        name="user", label="End-user id", kind="text", group="Advanced",
        initial="", default_note="no end-user id is sent.",
        help="An id for the person using the app, which the provider may use to trace "
        "abuse. Leave it empty to send nothing.",
    ),
)  # fmt: skip

PARAM_BY_NAME: dict[str, ParamSpec] = {spec.name: spec for spec in PARAMS}


def default_values() -> dict[str, object]:
    """The parameter values of a new chat: the fields that are on by default."""
    return {spec.name: spec.initial_value() for spec in PARAMS if spec.on_by_default}
