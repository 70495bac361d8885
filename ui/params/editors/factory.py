"""One editor class per ``ParamSpec.kind``; :func:`editor_for` picks it for a spec."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.params import ParamKind, ParamSpec
from ui.params.editors.base import ParamEditor
from ui.params.editors.bool_editor import BoolEditor
from ui.params.editors.choice_editor import ChoiceEditor
from ui.params.editors.float_editor import FloatEditor
from ui.params.editors.int_editor import IntEditor
from ui.params.editors.json_editor import JsonEditor
from ui.params.editors.text_editor import TextEditor
from ui.params.editors.text_list_editor import TextListEditor

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
