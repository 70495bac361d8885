"""A battle of the blind arena: models drawn from a pool, shown as anonymous slots.

A battle's transcript is a comparison (a :class:`~core.chat.Chat` of kind "compare")
whose columns are the slots in the order shown: slot 0 is "Model A", slot 1 "Model B"…
The order is random per battle. Its :class:`BattleRecord` (the models, the vote, the
tags) is what the leaderboard reads. Until the vote, nothing shown may name a model:
:func:`scrub` replaces every model id in a text with its slot's name and
:func:`masked` gives a copy of a message with nothing that names its model.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import Literal

import msgspec

from core.arena.ratings import Game
from core.chat import Chat, ErrorInfo, Message, new_id, now
from core.model_rules import Adjustment
from core.params import PARAM_BY_NAME
from core.request import BuiltRequest, build_body, to_api_messages

MIN_SLOTS = 2
MAX_SLOTS = 4
SLOT_LETTERS = "ABCD"
BUILTIN_TAGS = ("coding", "writing", "reasoning", "maths", "chat")

Vote = Literal["", "win", "tie", "bad"]  # "": not voted yet

_MISSING = object()


class ArenaError(ValueError):
    """A battle that cannot be made or a vote that cannot be taken; a sentence for a person."""


class BattleRecord(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One battle as the leaderboard sees it (its transcript is the chat ``id``)."""

    id: str = msgspec.field(default_factory=new_id)
    created_at: float = msgspec.field(default_factory=now)
    models: list[str] = []  # in slot order: models[0] was "Model A"
    vote: Vote = ""
    winner: int = -1  # the slot that won, when ``vote`` is "win"
    voted_at: float | None = None
    tags: list[str] = []
    title: str = ""  # the first question
    turns: int = 0

    @property
    def voted(self) -> bool:
        return bool(self.vote)

    def outcome_text(self) -> str:
        if self.vote == "win":
            return f"{slot_name(self.winner)} won"
        return {"tie": "Tie", "bad": "Both bad", "": "Not voted"}[self.vote]


def slot_name(slot: int) -> str:
    return f"Model {SLOT_LETTERS[slot]}"


def draw(pool: Sequence[str], count: int, rng: random.Random | None = None) -> list[str]:
    """``count`` different models from ``pool``, in a random order."""
    models = list(dict.fromkeys(m for m in pool if m))
    count = max(MIN_SLOTS, min(MAX_SLOTS, count))
    if len(models) < MIN_SLOTS:
        raise ArenaError(
            "The arena needs at least two models in its pool: choose them with "
            "“Pool…” or mark favourites in the model picker."
        )
    return (rng or random.SystemRandom()).sample(models, min(count, len(models)))


def new_battle(
    models: Sequence[str], params: Sequence[dict[str, object]], profile: str = ""
) -> tuple[Chat, BattleRecord]:
    """The transcript (one column per slot, each with its own parameters) and its record."""
    cmp = Chat(kind="compare", profile=profile)
    cmp.columns = [
        Chat(model=model, params=dict(values)) for model, values in zip(models, params, strict=True)
    ]
    return cmp, BattleRecord(id=cmp.id, created_at=cmp.created_at, models=list(models))


def as_comparison(cmp: Chat) -> Chat:
    """A comparison (new ids) holding a voted battle's slots as its columns, in slot order,
    with the parameters they all sent as its shared set: what a merge after the vote goes
    into, leaving the battle as it was judged."""
    copy = msgspec.json.decode(msgspec.json.encode(cmp), type=Chat)
    copy.id = new_id()
    copy.title = f"{cmp.title or 'Arena battle'} (from the arena)"
    copy.created_at = copy.updated_at = now()
    for col in copy.columns:
        col.id = new_id()
        for message in col.messages:
            if message.status == "streaming":
                message.status = "stopped"
    first = copy.columns[0].params if copy.columns else {}
    copy.params = {
        name: value
        for name, value in first.items()
        if all(col.params.get(name, _MISSING) == value for col in copy.columns)
    }
    return copy


def cast_vote(record: BattleRecord, vote: Vote, winner: int = -1) -> None:
    """Record the vote (a second vote replaces the first)."""
    if vote == "win" and not 0 <= winner < len(record.models):
        raise ArenaError("That slot is not in this battle.")
    if vote not in ("win", "tie", "bad"):
        raise ArenaError("A vote is a winner, a tie or “both bad”.")
    record.vote = vote
    record.winner = winner if vote == "win" else -1
    record.voted_at = now()


