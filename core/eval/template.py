"""Prompt templates: ``{{name}}`` is replaced by the row's value of ``name``."""

from __future__ import annotations

import re
from collections.abc import Mapping

_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")


class TemplateError(ValueError):
    """A template names variables the row has no value for."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        names = ", ".join("{{" + m + "}}" for m in missing)
        plural = "s" if len(missing) > 1 else ""
        super().__init__(f"The prompt uses {names}, but the row has no value for it{plural}.")


def variables(template: str) -> list[str]:
    """The variable names ``template`` uses, in order of first use."""
    return list(dict.fromkeys(_VAR.findall(template)))


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{{name}}`` replaced; raises :class:`TemplateError` naming
    every variable without a value."""
    missing = [name for name in variables(template) if name not in values]
    if missing:
        raise TemplateError(missing)
    return _VAR.sub(lambda m: str(values[m.group(1)]), template)


def problem(template: str, values: Mapping[str, str]) -> str:
    """Why ``template`` cannot be rendered with ``values``, or ""."""
    try:
        render(template, values)
    except TemplateError as exc:
        return str(exc)
    return ""
