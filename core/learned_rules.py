"""Rules an endpoint taught: what it refused for a model, and built-in rules it contradicts.

A :class:`LearnedRule` holds for one model id (compared without case) on one endpoint
profile, and is kept in the settings (``Settings.learned_rules``). Its ``kind``:

- ``drop``, ``rename``, ``exclusive``: a fix of a refusal (:mod:`core.refusals`) the
  person clicked; applied after the built-in rows of :mod:`core.model_rules`, so the
  Request preview, the parameter markers and every request shape the body alike.
- ``allow``: the person turned the built-in rules off for ``field`` on this endpoint (it
  is sent as set). Once the endpoint answers a request that carried the field,
  ``accepted_on`` records it: the endpoint contradicts the built-in rule. Should it
  refuse instead, the fix of that refusal removes the ``allow`` and the built-in rule
  holds again.

Pure functions over lists of entries: each change returns a new list.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

import msgspec

from core.model_rules import Rule, matching_rules, renamed_fields, unsupported_fields
from core.params import PARAMS
from core.refusals import Fix

LearnedKind = Literal["drop", "rename", "exclusive", "allow"]
IsoDate = Annotated[str, msgspec.Meta(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
SAID_LIMIT = 300  # characters of the server's words kept with a rule


class LearnedRule(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One rule for ``model`` on the endpoint profile ``profile``.

    ``field``: the field not sent (``drop``; ``exclusive``: not sent when ``other`` is
    set), sent as ``other`` (``rename``), or sent although a built-in rule would not
    (``allow``). ``endpoint``: the host it was learned from; ``said``: the server's
    words.
    """

    profile: str
    model: str
    kind: LearnedKind
    field: str
    other: str = ""
    endpoint: str = ""
    learned_on: IsoDate = ""
    accepted_on: IsoDate = ""
    said: str = ""

    @property
    def source(self) -> str:
        """Where the rule came from, as a phrase: "learned from host on 2025-06-01"."""
        if self.kind == "allow":
            text = f"built-in rule turned off by you on {self.learned_on}"
            if self.accepted_on:
                text += f"; {self.endpoint or self.profile} accepted it on {self.accepted_on}"
            return text
        return f"learned from {self.endpoint or self.profile} on {self.learned_on}"

    @property
    def effect(self) -> str:
        """What the rule does, as a phrase: "not sent", "sent as max_completion_tokens"."""
        if self.kind == "rename":
            return f"sent as {self.other}"
        if self.kind == "exclusive":
            return f"not sent when {self.other} is set"
        if self.kind == "allow":
            return "sent although a built-in rule would not send it"
        return "not sent"


def today() -> str:
    return datetime.date.today().isoformat()


