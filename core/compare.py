"""Comparisons: one prompt sent to several models, each column with its own parameters.

A comparison is a :class:`~core.chat.Chat` of kind ``"compare"``. It keeps no messages
of its own; ``params`` holds the shared parameter set and ``columns`` holds one chat per
column, each with its own model, its full effective parameter set, its own message tree,
and ``overridden``: the names of the parameters it sets differently from what it
inherits. A column inherits the shared set, with its own model's defaults under the shared
set's overrides and preset (:mod:`core.param_stack`) when the functions here are given
the :class:`~core.param_stack.Defaults`; without them, the shared set alone.

The functions here change a comparison in place and know nothing of the network or Qt;
streaming each column's answer is :func:`core.conversation.run_answer`, called per column.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import msgspec

from core import conversation, param_stack
from core.chat import UNTITLED, Chat, ImagePart, Message, new_id, now
from core.param_stack import Defaults

MIN_COLUMNS = 1  # removing the last column is refused
MAX_COLUMNS = 48  # a sweep may need many; beyond six the columns scroll sideways
CONTINUED_SUFFIX = " (from comparison)"
MARK_FASTEST_TTFT = "fastest_ttft"
MARK_FASTEST_TPS = "fastest_tps"
MARK_LONGEST = "longest"

_MISSING = object()


class ComparisonError(ValueError):
    """A change a comparison cannot take; ``str()`` is a sentence for a person."""


# --- columns ------------------------------------------------------------------------


def column(cmp: Chat, column_id: str) -> Chat:
    """The column with this id; raises KeyError when there is none."""
    for col in cmp.columns:
        if col.id == column_id:
            return col
    raise KeyError(column_id)


def inherited(cmp: Chat, model: str, defaults: Defaults | None = None) -> dict[str, object]:
    """What a column of ``model`` inherits: the shared set, with the model's defaults."""
    if defaults is None:
        return dict(cmp.params)
    explicit = param_stack.explicit_shared(cmp.params, cmp.overridden, defaults, cmp.preset)
    return param_stack.inherited(cmp.params, explicit, defaults.model(model))


def _new_column(cmp: Chat, model: str, defaults: Defaults | None) -> Chat:
    params = inherited(cmp, model, defaults)
    return Chat(model=model, params=params, system_prompt=cmp.system_prompt)


def _check_room(cmp: Chat, adding: int = 1) -> None:
    if len(cmp.columns) + adding > MAX_COLUMNS:
        raise ComparisonError(f"A comparison has at most {MAX_COLUMNS} columns.")


def new_comparison(
    models: list[str],
    shared_params: Mapping[str, object],
    profile: str = "",
    system_prompt: str = "",
    *,
    defaults: Defaults | None = None,
    overridden: Collection[str] = (),
    preset: str = "",
) -> Chat:
    """A comparison with one empty column per model, every column on what it inherits
    (``overridden`` and ``preset``: the shared set's)."""
    if len(models) < MIN_COLUMNS:
        raise ComparisonError("A comparison needs at least one model.")
    if len(models) > MAX_COLUMNS:
        raise ComparisonError(f"A comparison has at most {MAX_COLUMNS} columns.")
    cmp = Chat(
        kind="compare",
        params=dict(shared_params),
        profile=profile,
        system_prompt=system_prompt,
        overridden=sorted(overridden),
        preset=preset,
    )
    cmp.columns = [_new_column(cmp, model, defaults) for model in models]
    return cmp


def add_column(cmp: Chat, model: str, defaults: Defaults | None = None) -> Chat:
    """A new column at the end, on what it inherits.

    It starts empty: earlier turns of the other columns are not copied, so its next
    question is sent without them.
    """
    _check_room(cmp)
    col = _new_column(cmp, model, defaults)
    cmp.columns.append(col)
    cmp.updated_at = now()
    return col


def _copy(chat: Chat) -> Chat:
    return msgspec.json.decode(msgspec.json.encode(chat), type=Chat)


