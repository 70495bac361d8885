"""One editor class per ``ParamSpec.kind``; :func:`editor_for` picks it for a spec."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.params import ParamKind, ParamSpec
from ui.widgets.param_bool import BoolEditor
from ui.widgets.param_choice import ChoiceEditor
from ui.widgets.param_editor_base import ParamEditor
from ui.widgets.param_float import FloatEditor
from ui.widgets.param_int import IntEditor
from ui.widgets.param_json import JsonEditor
from ui.widgets.param_text import TextEditor
from ui.widgets.param_text_list import TextListEditor

EDITORS: dict[ParamKind, type[ParamEditor]] = {
    "float": FloatEditor,
    "int": IntEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "text": TextEditor,
    "text_list": TextListEditor,
    "json": JsonEditor,
}


def editor_for(spec: ParamSpec, parent: QWidget | None = None) -> ParamEditor:
    """A new editor for ``spec``, showing ``spec.initial``."""
    return EDITORS[spec.kind](spec, parent)


__all__ = [
    "EDITORS",
    "BoolEditor",
    "ChoiceEditor",
    "FloatEditor",
    "IntEditor",
    "JsonEditor",
    "ParamEditor",
    "TextEditor",
    "TextListEditor",
    "editor_for",
]
