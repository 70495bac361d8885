"""A base URL entry that shows, as the person types, where chat requests will go.

Any form is accepted (``host``, ``https://host/v1/``, the full
``…/chat/completions`` URL); the resolved POST URL appears under the field, or a red
sentence saying what is wrong.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from core.endpoint import InvalidBaseURL, normalize_base_url
from ui.common.tone import set_tone

PLACEHOLDER = "e.g. http://localhost:8080 or https://api.example.com/v1"
HINT = "Paste the server's address; /v1 and /chat/completions are optional."


class BaseUrlField(QWidget):
    """A line edit plus a live line under it; ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line_edit = QLineEdit(self)
        self.line_edit.setObjectName("baseUrl")
        self.line_edit.setPlaceholderText(PLACEHOLDER)
        self.line_edit.setAccessibleName("Base URL")
        self.line_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhUrlCharactersOnly | Qt.InputMethodHint.ImhNoAutoUppercase
        )
        self.line_edit.textChanged.connect(self._update)
        self.resolved_label = QLabel(self)
        self.resolved_label.setObjectName("resolvedUrl")
        self.resolved_label.setWordWrap(True)
        self.resolved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.line_edit)
        layout.addWidget(self.resolved_label)
        self._update("")

    def text(self) -> str:
        return self.line_edit.text().strip()

    def set_text(self, text: str) -> None:
        self.line_edit.setText(text)

    def set_read_only(self, read_only: bool) -> None:
        self.line_edit.setReadOnly(read_only)

    def base_url(self) -> str | None:
        """The normalised base URL, or None while the text is not a usable URL."""
        try:
            return normalize_base_url(self.line_edit.text())
        except InvalidBaseURL:
            return None

    def is_valid(self) -> bool:
        return self.base_url() is not None

    def _update(self, text: str) -> None:
        if not text.strip():
            self.resolved_label.setText(HINT)
            set_tone(self.resolved_label, "muted")
        else:
            try:
                base = normalize_base_url(text)
            except InvalidBaseURL as exc:
                self.resolved_label.setText(str(exc))
                set_tone(self.resolved_label, "error")
            else:
                self.resolved_label.setText(f"Chat requests go to {base}/chat/completions")
                set_tone(self.resolved_label, "muted")
        self.changed.emit()