def duplicate_column(cmp: Chat, column_id: str) -> Chat:
    """A copy of a column (model, parameters, every message) placed right after it.

    The copy and its messages get new ids.
    """
    _check_room(cmp)
    original = column(cmp, column_id)
    twin = _copy(original)
    twin.id = new_id()
    renamed = {m.id: new_id() for m in twin.messages}
    for message in twin.messages:
        message.id = renamed[message.id]
        if message.parent is not None:
            message.parent = renamed.get(message.parent)
    twin.leaf = renamed.get(twin.leaf) if twin.leaf is not None else None
    cmp.columns.insert(cmp.columns.index(original) + 1, twin)
    cmp.updated_at = now()
    return twin


def remove_column(cmp: Chat, column_id: str) -> Chat:
    """Take a column out; the last one cannot be removed. Returns it."""
    col = column(cmp, column_id)
    if len(cmp.columns) <= MIN_COLUMNS:
        raise ComparisonError("A comparison keeps at least one column.")
    cmp.columns.remove(col)
    cmp.updated_at = now()
    return col


def move_column(cmp: Chat, column_id: str, to_index: int) -> None:
    """Move a column to ``to_index`` (clamped to the columns that exist)."""
    col = column(cmp, column_id)
    cmp.columns.remove(col)
    cmp.columns.insert(max(0, min(to_index, len(cmp.columns))), col)


def _own_over(col: Chat, base: Mapping[str, object]) -> dict[str, object]:
    """``base`` with the column's overridden names taking its own value (or absence)."""
    merged = dict(base)
    for name in col.overridden:
        if name in col.params:
            merged[name] = col.params[name]
        else:
            merged.pop(name, None)
    return merged


def set_column_model(
    cmp: Chat, column_id: str, model: str, defaults: Defaults | None = None
) -> None:
    """Give a column another model; with ``defaults``, what it does not override comes
    from the new model's defaults (never the old model's)."""
    col = column(cmp, column_id)
    col.model = model
    if defaults is not None:
        base = inherited(cmp, model, defaults)
        col.params = _own_over(col, base)
        col.overridden = overridden_names(col.params, base)


def overridden_names(params: Mapping[str, object], shared: Mapping[str, object]) -> list[str]:
    """Names whose value differs between the two sets, or that only one of them sets."""
    names = set(params) | set(shared)
    return sorted(n for n in names if params.get(n, _MISSING) != shared.get(n, _MISSING))


def set_column_params(
    cmp: Chat, column_id: str, params: Mapping[str, object], defaults: Defaults | None = None
) -> None:
    """Give a column its own full parameter set; marks what differs from what it inherits."""
    col = column(cmp, column_id)
    col.params = dict(params)
    col.overridden = overridden_names(col.params, inherited(cmp, col.model, defaults))


def set_shared_params(
    cmp: Chat,
    params: Mapping[str, object],
    defaults: Defaults | None = None,
    *,
    overridden: Collection[str] | None = None,
    preset: str | None = None,
) -> None:
    """Change the shared set (and which names it overrides, which preset it loaded);
    every column follows what it inherits except in its own overridden names."""
    cmp.params = dict(params)
    if overridden is not None:
        cmp.overridden = sorted(overridden)
    if preset is not None:
        cmp.preset = preset
    restack_columns(cmp, defaults)


def restack_columns(cmp: Chat, defaults: Defaults | None = None, model: str | None = None) -> None:
    """Each column (of ``model``, or every one) on what it inherits now, with its own
    overrides (after a change of the shared set or of a model's defaults)."""
    for col in cmp.columns:
        if model is None or col.model == model:
            base = inherited(cmp, col.model, defaults)
            col.params = _own_over(col, base)
            col.overridden = overridden_names(col.params, base)


def set_system_prompt(cmp: Chat, text: str) -> None:
    cmp.system_prompt = text
    for col in cmp.columns:
        col.system_prompt = text


# --- asking -------------------------------------------------------------------------


