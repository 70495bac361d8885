"""A collapsible section of the parameter panel, one per ``core.params.GROUPS`` entry."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QSizePolicy, QToolButton, QVBoxLayout, QWidget


class ParamGroup(QWidget):
    """A header button with an arrow that shows or hides the rows under it; the header
    also counts the fields of the group that are set, so a collapsed group still tells."""

    def __init__(self, title: str, *, expanded: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setObjectName(f"paramGroup_{title}")
        self.header = QToolButton(self)
        self.header.setObjectName("paramGroupHeader")
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setCheckable(True)
        self.header.setAutoRaise(True)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.header.toggled.connect(self._toggled)
        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(8, 0, 4, 4)
        self.body_layout.setSpacing(0)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        layout.addWidget(line)
        self._count = 0
        self.header.setChecked(expanded)
        self._toggled(expanded)

    def add_row(self, row: QWidget) -> None:
        self.body_layout.addWidget(row)

    def is_expanded(self) -> bool:
        return self.header.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.header.setChecked(expanded)

    def set_count(self, count: int) -> None:
        """How many fields of the group are set, shown in the header."""
        self._count = count
        self._update_header()

    def _toggled(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self._update_header()

    def _update_header(self) -> None:
        text = self.title if not self._count else f"{self.title}  ·  {self._count} set"
        self.header.setText(text)
        state = "expanded" if self.is_expanded() else "collapsed"
        self.header.setAccessibleName(f"{text}, {state}")
