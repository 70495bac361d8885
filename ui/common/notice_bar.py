"""A bar above the chat for warnings and errors that need reading, with an optional action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

_COLOURS = {
    "info": ("#1f4d8f", "#e8f0fd"),
    "warning": ("#7a4b00", "#fff4dc"),
    "error": ("#8f1f1f", "#fde8e8"),
}


class NoticeBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(self.label.textInteractionFlags())
        self.action_button = QPushButton(self)
        self.action_button.hide()
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._action: Callable[[], object] | None = None
        self.action_button.clicked.connect(self._run_action)
        self.messages: list[str] = []
        self._keys: dict[str, str] = {}  # key → the text shown for it
        self.hide()

    def show_notice(
        self,
        level: str,
        text: str,
        action: tuple[str, Callable[[], object]] | None = None,
        key: str = "",
    ) -> None:
        """Show ``text``; a notice already shown stays listed below the new one, unless
        it has the same ``key`` (then the new text replaces it)."""
        old = self._keys.get(key) if key else None
        if old is not None and old in self.messages:
            self.messages.remove(old)
        if key:
            self._keys[key] = text
        if text not in self.messages:
            self.messages.append(text)
        fg, bg = _COLOURS.get(level, _COLOURS["info"])
        self.setStyleSheet(
            f"#noticeBar {{ background: {bg}; border-bottom: 1px solid {fg}; }}"
            f" #noticeBar QLabel {{ color: {fg}; }}"
        )
        self.setAutoFillBackground(True)
        self.label.setText("\n".join(self.messages[-3:]))
        if action is not None:
            self.action_button.setText(action[0])
            self._action = action[1]
            self.action_button.show()
        else:
            self._action = None
            self.action_button.hide()
        self.show()

    def clear_key(self, key: str) -> None:
        """Take back the notice shown for ``key`` (what it said no longer holds)."""
        text = self._keys.pop(key, None)
        if text is None or text not in self.messages:
            return
        self.messages.remove(text)
        if not self.messages:
            self.dismiss()
        else:
            self.label.setText("\n".join(self.messages[-3:]))

    def dismiss(self) -> None:
        self.messages.clear()
        self._keys.clear()
        self._action = None
        self.hide()

    def _run_action(self) -> None:
        action = self._action
        self.dismiss()
        if action is not None:
            action()
