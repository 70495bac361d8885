"""What a refused request asks to change: from a server's 400 to the fixes a person can pick.

Servers refuse a parameter a model does not take in their own words, and gateways pass
those words on (one-api and new-api add `` (request id: …)``, vLLM and llama.cpp re-wrap
the body, xAI spells fields in camelCase). :func:`fixes_for` reads the message and
returns what would get the request through:

- ``drop``: send the request without the field ("Unsupported parameter: 'logprobs' …",
  "Unsupported value: 'temperature' does not support 0.7 …", "Argument not supported
  on this model: presencePenalty", "Unsupported param: suffix", "Unrecognized request
  argument supplied: enable_thinking", "Unknown name \\"logprobs\\": Cannot find field",
  "top_k: Extra inputs are not permitted", "Only one completion choice is allowed");
- ``rename``: send the field under the name the server asks for ("'max_tokens' is not
  supported with this model. Use 'max_completion_tokens' instead.");
- ``exclusive``: of two fields that cannot go together, send one ("`temperature` and
  `top_p` cannot both be specified for this model"); both choices are offered.

A fix is offered only for a field that was sent (a top-level key of the body) and never
for ``model`` or ``messages``: a refusal that names ``messages[0].role`` or a field the
request did not carry offers nothing. Pure functions: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Literal

import msgspec

from core.chat import ErrorInfo

FixKind = Literal["drop", "rename", "exclusive"]
REFUSAL_STATUSES = frozenset({400, 422})
_NEVER_FIXED = frozenset({"model", "messages"})

_Q = "[`'\"‘’“”]?"  # the quotes servers put around a field's name, or none
_NAME = r"([A-Za-z_][\w.\[\]]*)"
_FLAGS = re.IGNORECASE

# A refusal naming one field: the first group is its name.
_ONE_FIELD = tuple(
    re.compile(pattern, _FLAGS)
    for pattern in (
        rf"unsupported (?:parameter|param|argument)s?:?\s*{_Q}{_NAME}{_Q}",
        rf"unsupported value:?\s*{_Q}{_NAME}{_Q}\s+does not support",
        rf"arguments? not supported on this model:?\s*{_Q}{_NAME}{_Q}",
        rf"unknown (?:name|field|parameter)s?:?\s*{_Q}{_NAME}{_Q}",
        rf"{_Q}{_NAME}{_Q}:?\s+extra (?:inputs|fields) (?:are|is) not permitted",
        rf"{_Q}{_NAME}{_Q}\s+(?:is|are)\s+not\s+(?:supported|allowed|permitted)\b",
        rf"does not support (?:the )?{_Q}{_NAME}{_Q}\s+(?:parameter|argument|field|option)",
    )
)
# "Unrecognized request arguments supplied: a, b" names several.
_FIELD_LIST = re.compile(r"unrecognized request arguments? supplied:?\s*([\w ,]+)", _FLAGS)
# Refusals that name no field but mean one.
_MEANT_FIELDS = ((re.compile(r"only one completion choice is allowed", _FLAGS), "n"),)
# Two fields that cannot go together: the groups are their names.
_TWO_FIELDS = tuple(
    re.compile(pattern, _FLAGS)
    for pattern in (
        rf"{_Q}{_NAME}{_Q}\s+and\s+{_Q}{_NAME}{_Q}\s+cannot both be"
        r" (?:specified|set|used|provided|sent)",
        rf"only one of\s+{_Q}{_NAME}{_Q}\s+(?:and|or)\s+{_Q}{_NAME}{_Q}",
        rf"cannot (?:specify|set|use|send) both\s+{_Q}{_NAME}{_Q}\s+and\s+{_Q}{_NAME}{_Q}",
    )
)
# The name a server asks a field to be sent as instead.
_INSTEAD = re.compile(
    rf"\b(?:use|try)\s+{_Q}([A-Za-z_]\w*){_Q}(?:\s+(?:parameter|field))?\s+instead\b"
    rf"|\bin favou?r of\s+{_Q}([A-Za-z_]\w*){_Q}",
    _FLAGS,
)
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


class Fix(msgspec.Struct, frozen=True, kw_only=True):
    """One change that gets a refused request through.

    ``field``: the field not sent (``drop``; ``exclusive``: not sent beside ``other``)
    or sent under the name ``other`` (``rename``).
    """

    kind: FixKind
    field: str
    other: str = ""

    @property
    def id(self) -> str:
        """A short text naming the fix, for links: ``drop:temperature``."""
        return ":".join(part for part in (self.kind, self.field, self.other) if part)

    @property
    def label(self) -> str:
        """What the fix's button says."""
        if self.kind == "rename":
            return f"Use {self.other}"
        return f"Send without {self.field}"

    def promise(self, model: str, where: str) -> str:
        """The sentence saying what Chorus does from now on."""
        if self.kind == "rename":
            change = f"send {self.field} to {model} as {self.other}"
        elif self.kind == "exclusive":
            change = f"send {model} without {self.field} when {self.other} is set"
        else:
            change = f"send {model} without {self.field}"
        return f"Chorus will {change} on {where} from now on; see Parameters."


