"""Checking parameter values before they are sent: :func:`validate` one field,
:func:`validate_all` a whole mapping of them.

Each check raises :class:`core.params.ParamError` with a sentence for a person; the
fields and their limits are the declarations of ``core.params.PARAMS``.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Mapping

from core.params import (
    FUNCTION_NAME,
    PARAM_BY_NAME,
    TOOL_CHOICE_MODES,
    ParamError,
    ParamSpec,
    format_value,
)

__all__ = ["tool_names", "validate", "validate_all"]


def _number(spec: ParamSpec, value: object) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamError(spec.name, f"{spec.label} must be a number, not {value!r}.")
    if not math.isfinite(value):
        raise ParamError(spec.name, f"{spec.label} must be a finite number.")
    result: float | int
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise ParamError(spec.name, f"{spec.label} must be a whole number, not {value}.")
        result = int(value)
    else:
        result = float(value)
    low, high = spec.minimum, spec.maximum
    if (low is not None and result < low) or (high is not None and result > high):
        raise ParamError(
            spec.name,
            f"{spec.label} must be between {format_value(low)} and {format_value(high)}; "
            f"{format_value(result)} is out of range.",
        )
    return result


def _choice(spec: ParamSpec, value: object) -> str:
    if spec.free_text and isinstance(value, Mapping):
        function = value.get("function")
        if value.get("type") == "function" and isinstance(function, Mapping):
            value = function.get("name")
    if not isinstance(value, str):
        raise ParamError(spec.name, f"{spec.label} must be text, not {value!r}.")
    if value in spec.choices:
        return value
    options = ", ".join(spec.choices)
    if spec.free_text:
        if FUNCTION_NAME.match(value):
            return value
        raise ParamError(
            spec.name,
            f"{spec.label} must be one of {options} or a function name of letters, digits, "
            f"_ and - (up to 64); {value!r} is neither.",
        )
    raise ParamError(spec.name, f"{spec.label} must be one of {options}, not {value!r}.")


def _text_list(spec: ParamSpec, value: object) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ParamError(spec.name, f"{spec.label} must be a list of text, not {value!r}.")
    if spec.max_items is not None and len(items) > spec.max_items:
        raise ParamError(
            spec.name, f"{spec.label} takes at most {spec.max_items} entries, not {len(items)}."
        )
    if any(item == "" for item in items):
        raise ParamError(spec.name, f"{spec.label} cannot contain an empty entry.")
    return list(items)


def _tools(spec: ParamSpec, value: object) -> list[dict[str, object]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ParamError(spec.name, f"{spec.label} is not valid JSON: {exc.msg}.") from None
    if not isinstance(value, list):
        raise ParamError(spec.name, f"{spec.label} must be a JSON array of function tools.")
    seen: set[str] = set()
    result: list[dict[str, object]] = []
    for number, tool in enumerate(value, start=1):
        where = f"{spec.label}, entry {number}"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise ParamError(spec.name, f'{where} must be an object with "type": "function".')
        if set(tool) - {"type", "function"}:
            extra = sorted(set(tool) - {"type", "function"})[0]
            raise ParamError(spec.name, f"{where} has an unknown key {extra!r}.")
        function = tool.get("function")
        if not isinstance(function, dict):
            raise ParamError(spec.name, f'{where} needs a "function" object.')
        unknown = sorted(set(function) - {"name", "description", "parameters", "strict"})
        if unknown:
            raise ParamError(spec.name, f"{where}: the function has an unknown key {unknown[0]!r}.")
        name = function.get("name")
        if not isinstance(name, str) or not FUNCTION_NAME.match(name):
            raise ParamError(
                spec.name,
                f"{where}: the function name must be 1 to 64 letters, digits, _ or -.",
            )
        if name in seen:
            raise ParamError(spec.name, f"{where}: the function name {name!r} is used twice.")
        seen.add(name)
        if not isinstance(function.get("description", ""), str):
            raise ParamError(spec.name, f"{where}: the description must be text.")
        if not isinstance(function.get("parameters", {}), dict):
            raise ParamError(spec.name, f"{where}: the parameters must be a JSON Schema object.")
        if "parameters" in function:
            _check_schema(spec, where, function["parameters"], number - 1)
        if not isinstance(function.get("strict", False), bool):
            raise ParamError(spec.name, f"{where}: strict must be true or false.")
        result.append(copy.deepcopy(tool))
    return result


@functools.lru_cache(maxsize=256)
def _schema_fault(text: str) -> tuple[str, tuple[str | int, ...]] | None:
    """What is wrong with the JSON Schema ``text`` (its message and path), or None; kept,
    as the same tools are checked for every request and preview."""
    from jsonschema import SchemaError, validators

    schema = json.loads(text)
    try:
        validators.validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        return exc.message, tuple(exc.path)
    return None


def _check_schema(spec: ParamSpec, where: str, schema: dict[str, object], position: int) -> None:
    """``schema`` must be a valid JSON Schema (against its own draft's meta-schema)."""
    fault = _schema_fault(json.dumps(schema, sort_keys=True))
    if fault is None:
        return
    message, inner = fault
    at = ".".join(str(step) for step in inner)
    raise ParamError(
        spec.name,
        f"{where}: the parameters are not a valid JSON Schema{f' at {at}' if at else ''}: "
        f"{message}.",
        (position, "function", "parameters", *inner),
    )


def validate(name: str, value: object) -> object:
    """The value as it is sent, or :class:`ParamError` with a sentence for a person.

    Out-of-range numbers are rejected, not clamped. Whole-number floats are accepted
    for ``int`` fields; a single string is accepted for a ``text_list`` field; JSON
    text is accepted for ``json`` fields; a function name or a
    ``{"type": "function", "function": {"name": ...}}`` object is accepted for
    ``tool_choice``.
    """
    spec = PARAM_BY_NAME.get(name)
    if spec is None:
        raise ParamError(name, f"{name!r} is not a request field Chorus knows.")
    if spec.kind in ("float", "int"):
        return _number(spec, value)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ParamError(name, f"{spec.label} must be on or off, not {value!r}.")
        return value
    if spec.kind == "choice":
        return _choice(spec, value)
    if spec.kind == "text":
        if not isinstance(value, str):
            raise ParamError(name, f"{spec.label} must be text, not {value!r}.")
        return value
    if spec.kind == "text_list":
        return _text_list(spec, value)
    return _tools(spec, value)


def tool_names(tools: list[dict[str, object]]) -> list[str]:
    """The function names of validated ``tools``, in order."""
    names: list[str] = []
    for tool in tools:
        function = tool.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def validate_all(values: Mapping[str, object]) -> dict[str, str]:
    """Errors by field name; empty when every value can be sent.

    Besides each value on its own, a ``tool_choice`` naming a function must name one
    of the ``tools``.
    """
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}
    for name, value in values.items():
        try:
            clean[name] = validate(name, value)
        except ParamError as exc:
            errors[name] = str(exc)
    choice, tools = clean.get("tool_choice"), clean.get("tools")
    if (
        isinstance(choice, str)
        and choice not in TOOL_CHOICE_MODES
        and isinstance(tools, list)
        and tools
        and choice not in tool_names(tools)
    ):
        errors["tool_choice"] = (
            f"Tool choice names the function {choice!r}, but no tool of that name is defined."
        )
    return errors
