"""The editor of ``json`` fields (tools): JSON text checked as it is typed."""

from __future__ import annotations

import json
from typing import Protocol

from PySide6.QtCore import QSignalBlocker
from PySide6.QtGui import QFontDatabase, QFontMetricsF, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.params import ParamSpec
from core.tools.json_locate import line_column
from ui.params.editors.base import ERROR_COLOR, ParamEditor

VISIBLE_LINES = 12


class JsonEditor(ParamEditor):
    """A monospace text box. While the text is not a valid value the error sentence
    (with the line and column of a syntax error, or of the part of a tool's JSON Schema
    that is not valid) is shown under it in red, that line is underlined, and the last
    valid value stays in effect; Format re-indents valid text."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.error_at: tuple[int, int] | None = None  # line and column of the error
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
        self.library_button = QToolButton(box)
        self.library_button.setObjectName("toolLibrary")
        self.library_button.setText("Library")
        self.library_button.setToolTip("Saved tool definitions, for any chat")
        self.library_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.library_menu = QMenu(self.library_button)
        self.library_menu.aboutToShow.connect(self._fill_library)
        self.library_button.setMenu(self.library_menu)
        self.library_button.hide()
        self._library: ToolLibrary | None = None
        tools.addWidget(self.library_button)
        tools.addStretch(1)
        tools.addWidget(self.format_button)
        layout.addWidget(self.text_edit)
        layout.addLayout(tools)
        self._set_content(box)
        self.set_value(self._value)

    def _text_changed(self) -> None:
        self.error_at = None
        self._edited(self.text_edit.toPlainText())
        self.format_button.setEnabled(not self.error())
        self._mark(self.error_at if self.error() else None)

    def _describe_error(self, raw: object, message: str) -> str:
        if not isinstance(raw, str):
            return message
        try:
            json.loads(raw)
        except json.JSONDecodeError as exc:
            self.error_at = (exc.lineno, exc.colno)
            return f"{message.rstrip('.')} (line {exc.lineno}, column {exc.colno})."
        self.error_at = line_column(raw, self._error_path) if self._error_path else None
        if self.error_at is not None:
            line, column = self.error_at
            return f"{message.rstrip('.')} (line {line}, column {column})."
        return message

    def _mark(self, where: tuple[int, int] | None) -> None:
        """Underline the line of the error (nothing when there is none)."""
        selections = []
        if where is not None:
            block = self.text_edit.document().findBlockByLineNumber(where[0] - 1)
            if block.isValid():
                selection = QTextEdit.ExtraSelection()
                selection.cursor = QTextCursor(block)
                fmt = QTextCharFormat()
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                fmt.setUnderlineColor(ERROR_COLOR)
                fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.format = fmt
                selection.cursor.select(QTextCursor.SelectionType.LineUnderCursor)
                selections.append(selection)
        self.text_edit.setExtraSelections(selections)

    # --- the tool library -----------------------------------------------------------

    def set_library(self, library: ToolLibrary) -> None:
        """Offer the saved tool definitions of ``library`` (the tools field only)."""
        self._library = library
        self.library_button.show()

    def _fill_library(self) -> None:
        menu, library = self.library_menu, self._library
        menu.clear()
        if library is None:
            return
        save = menu.addAction("Save these tools to the library")
        save.setEnabled(not self.error() and isinstance(self._value, list) and bool(self._value))
        save.triggered.connect(self.save_to_library)
        saved = library.saved()
        if saved:
            menu.addSection("Add a saved tool")
        for name in sorted(saved):
            action = menu.addAction(name)
            action.triggered.connect(lambda _=False, n=name: self.add_from_library(n))
            remove = menu.addAction(f"Remove {name} from the library")
            remove.triggered.connect(lambda _=False, n=name: library.remove(n))

    def save_to_library(self) -> list[str]:
        """Keep each tool of the value in the library under its function name."""
        if self._library is None or self.error() or not isinstance(self._value, list):
            return []
        names = []
        for tool in self._value:
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                self._library.put(function["name"], tool)
                names.append(function["name"])
        return names

    def add_from_library(self, name: str) -> None:
        """Add the saved tool ``name`` to the value (replacing one of the same name)."""
        tool = self._library.saved().get(name) if self._library is not None else None
        if tool is None:
            return
        current = self._value if isinstance(self._value, list) and not self.error() else []
        kept = [t for t in current if not (isinstance(t, dict) and _name(t) == name)]
        self.text_edit.setPlainText(_dumps([*kept, tool]))

    def format_text(self) -> None:
        """Re-indents the text when it is valid, keeping the value."""
        if not self.error():
            self.text_edit.setPlainText(_dumps(self._value))

    def _show(self, value: object) -> None:
        with QSignalBlocker(self.text_edit):
            self.text_edit.setPlainText(_dumps(value))
        self.format_button.setEnabled(True)


class ToolLibrary(Protocol):
    """Where saved tool definitions are kept (the settings' ``tool_library``)."""

    def saved(self) -> dict[str, dict[str, object]]: ...
    def put(self, name: str, tool: dict[str, object]) -> None: ...
    def remove(self, name: str) -> None: ...


def _name(tool: dict[str, object]) -> object:
    function = tool.get("function")
    return function.get("name") if isinstance(function, dict) else None


def _dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