def _field_name(raw: str, sent: Mapping[str, object]) -> str | None:
    """The top-level key of ``sent`` that a server's spelling ``raw`` names, or None."""
    name = raw.strip(" .,:;")
    if name.lower().startswith("body."):
        name = name[5:]
    top = re.split(r"[.\[]", name, maxsplit=1)[0]
    for candidate in (top, _CAMEL.sub(r"_\1", top).lower(), top.lower()):
        if candidate in sent and candidate not in _NEVER_FIXED:
            return candidate
    return None


def _named_fields(text: str) -> Iterator[str]:
    """Every spelling of a field the refusal names, first found first."""
    for pattern in _ONE_FIELD:
        for found in pattern.finditer(text):
            yield found.group(1)
    for found in _FIELD_LIST.finditer(text):
        yield from (part.strip() for part in found.group(1).split(","))
    for pattern, field in _MEANT_FIELDS:
        if pattern.search(text):
            yield field


def _instead(text: str) -> str:
    found = _INSTEAD.search(text)
    return (found.group(1) or found.group(2)) if found else ""


def parse_refusal(text: str, sent: Mapping[str, object]) -> list[Fix]:
    """The fixes a refusal's ``text`` offers for a request that sent ``sent`` (its
    top-level keys); empty when it names no field that was sent."""
    for pattern in _TWO_FIELDS:
        found = pattern.search(text)
        if found is None:
            continue
        first, second = (_field_name(found.group(i), sent) for i in (1, 2))
        if first and second and first != second:
            return [
                Fix(kind="exclusive", field=second, other=first),
                Fix(kind="exclusive", field=first, other=second),
            ]
    field = next((f for raw in _named_fields(text) if (f := _field_name(raw, sent))), None)
    if field is None:
        return []
    new = _instead(text)
    if new and new != field and new not in sent and new not in _NEVER_FIXED:
        return [Fix(kind="rename", field=field, other=new)]
    return [Fix(kind="drop", field=field)]


def fixes_for(error: ErrorInfo | None, sent: Mapping[str, object]) -> list[Fix]:
    """The fixes for an answer that failed with ``error`` after sending ``sent``: only a
    refusal (400 or 422) is read."""
    if error is None or error.status not in REFUSAL_STATUSES:
        return []
    return parse_refusal(error.detail or error.message, sent)


def fix_by_id(error: ErrorInfo | None, sent: Mapping[str, object], fix_id: str) -> Fix | None:
    """The fix ``fix_id`` names among those of ``error``, or None (no such fix)."""
    return next((fix for fix in fixes_for(error, sent) if fix.id == fix_id), None)
