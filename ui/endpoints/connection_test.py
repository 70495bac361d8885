"""A "Test connection" button that runs an injected async tester and shows the result.

The test runs as an asyncio task owned by this widget; the button turns into "Stop"
while it runs, and :meth:`ConnectionTest.cancel` ends it (the owning dialog calls it
when it closes). Success is shown in green, failure in red, as the sentence the tester
gave. A key never appears in the result: it is masked if a message repeats it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from core.endpoint import Endpoint, mask_key
from ui.common.tone import Tone, set_tone

log = logging.getLogger(__name__)

Tester = Callable[[Endpoint], Awaitable[str]]
EndpointFactory = Callable[[], Endpoint]
MAX_MESSAGE = 400


def readable(exc: BaseException, secret: str = "") -> str:
    """The sentence an exception carries, with ``secret`` masked if it appears."""
    text = str(exc).strip() or f"The test failed ({type(exc).__name__})."
    if secret and secret in text:
        text = text.replace(secret, mask_key(secret))
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class ConnectionTest(QWidget):
    """Runs ``tester`` on the endpoint ``endpoint_factory`` builds when clicked.

    ``endpoint_factory`` raises an exception whose ``str()`` is a sentence when no
    endpoint can be built yet (no key, an invalid URL); that sentence is shown in red.
    ``finished(ok, sentence)`` fires when a test ends (not when it is stopped).
    """

    finished = Signal(bool, str)

    def __init__(
        self,
        tester: Tester,
        endpoint_factory: EndpointFactory,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tester = tester
        self._factory = endpoint_factory
        self._task: asyncio.Task[None] | None = None

        self.button = QPushButton("Test connection", self)
        self.button.setObjectName("testConnection")
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self._clicked)
        self.busy = QProgressBar(self)
        self.busy.setObjectName("testBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(80)
        self.busy.setMaximumHeight(8)
        self.busy.setAccessibleName("Testing")
        self.busy.hide()
        self.url_label = QLabel(self)
        self.url_label.setObjectName("testUrl")
        self.url_label.setWordWrap(True)
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_tone(self.url_label, "muted")
        self.url_label.hide()
        self.result_label = QLabel(self)
        self.result_label.setObjectName("testResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.busy)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.url_label)
        layout.addWidget(self.result_label)

    # --- public API -------------------------------------------------------------------

    def set_url(self, text: str) -> None:
        """Show where requests go (``describe_url``); an empty text hides the line."""
        self.url_label.setText(f"Requests go to {text}" if text else "")
        self.url_label.setVisible(bool(text))

    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start a test, stopping one that is running."""
        self.cancel()
        try:
            endpoint = self._factory()
        except Exception as exc:
            self._show(readable(exc), "error")
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._show("The connection cannot be tested right now: no event loop runs.", "error")
            return
        self._task = loop.create_task(self._run(endpoint), name="connection-test")
        self._set_busy(True)
        self._show("Testing the connection…", "muted")

    def cancel(self) -> None:
        """Stop a running test; its result is never shown."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            self._set_busy(False)
            self._show("Test stopped.", "muted")

    def reset(self) -> None:
        """Stop a running test and clear the result."""
        self.cancel()
        self._show("", "muted")

    def result_text(self) -> str:
        return self.result_label.text()

    def result_tone(self) -> str:
        return str(self.result_label.property("tone") or "")

    # --- internals ----------------------------------------------------------------------

    def _clicked(self) -> None:
        if self.is_running():
            self.cancel()
        else:
            self.start()

    async def _run(self, endpoint: Endpoint) -> None:
        try:
            message = await self._tester(endpoint)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("Connection test of %s failed: %s", endpoint.base_url, type(exc).__name__)
            self._finish(False, readable(exc, endpoint.api_key))
        else:
            text = readable(Exception(message or "Connected."), endpoint.api_key)
            self._finish(True, text)

    def _finish(self, ok: bool, text: str) -> None:
        if not shiboken6.isValid(self):  # the dialog went away without stopping the test
            return
        self._task = None
        self._set_busy(False)
        self._show(text, "ok" if ok else "error")
        self.finished.emit(ok, text)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.button.setText("Stop" if busy else "Test connection")
        self.button.setToolTip("Stop the test" if busy else "")

    def _show(self, text: str, tone: Tone) -> None:
        self.result_label.setText(text)
        self.result_label.setVisible(bool(text))
        set_tone(self.result_label, tone)