def _same_model(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def learned_for(entries: Sequence[LearnedRule], profile: str, model: str) -> list[LearnedRule]:
    """The entries that hold for ``model`` on ``profile``, in the order learned."""
    return [e for e in entries if e.profile == profile and _same_model(e.model, model)]


def _dependents(field: str) -> tuple[str, ...]:
    """Fields sent only with ``field`` (``top_logprobs`` with ``logprobs``): they go with it."""
    return tuple(
        spec.top_level
        for spec in PARAMS
        if spec.requires and spec.requires.split(".")[0] == field and spec.top_level != field
    )


def as_rule(entry: LearnedRule) -> Rule | None:
    """The rule row of a learned entry (None for ``allow``, which takes rows away)."""
    where = entry.endpoint or entry.profile
    reason = f"Learned from {where} on {entry.learned_on}, when it refused {entry.field}."
    patterns = (entry.model,)
    if entry.kind == "drop":
        return Rule(patterns=patterns, drop=(entry.field, *_dependents(entry.field)), reason=reason)
    if entry.kind == "rename":
        return Rule(patterns=patterns, rename=((entry.field, entry.other),), reason=reason)
    if entry.kind == "exclusive":
        return Rule(patterns=patterns, exclusive=((entry.other, entry.field),), reason=reason)
    return None


def _without(rule: Rule, fields: set[str]) -> Rule:
    """``rule`` leaving ``fields`` alone."""
    if not fields:
        return rule
    return msgspec.structs.replace(
        rule,
        drop=tuple(f for f in rule.drop if f not in fields),
        rename=tuple(pair for pair in rule.rename if pair[0] not in fields),
        exclusive=tuple(pair for pair in rule.exclusive if pair[1] not in fields),
    )


def rules_for(entries: Sequence[LearnedRule], profile: str, model: str) -> list[Rule]:
    """The rows that shape a request to ``model`` on ``profile``: the built-in ones
    (without the fields the person turned them off for), then the learned ones."""
    mine = learned_for(entries, profile, model)
    allowed = {e.field for e in mine if e.kind == "allow"}
    rows = [_without(rule, allowed) for rule in matching_rules(model)]
    rows.extend(rule for e in mine if (rule := as_rule(e)) is not None)
    return rows


def builtin_fields(model: str) -> list[str]:
    """The fields the built-in rows do not send to ``model`` as set (dropped, or renamed):
    the ones an ``allow`` can turn them off for."""
    return list(dict.fromkeys([*unsupported_fields(model), *renamed_fields(model)]))


def _replaced(entry: LearnedRule, profile: str, model: str, field: str, other: str) -> bool:
    if entry.profile != profile or not _same_model(entry.model, model):
        return False
    swapped = entry.kind == "exclusive" and entry.field == other and entry.other == field
    return entry.field == field or swapped


def learn(
    entries: Sequence[LearnedRule],
    profile: str,
    model: str,
    fix: Fix,
    *,
    endpoint: str = "",
    said: str = "",
    on: str = "",
) -> list[LearnedRule]:
    """``entries`` with ``fix`` learned for ``model`` on ``profile``; what was known of
    the same field there is replaced. A fix the built-in rows already make (the person
    had turned them off) only takes the ``allow`` away."""
    kept = [e for e in entries if not _replaced(e, profile, model, fix.field, fix.other)]
    if fix.kind == "rename":
        built_in = renamed_fields(model).get(fix.field) == fix.other
    else:
        built_in = fix.field in unsupported_fields(model)
    if built_in:
        return kept
    said = said if len(said) <= SAID_LIMIT else said[: SAID_LIMIT - 1].rstrip() + "…"
    entry = LearnedRule(
        profile=profile,
        model=model,
        kind=fix.kind,
        field=fix.field,
        other=fix.other,
        endpoint=endpoint,
        learned_on=on or today(),
        said=said,
    )
    return [*kept, entry]


def allow(
    entries: Sequence[LearnedRule], profile: str, model: str, field: str, *, on: str = ""
) -> list[LearnedRule]:
    """``entries`` with the built-in rules turned off for ``field`` of ``model`` on
    ``profile`` (``field`` is sent as set)."""
    kept = [e for e in entries if not _replaced(e, profile, model, field, "")]
    entry = LearnedRule(
        profile=profile, model=model, kind="allow", field=field, learned_on=on or today()
    )
    return [*kept, entry]


def accepted(
    entries: Sequence[LearnedRule],
    profile: str,
    model: str,
    sent: Mapping[str, object],
    *,
    endpoint: str = "",
    on: str = "",
) -> list[LearnedRule] | None:
    """``entries`` with each ``allow`` for ``model`` on ``profile`` whose field was in
    ``sent`` (a request the endpoint answered) marked accepted; None when none changes."""
    changed = False
    out: list[LearnedRule] = []
    for e in entries:
        fresh = (
            e.kind == "allow"
            and not e.accepted_on
            and e.field in sent
            and e.profile == profile
            and _same_model(e.model, model)
        )
        if fresh:
            e = msgspec.structs.replace(e, accepted_on=on or today(), endpoint=endpoint)
            changed = True
        out.append(e)
    return out if changed else None


def removed(entries: Sequence[LearnedRule], entry: LearnedRule) -> list[LearnedRule]:
    """``entries`` without ``entry``."""
    return [e for e in entries if e != entry]
