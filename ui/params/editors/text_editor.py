"""The editor of ``text`` fields: one line of text."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QLineEdit, QWidget

from core.params import ParamSpec
from ui.params.editors.base import ParamEditor


class TextEditor(ParamEditor):
    """A line edit; empty text is not sent even while the field is on."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.line.setObjectName("paramLine")
        self.line.setAccessibleName(spec.label)
        self.line.setClearButtonEnabled(True)
        self.line.setPlaceholderText("Empty: nothing is sent")
        self.line.textChanged.connect(self._edited)
        self._set_content(self.line)
        self.set_value(self._value)

    def _show(self, value: object) -> None:
        with QSignalBlocker(self.line):
            self.line.setText(value if isinstance(value, str) else "")