def send_to_all(
    cmp: Chat,
    text: str,
    images: list[ImagePart] | None = None,
    *,
    only: Collection[str] | None = None,
) -> list[tuple[Chat, Message]]:
    """The question and an empty answer (status "streaming") in every column, or in the
    columns named by ``only``; titles an untitled comparison from the question."""
    if not cmp.title:
        cmp.title = conversation.title_from(text) if text.strip() else "Image"
    started: list[tuple[Chat, Message]] = []
    for col in cmp.columns:
        if only is not None and col.id not in only:
            continue
        conversation.add_user_message(col, text, images)
        started.append((col, conversation.start_answer(col, col.model, col.params)))
    cmp.updated_at = now()
    return started


def regenerate_column(cmp: Chat, column_id: str) -> tuple[Chat, Message]:
    """A new answer in one column: beside its last answer, or under a question left
    without one."""
    col = column(cmp, column_id)
    leaf = col.by_id().get(col.leaf or "")
    if leaf is None:
        raise ComparisonError("This column has nothing to answer yet.")
    if leaf.role == "assistant":
        answer = conversation.regenerate(col, leaf.id, col.model, col.params)
    else:
        answer = conversation.start_answer(col, col.model, col.params)
    cmp.updated_at = now()
    return col, answer


def continue_with(cmp: Chat, column_id: str) -> Chat:
    """A normal chat (new id) with the column's model, parameters and messages (what the
    column and the shared set override stays the chat's own, over the same preset), and the
    comparison's MCP servers and the tools allowed in it.

    An answer still arriving is copied as it stands, marked stopped.
    """
    col = _copy(column(cmp, column_id))
    for message in col.messages:
        if message.status == "streaming":
            message.status = "stopped"
    return Chat(
        title=f"{cmp.title.strip() or UNTITLED}{CONTINUED_SUFFIX}",
        profile=col.profile or cmp.profile,
        model=col.model,
        system_prompt=col.system_prompt,
        params=dict(col.params),
        overridden=sorted(set(col.overridden) | set(cmp.overridden)),
        preset=cmp.preset,
        messages=col.messages,
        leaf=col.leaf,
        tool_servers=list(cmp.tool_servers),
        tool_allowed=list(cmp.tool_allowed),
    )


# --- reading ------------------------------------------------------------------------


def last_answer(col: Chat) -> Message | None:
    """The last assistant message of the branch on screen."""
    return next((m for m in reversed(col.branch()) if m.role == "assistant"), None)


def _completion_tokens(answer: Message) -> int | None:
    stats = answer.stats
    if stats is None:
        return None
    if stats.usage is not None and stats.usage.completion_tokens is not None:
        return stats.usage.completion_tokens
    return stats.estimated_tokens or None


def column_marks(cmp: Chat) -> dict[str, set[str]]:
    """Which column answered fastest (first token; tokens per second) and longest.

    Only each column's last answer counts, and only if it finished ("done"); ties mark
    every column that shares the best value. A mark needs two finished answers to compare.
    """
    marks: dict[str, set[str]] = {col.id: set() for col in cmp.columns}
    finished: list[tuple[str, Message]] = []
    for col in cmp.columns:
        answer = last_answer(col)
        if answer is not None and answer.status == "done" and answer.stats is not None:
            finished.append((col.id, answer))
    if len(finished) < 2:
        return marks
    ttft = {cid: a.stats.ttft_s for cid, a in finished if a.stats and a.stats.ttft_s is not None}
    tps = {
        cid: a.stats.tokens_per_s
        for cid, a in finished
        if a.stats and a.stats.tokens_per_s is not None
    }
    tokens = {cid: float(n) for cid, a in finished if (n := _completion_tokens(a)) is not None}
    measures: list[tuple[str, dict[str, float], bool]] = [
        (MARK_FASTEST_TTFT, ttft, False),
        (MARK_FASTEST_TPS, tps, True),
        (MARK_LONGEST, tokens, True),
    ]
    for name, values, higher in measures:
        if len(values) < 2:
            continue
        best = max(values.values()) if higher else min(values.values())
        for cid, value in values.items():
            if value == best:
                marks[cid].add(name)
    return marks