def games(records: Iterable[BattleRecord]) -> list[Game]:
    """The pairwise games of the voted battles, oldest vote first.

    A winner beats every other slot; a tie and "both bad" are ties between every pair.
    """
    played: list[Game] = []
    for record in sorted(records, key=lambda r: r.voted_at or r.created_at):
        if not record.voted:
            continue
        models = record.models
        for i in range(len(models)):
            for j in range(i + 1, len(models)):
                if record.vote == "win":
                    if record.winner == i:
                        played.append((models[i], models[j], 1.0))
                    elif record.winner == j:
                        played.append((models[i], models[j], 0.0))
                    # two losers of a multi-way battle: no game between them
                else:
                    played.append((models[i], models[j], 0.5))
    return played


def matching(
    records: Iterable[BattleRecord],
    tags: Iterable[str] = (),
    since: float | None = None,
    until: float | None = None,
) -> list[BattleRecord]:
    """The battles with every tag of ``tags``, created in [since, until)."""
    wanted = {t.casefold() for t in tags}
    found = []
    for record in records:
        if wanted and not wanted <= {t.casefold() for t in record.tags}:
            continue
        if since is not None and record.created_at < since:
            continue
        if until is not None and record.created_at >= until:
            continue
        found.append(record)
    return found


def parse_tags(text: str) -> list[str]:
    """Tags from "coding, my tag": trimmed, without repeats, in order."""
    seen: dict[str, str] = {}
    for part in text.split(","):
        tag = " ".join(part.split())
        if tag:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())


# --- masking ------------------------------------------------------------------------

HIDDEN = "(hidden until the vote)"


def blind_request(cmp: Chat, slot: int, next_text: str, models: Sequence[str]) -> BuiltRequest:
    """The request preview of ``slot`` before the vote, naming no model: its
    conversation as shown (answers scrubbed of model names), ``model`` the slot's
    name, the parameters every slot sends alike, and :data:`HIDDEN` for each one whose
    value differs between the slots (their own defaults could tell them apart). The
    per-model adjustments (renamed, dropped or clamped fields) are left out: they could
    too. Raises ``ValueError`` for a parameter no model could take."""
    col = cmp.columns[slot]
    shown = [masked(m, slot, models) for m in col.branch()]
    history = to_api_messages(shown, "")
    history.append({"role": "user", "content": next_text or "(your next message)"})
    first = col.params
    alike = {
        n: v for n, v in first.items() if all(c.params.get(n, _MISSING) == v for c in cmp.columns)
    }
    built = build_body(slot_name(slot), history, alike)
    body = built.body
    differing = sorted({n for c in cmp.columns for n in c.params} - set(alike))
    hidden = []
    for name in differing:
        if name in PARAM_BY_NAME:
            hidden.append(
                Adjustment(
                    field=name,
                    action="hidden",
                    detail="Hidden until the vote: not the same for every model.",
                )
            )
            *parents, leaf = PARAM_BY_NAME[name].name.split(".")
            target = body
            for key in parents:
                child = target.setdefault(key, {})
                target = child if isinstance(child, dict) else {}
            target[leaf] = HIDDEN
    return BuiltRequest(body=body, adjustments=hidden)


def _names(model: str) -> list[str]:
    """The ways a text may name ``model``: the id, and its part after a vendor prefix."""
    names = [model]
    if "/" in model:
        names.append(model.rsplit("/", 1)[1])
    return [n for n in names if len(n) >= 2]


def scrub(text: str, models: Sequence[str]) -> str:
    """``text`` with every model of ``models`` replaced by its slot's name."""
    if not text:
        return text
    pairs = [(name, slot_name(i)) for i, m in enumerate(models) for name in _names(m)]
    pairs.sort(key=lambda pair: -len(pair[0]))  # "vendor/x" before "x"
    for name, label in pairs:
        text = re.sub(re.escape(name), label, text, flags=re.IGNORECASE)
    return text


def _scrubbed_error(error: ErrorInfo | None, models: Sequence[str]) -> ErrorInfo | None:
    if error is None:
        return None
    return msgspec.structs.replace(
        error, message=scrub(error.message, models), detail=scrub(error.detail, models)
    )


def masked(message: Message, slot: int, models: Sequence[str]) -> Message:
    """A copy of ``message`` that does not name its model and shows no stats (before the
    vote)."""
    return msgspec.structs.replace(
        message,
        model=slot_name(slot) if message.role == "assistant" else "",
        stats=None,  # the figures are shown with the names, after the vote
        error=_scrubbed_error(message.error, models),
        content=scrub(message.content, models) if message.role == "assistant" else message.content,
        reasoning=scrub(message.reasoning, models),
        params={},
    )
