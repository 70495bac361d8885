"""Keeps the mouse wheel scrolling the parameter panel instead of changing values."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QWidget


class WheelGuard(QObject):
    """An event filter: a control without keyboard focus passes wheel events to its parent.

    Scrolling through the panel then never nudges a slider, spin box or combo box that
    happens to pass under the pointer; once a control has focus the wheel adjusts it.
    """

    def guard(self, *widgets: QWidget) -> None:
        for widget in widgets:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            event.ignore()
            return True
        return False
