"""The editor of ``text_list`` fields (stop sequences): a few lines, added and removed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from core.params import ParamSpec
from ui.params.editors.base import ParamEditor

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r"}
DEFAULT_MAX_ITEMS = 16


def escape_text(text: str) -> str:
    """Line breaks and tabs as ``\\n``, ``\\t``, ``\\r`` so they fit on one line."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def unescape_text(text: str) -> str:
    """The inverse of :func:`escape_text`; an unknown escape stays as typed."""
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        out.append(_UNESCAPES.get(following, "\\" + following))
    return "".join(out)


class TextListEditor(ParamEditor):
    """One line edit per entry, each with a remove button, and an Add button that is
    disabled once ``spec.max_items`` entries exist. Blank lines are not part of the
    value. ``\\n`` typed in an entry stands for a line break."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self._max_items = spec.max_items or DEFAULT_MAX_ITEMS
        self.lines: list[QLineEdit] = []
        self._line_rows: list[QWidget] = []
        box = QWidget(self)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(3)
        self._list_layout = QVBoxLayout()
        self._list_layout.setSpacing(3)
        outer.addLayout(self._list_layout)
        footer = QHBoxLayout()
        self.add_button = QToolButton(box)
        self.add_button.setObjectName("paramAddItem")
        self.add_button.setText("+ Add")
        self.add_button.setToolTip(f"Add an entry (at most {self._max_items})")
        self.add_button.clicked.connect(self._add_clicked)
        self._count = QLabel(box)
        self._count.setEnabled(False)
        footer.addWidget(self.add_button)
        footer.addStretch(1)
        footer.addWidget(self._count)
        outer.addLayout(footer)
        self._set_content(box)
        self.set_value(self._value)

    # --- entries ------------------------------------------------------------------

    def _add_line(self, text: str = "") -> QLineEdit:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        line = QLineEdit(row)
        line.setObjectName("paramListItem")
        line.setPlaceholderText("e.g. END or \\n\\n (\\n is a line break)")
        line.setAccessibleName(f"{self.spec.label} {len(self.lines) + 1}")
        line.setText(escape_text(text))
        line.textChanged.connect(self._changed)
        remove = QToolButton(row)
        remove.setObjectName("paramRemoveItem")
        remove.setText("×")
        remove.setToolTip("Remove this entry")
        remove.setAccessibleName(f"Remove {self.spec.label} {len(self.lines) + 1}")
        remove.clicked.connect(lambda: self.remove_line(self._line_rows.index(row)))
        layout.addWidget(line, 1)
        layout.addWidget(remove)
        self._list_layout.addWidget(row)
        self.lines.append(line)
        self._line_rows.append(row)
        return line

    def _add_clicked(self) -> None:
        if len(self.lines) < self._max_items:
            self._add_line().setFocus(Qt.FocusReason.OtherFocusReason)
            self._update_footer()

    def add_line(self) -> None:
        """Adds an empty entry as the Add button does (nothing beyond ``max_items``)."""
        self.add_button.click()

    def remove_line(self, index: int) -> None:
        """Removes the entry at ``index``; at least one line stays to type into."""
        row = self._line_rows.pop(index)
        self.lines.pop(index)
        row.hide()
        row.deleteLater()
        if not self.lines:
            self._add_line()
        self._update_footer()
        self._changed()

    def _update_footer(self) -> None:
        self.add_button.setEnabled(len(self.lines) < self._max_items)
        self._count.setText(f"{len(self.lines)} of {self._max_items}")

    def _changed(self) -> None:
        self._edited([unescape_text(line.text()) for line in self.lines if line.text()])

    def _show(self, value: object) -> None:
        items = [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
        while self.lines:
            row = self._line_rows.pop()
            self.lines.pop()
            row.hide()
            row.deleteLater()
        for item in items[: self._max_items] or [""]:
            self._add_line(item)
        self._update_footer()
