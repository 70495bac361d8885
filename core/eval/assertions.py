"""Assertions that need no model: each turns an answer into a :class:`Check`.

Types (``not-`` before any of them inverts it): ``equals``, ``contains``, ``icontains``,
``contains-any``, ``contains-all``, ``icontains-any``, ``icontains-all``, ``regex``,
``starts-with``, ``is-json``, ``json-schema`` (``is-json`` with a schema as value does
the same), ``length`` (``min``/``max`` characters), ``latency`` (under ``value`` ms),
``cost`` (under ``value`` dollars). ``llm-rubric`` is graded by the judge, not here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from core.eval.model import Assertion, Check

TYPES = (
    "equals",
    "contains",
    "icontains",
    "contains-any",
    "contains-all",
    "icontains-any",
    "icontains-all",
    "regex",
    "starts-with",
    "is-json",
    "json-schema",
    "length",
    "latency",
    "cost",
)
JUDGED = "llm-rubric"  # graded by the judge model


def _base(kind: str) -> tuple[str, bool]:
    return (kind[4:], True) if kind.startswith("not-") else (kind, False)


def _texts(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if value is None:
        return []
    return [str(value)]


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _schema(value: object) -> Any:
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict | bool):
        raise ValueError("a JSON Schema is an object")
    return value


def problem(assertion: Assertion) -> str:
    """Why ``assertion`` cannot be checked (unknown type, bad regex, invalid schema), or ""."""
    kind, _ = _base(assertion.type)
    if kind == JUDGED:
        return ""
    if kind not in TYPES:
        return f"Unknown assertion type “{assertion.type}” (known: {', '.join(TYPES)})."
    if kind == "regex":
        try:
            re.compile(str(assertion.value or ""))
        except re.error as exc:
            return f"The regex {assertion.value!r} is invalid: {exc}."
    if kind == "json-schema" or (kind == "is-json" and assertion.value not in (None, "")):
        from jsonschema import exceptions, validators

        try:
            schema = _schema(assertion.value)
            validators.validator_for(schema).check_schema(schema)
        except (ValueError, exceptions.SchemaError) as exc:
            message = getattr(exc, "message", str(exc))
            return f"The JSON Schema is invalid: {message}."
    if kind in ("latency", "cost") and _number(assertion.value) is None:
        return f"“{kind}” needs a number, not {assertion.value!r}."
    if kind == "length" and assertion.min is None and assertion.max is None:
        return "“length” needs a min, a max or both."
    return ""


def label(assertion: Assertion) -> str:
    """A short name for a column header or a tooltip: ``contains "Paris"``."""
    kind = assertion.type
    if kind.endswith("length"):
        lo = "" if assertion.min is None else f"{assertion.min:g}"
        hi = "" if assertion.max is None else f"{assertion.max:g}"
        return f"{kind} {lo}–{hi}"
    if assertion.value is None or isinstance(assertion.value, dict):
        return kind
    text = json.dumps(assertion.value, ensure_ascii=False)
    return f"{kind} {text if len(text) <= 40 else text[:39] + '…'}"


def _check(
    kind: str, value: object, a: Assertion, text: str, latency_ms: float | None, cost: float | None
) -> tuple[bool | None, str]:
    if kind == "equals":
        return text.strip() == str(value).strip(), ""
    if kind in ("contains", "icontains"):
        items = _texts(value)
        fold = kind == "icontains"
        hay = text.casefold() if fold else text
        return all((t.casefold() if fold else t) in hay for t in items), ""
    if kind.endswith(("contains-any", "contains-all")):
        fold = kind.startswith("i")
        hay = text.casefold() if fold else text
        items = [t.casefold() if fold else t for t in _texts(value)]
        hits = [t in hay for t in items]
        return (any(hits) if kind.endswith("any") else all(hits)), ""
    if kind == "regex":
        return re.search(str(value or ""), text) is not None, ""
    if kind == "starts-with":
        return text.lstrip().startswith(str(value)), ""
    if kind in ("is-json", "json-schema"):
        try:
            parsed = json.loads(_strip_fence(text))
        except ValueError as exc:
            return False, f"not JSON: {exc}"
        if kind == "is-json" and value in (None, ""):
            return True, ""
        from jsonschema import validators

        schema = _schema(value)
        errors = sorted(validators.validator_for(schema)(schema).iter_errors(parsed), key=str)
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "the top level"
            return False, f"at {where}: {errors[0].message}"
        return True, ""
    if kind == "length":
        n = len(text)
        ok = (a.min is None or n >= a.min) and (a.max is None or n <= a.max)
        return ok, f"{n} characters"
    if kind == "latency":
        if latency_ms is None:
            return None, "no latency was measured"
        limit = _number(value) or 0.0
        return latency_ms < limit, f"{latency_ms:.0f} ms"
    if kind == "cost":
        if cost is None:
            return None, "the cost is unknown (no price set for this model)"
        limit = _number(value) or 0.0
        return cost < limit, f"${cost:.6f}"
    return None, "not checked here"


def _strip_fence(text: str) -> str:
    """An answer's JSON without the Markdown code fence around it, if it has one."""
    match = re.fullmatch(r"\s*```[\w-]*\n(.*?)\n?```\s*", text, re.S)
    return match.group(1) if match else text


