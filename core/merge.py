"""Merging the answers of several compare columns into one, by a recipe.

A recipe is an instruction with placeholders: ``{question}`` (the last question),
``{answers}`` (every chosen answer under its column's label), ``{count}`` (how many) and
``{labels}`` ("Column 1, Column 3"). The built-in recipes can be edited (the edited text
is kept in ``Settings.merge_recipes``) and reset; a recipe without ``{answers}`` gets the
answers appended, so none is ever left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FUSE = "fuse"
DIFFERENCES = "differences"
PICK_BEST = "pick best"
CUSTOM = "custom"

BUILTIN_RECIPES: dict[str, str] = {
    FUSE: (
        "Here are {count} answers to the same question.\n\nQuestion:\n{question}\n\n"
        "{answers}\n\nWrite one answer that takes the best of each: keep what is correct "
        "and useful in any of them, drop what is wrong or repeated. Answer the question "
        "directly; do not mention the answers or their labels."
    ),
    DIFFERENCES: (
        "Here are {count} answers to the same question.\n\nQuestion:\n{question}\n\n"
        "{answers}\n\nList every point where the answers disagree or where one says "
        "something the others leave out. For each point, say which answer ({labels}) "
        "said what. Do not list what they agree on."
    ),
    PICK_BEST: (
        "Here are {count} answers to the same question.\n\nQuestion:\n{question}\n\n"
        "{answers}\n\nWhich answer is best? Name it by its label ({labels}) on the first "
        "line, then say why in a few sentences, and what the others got wrong."
    ),
    CUSTOM: "Question:\n{question}\n\n{answers}\n\n",
}


@dataclass(frozen=True, slots=True)
class Source:
    """One answer to merge: its column's label and text."""

    label: str  # "Column 2 (model-x)"
    text: str


def recipes(saved: Mapping[str, str]) -> dict[str, str]:
    """The built-in recipes with the person's edits, then the person's own recipes."""
    merged = dict(BUILTIN_RECIPES)
    merged.update({name: text for name, text in saved.items() if text.strip()})
    return merged


def is_edited(name: str, saved: Mapping[str, str]) -> bool:
    return (
        name in BUILTIN_RECIPES and saved.get(name, BUILTIN_RECIPES[name]) != BUILTIN_RECIPES[name]
    )


def prompt(recipe: str, question: str, sources: Sequence[Source]) -> str:
    """The message sent to the merging model."""
    if len(sources) < 2:
        raise ValueError("Choose at least two columns' answers to merge.")
    answers = "\n\n".join(f"--- {s.label} ---\n{s.text.strip()}" for s in sources)
    labels = ", ".join(s.label for s in sources)
    values = {
        "question": question.strip(),
        "answers": answers,
        "count": str(len(sources)),
        "labels": labels,
    }
    text = recipe
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    if "{answers}" not in recipe:
        text = f"{text.rstrip()}\n\n{answers}"
    return text.strip()


def merge_title(labels: Sequence[str], recipe_name: str) -> str:
    """How a merged column is marked: "Merge of Column 1 + Column 2 (fuse)"."""
    return f"Merge of {' + '.join(labels)} ({recipe_name})"
