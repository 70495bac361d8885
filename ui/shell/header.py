"""The bar above a chat: the model (click or Ctrl+K to change), the endpoint, the system prompt."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

SYSTEM_PROMPT_DEBOUNCE_MS = 400


class ChatHeader(QWidget):
    model_clicked = Signal()
    system_prompt_changed = Signal(str)
    endpoint_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatHeader")
        self.model_button = QToolButton(self)
        self.model_button.setObjectName("modelButton")
        self.model_button.setToolTip("Choose the model (Ctrl+K)")
        self.model_button.setAutoRaise(True)
        font = self.model_button.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.model_button.setFont(font)
        self.model_button.clicked.connect(self.model_clicked)

        self.traits_label = QLabel(self)
        self.traits_label.setObjectName("modelTraits")
        self.cost_label = QLabel(self)
        self.cost_label.setObjectName("chatCost")
        self.cost_label.setToolTip(
            "What this chat's answers cost at your prices (Settings › Prices…); "
            "usage over time: View › Usage and cost (Ctrl+Shift+U)"
        )
        self.cost_label.hide()
        self.endpoint_button = QPushButton(self)
        self.endpoint_button.setObjectName("endpointButton")
        self.endpoint_button.setFlat(True)
        self.endpoint_button.setToolTip("Endpoints and keys")
        self.endpoint_button.clicked.connect(self.endpoint_clicked)

        self.system_button = QToolButton(self)
        self.system_button.setText("System prompt")
        self.system_button.setCheckable(True)
        self.system_button.setToolTip("Instructions sent before every message of this chat")
        self.system_button.toggled.connect(self._toggle_system)

        top = QHBoxLayout()
        top.setContentsMargins(8, 4, 8, 4)
        top.addWidget(self.model_button)
        top.addWidget(self.traits_label)
        top.addStretch(1)
        top.addWidget(self.cost_label)
        self._top = top
        top.addWidget(self.system_button)
        top.addWidget(self.endpoint_button)

        self.system_edit = QPlainTextEdit(self)
        self.system_edit.setObjectName("systemPrompt")
        self.system_edit.setPlaceholderText("System prompt for this chat (optional)")
        self.system_edit.setMaximumHeight(110)
        self.system_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.system_edit.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SYSTEM_PROMPT_DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit_prompt)
        self.system_edit.textChanged.connect(self._timer.start)
        self._quiet = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.system_edit)

    def set_model(self, model: str, traits: str = "") -> None:
        self.model_button.setText(f"{model or 'Choose a model'}  ▾")
        self.traits_label.setText(traits)

    def set_cost(self, text: str) -> None:
        """What the chat on screen cost so far ("" hides it)."""
        self.cost_label.setText(f"This chat: {text}" if text else "")
        self.cost_label.setVisible(bool(text))

    def set_endpoint(self, name: str, url: str) -> None:
        self.endpoint_button.setText(name)
        self.endpoint_button.setToolTip(f"{url}\nEndpoints and keys (Ctrl+,)")

    def set_system_prompt(self, text: str) -> None:
        self._quiet = True
        self.system_edit.setPlainText(text)
        self._quiet = False
        self._timer.stop()
        self.system_button.setChecked(bool(text))

    def system_prompt(self) -> str:
        return self.system_edit.toPlainText()

    def flush(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._emit_prompt()

    def add_button(self, widget: QWidget) -> None:
        """Put ``widget`` in the header's row, before the system prompt button."""
        widget.setParent(self)
        self._top.insertWidget(self._top.indexOf(self.system_button), widget)

    def _toggle_system(self, shown: bool) -> None:
        self.system_edit.setVisible(shown)
        if shown:
            self.system_edit.setFocus()

    def _emit_prompt(self) -> None:
        if not self._quiet:
            self.system_prompt_changed.emit(self.system_edit.toPlainText())
