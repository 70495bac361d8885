"""The editor of ``choice`` fields: a combo box, editable when names are allowed too."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QWidget

from core.params import ParamSpec
from ui.params.editors.base import ParamEditor
from ui.params.editors.wheel_guard import WheelGuard


class ChoiceEditor(ParamEditor):
    """A combo box of ``spec.choices``.

    With ``spec.free_text`` (``tool_choice``) the combo box is editable: a function
    name may be typed, and :meth:`set_suggestions` lists the names that are defined.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        self.combo.setObjectName("paramCombo")
        self.combo.setAccessibleName(spec.label)
        self.combo.addItems(list(spec.choices))
        self._suggestions: tuple[str, ...] = ()
        WheelGuard(self).guard(self.combo)
        if spec.free_text:
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.combo.editTextChanged.connect(self._edited)
        else:
            self.combo.currentTextChanged.connect(self._edited)
        self._set_content(self.combo)
        self.set_value(self._value)

    def set_suggestions(self, names: Sequence[str]) -> None:
        """Lists ``names`` after the fixed choices (function names for ``tool_choice``)."""
        names = tuple(name for name in names if name not in self.spec.choices)
        if names == self._suggestions:
            return
        self._suggestions = names
        text = self.combo.currentText()
        with QSignalBlocker(self.combo):
            self.combo.clear()
            self.combo.addItems([*self.spec.choices, *names])
            self._select(text)

    def _select(self, text: str) -> None:
        index = self.combo.findText(text)
        if index >= 0:
            self.combo.setCurrentIndex(index)
        if self.combo.isEditable():
            self.combo.setEditText(text)

    def _show(self, value: object) -> None:
        with QSignalBlocker(self.combo):
            self._select(value if isinstance(value, str) else "")
