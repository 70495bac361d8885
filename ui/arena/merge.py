"""Merging a battle's answers after the vote.

The battle stays as it was judged (its transcript and vote unchanged); its slots are
copied, named, into a new comparison, where the merge streams into a new column marked
as a merge, which can be continued, exported and regenerated like any column.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from core.arena import battle as arena
from core.chat import Chat
from core.compare import last_answer
from ui.arena.controller import ArenaController
from ui.common.services import Services
from ui.compare.merge_dialog import MergeDialog, open_dialog

# (the comparison, its column ids to merge, the merging model, recipe name, recipe text)
MergeInto = Callable[[Chat, list[str], str, str, str], object]


def why_not_merge(controller: ArenaController) -> str | None:
    """None when the battle on screen can be merged now, else why not."""
    cmp = controller.battle
    if cmp is None:
        return "Start a battle first (Ctrl+Shift+A)."
    if not controller.revealed:
        return "Vote first: merging shows the models' names."
    if controller.is_generating():
        return "Wait for the answers (or stop them) first."
    answered = [c for c in cmp.columns if (a := last_answer(c)) and a.content.strip()]
    return None if len(answered) >= 2 else "Merging needs two answers."


def open_merge(
    controller: ArenaController, services: Services, parent: QWidget, merge_into: MergeInto
) -> MergeDialog | None:
    """The merge dialog for the voted battle on screen; the merge it asks for goes, with
    the comparison made from the battle, to ``merge_into``."""
    cmp = controller.battle
    if cmp is None or why_not_merge(controller) is not None:
        return None
    copy = arena.as_comparison(cmp)
    columns = []
    for slot, (col, twin) in enumerate(zip(cmp.columns, copy.columns, strict=True)):
        answer = last_answer(col)
        answered = bool(answer and answer.content.strip())
        columns.append((twin.id, f"{arena.slot_name(slot)} ({col.model})", answered))

    def merge(ids: list[str], model: str, recipe_name: str, recipe: str) -> None:
        merge_into(copy, ids, model, recipe_name, recipe)

    return open_dialog(columns, [], services, merge, parent)