def check(
    assertion: Assertion, text: str, *, latency_ms: float | None = None, cost: float | None = None
) -> Check:
    """The outcome of ``assertion`` on an answer's ``text``."""
    name = label(assertion)
    why = problem(assertion)
    if why:
        return Check(label=name, passed=None, detail=why)
    kind, negate = _base(assertion.type)
    passed, detail = _check(kind, assertion.value, assertion, text, latency_ms, cost)
    if passed is not None and negate:
        passed = not passed
    return Check(label=name, passed=passed, detail=detail)


def check_all(
    assertions: Sequence[Assertion],
    text: str,
    *,
    latency_ms: float | None = None,
    cost: float | None = None,
) -> list[Check]:
    """Every assertion but the judged ones, in order."""
    return [
        check(a, text, latency_ms=latency_ms, cost=cost)
        for a in assertions
        if _base(a.type)[0] != JUDGED
    ]


def parse_shorthand(text: str) -> Assertion:
    """``contains: Paris``, ``regex: ^\\d+$``, ``is-json``; anything else means equals."""
    head, sep, rest = text.partition(":")
    kind = head.strip().lower()
    if sep and (_base(kind)[0] in TYPES or _base(kind)[0] == JUDGED):
        value = rest.strip()
        if _base(kind)[0] in ("contains-any", "contains-all", "icontains-any", "icontains-all"):
            return Assertion(type=kind, value=[v.strip() for v in value.split(",") if v.strip()])
        return Assertion(type=kind, value=value)
    if kind in ("is-json",):
        return Assertion(type=kind)
    return Assertion(type="equals", value=text)


def to_line(assertion: Assertion) -> str:
    """One line of the row editor: ``contains: Paris``, ``length: 10..200``,
    ``json-schema: {"type": "object"}``."""
    kind = assertion.type
    if _base(kind)[0] == "length":
        lo = "" if assertion.min is None else f"{assertion.min:g}"
        hi = "" if assertion.max is None else f"{assertion.max:g}"
        return f"{kind}: {lo}..{hi}"
    value = assertion.value
    if value is None:
        return kind
    if isinstance(value, str):
        return f"{kind}: {value}"
    return f"{kind}: {json.dumps(value, ensure_ascii=False)}"


def from_line(line: str) -> Assertion:
    """The inverse of :func:`to_line`; a value that is JSON (a list, an object, a number)
    is read as JSON."""
    head, sep, rest = line.partition(":")
    kind = head.strip().lower()
    base = _base(kind)[0]
    if not sep:
        return Assertion(type=kind) if base in TYPES else Assertion(type="equals", value=line)
    if base not in TYPES and base != JUDGED:
        return Assertion(type="equals", value=line)
    text = rest.strip()
    if base == "length":
        lo, _, hi = text.partition("..")
        return Assertion(
            type=kind,
            min=float(lo) if lo.strip() else None,
            max=float(hi) if hi.strip() else None,
        )
    if text[:1] in "[{" or base in ("latency", "cost"):
        try:
            return Assertion(type=kind, value=json.loads(text))
        except ValueError:
            pass
    return parse_shorthand(line)
