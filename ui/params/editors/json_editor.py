"""The editor of ``json`` fields (tools): JSON text checked as it is typed."""

from __future__ import annotations

import json

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QFontDatabase, QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from core.params import ParamSpec
from ui.params.editors.base import ParamEditor

VISIBLE_LINES = 12


class JsonEditor(ParamEditor):
    """A monospace text box. While the text is not a valid value the error sentence
    (with the line and column of a syntax error) is shown under it in red and the last
    valid value stays in effect; Format re-indents valid text."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.text_edit = QPlainTextEdit(box)
        self.text_edit.setObjectName("paramJson")
        self.text_edit.setAccessibleName(spec.label)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.text_edit.setFont(font)
        metrics = QFontMetricsF(font)
        self.text_edit.setTabStopDistance(metrics.horizontalAdvance(" ") * 2)
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        frame = 2 * self.text_edit.frameWidth() + 8
        self.text_edit.setFixedHeight(round(metrics.lineSpacing() * VISIBLE_LINES) + frame)
        self.text_edit.textChanged.connect(self._text_changed)
        tools = QHBoxLayout()
        self.format_button = QToolButton(box)
        self.format_button.setText("Format")
        self.format_button.setToolTip("Re-indent the JSON")
        self.format_button.clicked.connect(self.format_text)
        tools.addStretch(1)
        tools.addWidget(self.format_button)
        layout.addWidget(self.text_edit)
        layout.addLayout(tools)
        self._set_content(box)
        self.set_value(self._value)

    def _text_changed(self) -> None:
        self._edited(self.text_edit.toPlainText())
        self.format_button.setEnabled(not self.error())

    def _describe_error(self, raw: object, message: str) -> str:
        if not isinstance(raw, str):
            return message
        try:
            json.loads(raw)
        except json.JSONDecodeError as exc:
            return f"{message.rstrip('.')} (line {exc.lineno}, column {exc.colno})."
        return message

    def format_text(self) -> None:
        """Re-indents the text when it is valid, keeping the value."""
        if not self.error():
            self.text_edit.setPlainText(_dumps(self._value))

    def _show(self, value: object) -> None:
        with QSignalBlocker(self.text_edit):
            self.text_edit.setPlainText(_dumps(value))
        self.format_button.setEnabled(True)


def _dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
