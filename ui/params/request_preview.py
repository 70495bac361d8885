"""The request preview: the exact body that will be sent, what the model rules changed,
and copy buttons for the JSON and a curl command (with the key masked)."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.endpoint import Endpoint
from core.model_rules import Adjustment
from core.request import BuiltRequest, curl_command, preview_json

PLACEHOLDER_BASE_URL = "https://api.example.com/v1"  # for curl when no endpoint is set up
REFRESH_MS = 100  # the view follows set_request at most this often
COPIED_MS = 1500  # how long "Copied" shows on a copy button
_ACTION_SYMBOLS = {"dropped": "⊘", "renamed": "⇄", "clamped": "⇥", "hidden": "◌"}


def adjustment_line(adjustment: Adjustment) -> str:
    """One adjustment as a line of text: ``⇄ max_tokens: Sent as max_completion_tokens. …``."""
    symbol = _ACTION_SYMBOLS.get(adjustment.action, "•")
    return f"{symbol} {adjustment.field}: {adjustment.detail}"


class RequestPreview(QWidget):
    """A read-only monospace view of ``preview_json(body)`` for the latest
    :meth:`set_request`, refreshed at most every ``REFRESH_MS`` and only while shown.

    Above the body: the URL it goes to and one line per adjustment the model rules
    made. **Copy JSON** copies the body exactly as sent (images in full); **Copy as
    curl** copies a curl command with the key masked, to the placeholder URL
    ``PLACEHOLDER_BASE_URL`` when there is no endpoint.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestPreview")
        self._endpoint: Endpoint | None = None
        self._built: BuiltRequest | None = None
        self._dirty = False

        self.target = QLabel(self)
        self.target.setObjectName("previewTarget")
        self.target.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.adjustments = QLabel(self)
        self.adjustments.setObjectName("previewAdjustments")
        self.adjustments.setWordWrap(True)
        self.adjustments.setTextFormat(Qt.TextFormat.RichText)
        self.adjustments.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.adjustments.hide()
        self.view = QPlainTextEdit(self)
        self.view.setObjectName("previewBody")
        self.view.setReadOnly(True)
        self.view.setUndoRedoEnabled(False)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setPlaceholderText("The request body appears here.")
        self.view.setAccessibleName("Request body")
        self.copy_json_button = QPushButton("Copy JSON", self)
        self.copy_json_button.setToolTip("Copy the body exactly as it is sent")
        self.copy_json_button.clicked.connect(self.copy_json)
        self.copy_curl_button = QPushButton("Copy as curl", self)
        self.copy_curl_button.setToolTip("Copy a curl command for this request (key masked)")
        self.copy_curl_button.clicked.connect(self.copy_curl)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_json_button)
        buttons.addWidget(self.copy_curl_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.target)
        layout.addWidget(self.adjustments)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._render)
        self._update_buttons()

    # --- public -------------------------------------------------------------------

    def set_request(self, endpoint: Endpoint | None, built: BuiltRequest) -> None:
        """The request to show; the view catches up within ``REFRESH_MS``."""
        self._endpoint, self._built = endpoint, built
        self._dirty = True
        self._update_buttons()
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Shows the latest request now."""
        self._timer.stop()
        self._render()

    def body_text(self) -> str:
        """The JSON on screen."""
        return self.view.toPlainText()

    def adjustment_lines(self) -> list[str]:
        if self._built is None:
            return []
        return [adjustment_line(adjustment) for adjustment in self._built.adjustments]

    def json_text(self) -> str:
        """The body exactly as sent, as indented JSON."""
        if self._built is None:
            return ""
        return json.dumps(self._built.body, indent=2, ensure_ascii=False)

    def curl_text(self) -> str:
        """A curl command for the request, the key masked."""
        if self._built is None:
            return ""
        endpoint = self._endpoint or Endpoint(PLACEHOLDER_BASE_URL)
        return curl_command(endpoint, self._built.body)

    def copy_json(self) -> None:
        self._copy(self.json_text(), self.copy_json_button, "Copy JSON")

    def copy_curl(self) -> None:
        self._copy(self.curl_text(), self.copy_curl_button, "Copy as curl")

    # --- display ------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty and not self._timer.isActive():
            self._timer.start()

    def _render(self) -> None:
        if self._built is None:
            return
        if not self.isVisible():
            return  # rendered when shown
        self._dirty = False
        text = preview_json(self._built.body)
        if text != self.view.toPlainText():
            scroll = self.view.verticalScrollBar()
            position = scroll.value()
            self.view.setPlainText(text)
            scroll.setValue(min(position, scroll.maximum()))
        endpoint = self._endpoint or Endpoint(PLACEHOLDER_BASE_URL)
        self.target.setText(f"POST {endpoint.chat_url}")
        self.target.setToolTip("" if self._endpoint else "No endpoint set up: a placeholder URL")
        lines = self.adjustment_lines()
        self.adjustments.setText("<br>".join(html.escape(line) for line in lines))
        self.adjustments.setVisible(bool(lines))

    def _update_buttons(self) -> None:
        ready = self._built is not None
        self.copy_json_button.setEnabled(ready)
        self.copy_curl_button.setEnabled(ready)

    def _copy(self, text: str, button: QPushButton, label: str) -> None:
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        button.setText("Copied")
        QTimer.singleShot(COPIED_MS, button, lambda: button.setText(label))
