"""A slim bar that says what just happened and offers to undo it for a few seconds."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

DEFAULT_TIMEOUT_MS = 8000
# After the pointer leaves the bar, it stays at least this long.
MIN_REMAINING_MS = 2000


class UndoBar(QWidget):
    """``show_message("Chat deleted", restore)``: text, an Undo button and a close button.

    The bar hides itself after ``timeout_ms``; the countdown pauses while the pointer is
    over the bar. Undo hides the bar, then calls the callback once. A new message
    replaces the one shown (its undo is no longer offered). :meth:`undo` is a slot the
    window can bind to Ctrl+Z while :meth:`is_pending`.
    """

    undone = Signal()
    expired = Signal()  # hidden by the timeout or the close button, without undoing

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._callback: Callable[[], object] | None = None
        self._timeout_ms = DEFAULT_TIMEOUT_MS

        self.label = QLabel()
        self.label.setObjectName("undoBarText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setObjectName("undoBarUndo")
        self.undo_button.setToolTip("Undo (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        self.close_button = QToolButton()
        self.close_button.setObjectName("undoBarClose")
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAccessibleName("Dismiss")
        self.close_button.clicked.connect(self.dismiss)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.close_button)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._expire)
        self.hide()

    def show_message(
        self, text: str, undo_callback: Callable[[], object], timeout_ms: int = DEFAULT_TIMEOUT_MS
    ) -> None:
        """Show ``text`` with an Undo button that calls ``undo_callback``."""
        self.label.setText(text)
        self._callback = undo_callback
        self._timeout_ms = max(1, timeout_ms)
        self._timer.start(self._timeout_ms)
        self.show()

    def is_pending(self) -> bool:
        """Whether an undo is on offer."""
        return self._callback is not None

    def undo(self) -> None:
        """Hide the bar and call the callback (once); nothing when none is pending."""
        callback = self._callback
        self._finish()
        if callback is not None:
            self.undone.emit()
            callback()

    def dismiss(self) -> None:
        """Hide the bar without undoing."""
        pending = self._callback is not None
        self._finish()
        if pending:
            self.expired.emit()

    def remaining_ms(self) -> int:
        """Milliseconds until the bar hides itself (-1 when the countdown is not running)."""
        return self._timer.remainingTime() if self._timer.isActive() else -1

    # --- internals --------------------------------------------------------------------

    def _finish(self) -> None:
        self._timer.stop()
        self._callback = None
        self.hide()

    def _expire(self) -> None:
        if self.underMouse():
            return  # leaveEvent restarts the countdown
        self.dismiss()

    def enterEvent(self, event: QEnterEvent) -> None:
        if self._timer.isActive():
            self._timer.stop()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._callback is not None:
            self._timer.start(min(self._timeout_ms, max(MIN_REMAINING_MS, self._timeout_ms // 2)))
        super().leaveEvent(event)
