"""One tool call in the tool panel: its name and arguments, and what can be done with it.

A call answered by a person has a box for the result (typed, pasted, or read from a
file) and **Send result** (Ctrl+Enter). A call of an MCP tool waiting for approval shows
the server, the tool and the exact arguments with the approval choices; one that runs
shows a busy bar and **Stop**; one whose run failed says why, with the server's output
under *Details*, and can be run again or answered by hand.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.chat import ImagePart
from ui.answers.round_view import CallView
from ui.render.highlight import escape
from ui.render.markdown import pretty_json

MAX_TEXT_FILE = 1024 * 1024
MAX_IMAGE_FILE = 20 * 1024 * 1024
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def _button(text: str, parent: QWidget, name: str, tip: str = "") -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    if tip:
        button.setToolTip(tip)
    return button


class CallCard(QFrame):
    result_given = Signal(str, str, list)  # call id, text, list[ImagePart]
    run_requested = Signal(str)
    approved = Signal(str, str)  # call id, "once" / "chat" / "always"
    denied = Signal(str, bool)  # call id, never again
    stop_requested = Signal()

    def __init__(self, view: CallView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolCallCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.call_id = view.call.id
        self.view = view
        self._images: list[ImagePart] = []
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        self.title = QLabel(self)
        self.title.setObjectName("toolCallTitle")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.arguments = QPlainTextEdit(self)
        self.arguments.setObjectName("toolCallArguments")
        self.arguments.setReadOnly(True)
        self.arguments.setFont(mono)
        self.arguments.setAccessibleName("Arguments")
        self.arguments.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

        self.prompt = QLabel(self)
        self.prompt.setObjectName("toolApprovalPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setTextFormat(Qt.TextFormat.RichText)
        self.run_once = _button("&Run", self, "toolRunOnce", "Run it this once (Ctrl+Enter)")
        self.allow_chat = _button(
            "Allow in this &chat",
            self,
            "toolAllowChat",
            "Run it, and run this tool in this chat without asking",
        )
        self.allow_always = _button(
            "&Always allow", self, "toolAllowAlways", "Run it, and never ask about this tool again"
        )
        self.deny = _button("&Deny", self, "toolDeny", "Do not run it; the model is told so")
        self.never = _button(
            "&Never allow", self, "toolNever", "Do not run it, now or later; the model is told so"
        )
        self.ask_row = QWidget(self)
        ask = QHBoxLayout(self.ask_row)
        ask.setContentsMargins(0, 0, 0, 0)
        for button in (self.run_once, self.allow_chat, self.allow_always):
            ask.addWidget(button)
        ask.addStretch(1)
        for button in (self.deny, self.never):
            ask.addWidget(button)

        self.busy = QProgressBar(self)
        self.busy.setObjectName("toolBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.stop = _button("Stop", self, "toolStop", "Stop the tool (Esc)")
        self.running_row = QWidget(self)
        running = QHBoxLayout(self.running_row)
        running.setContentsMargins(0, 0, 0, 0)
        self.running_label = QLabel(self.running_row)
        running.addWidget(self.running_label)
        running.addWidget(self.busy, 1)
        running.addWidget(self.stop)

        self.problem = QLabel(self)
        self.problem.setObjectName("toolProblem")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.RichText)
        self.problem.setOpenExternalLinks(False)
        self.problem.linkActivated.connect(self._toggle_details)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("toolProblemDetails")
        self.details.setReadOnly(True)
        self.details.setFont(mono)
        self.details.setMaximumHeight(120)
        self.details.hide()

        self.result = QPlainTextEdit(self)
        self.result.setObjectName("toolResult")
        self.result.setFont(mono)
        self.result.setAccessibleName("Result")
        self.result.setPlaceholderText(
            "Type or paste the result: text or JSON. Ctrl+Enter sends it."
        )
        self.result.setMaximumHeight(110)
        self.attached = QLabel(self)
        self.attached.setObjectName("toolAttached")
        self.attached.hide()
        self.from_file = _button("From &file…", self, "toolFromFile", "Use a file as the result")
        self.run_again = _button("&Run", self, "toolRun", "Run the tool on its MCP server")
        self.send = _button("&Send result", self, "toolSend", "Send this result (Ctrl+Enter)")
        self.send.setDefault(True)
        self.input_row = QWidget(self)
        row = QHBoxLayout(self.input_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.from_file)
        row.addWidget(self.attached)
        row.addStretch(1)
        row.addWidget(self.run_again)
        row.addWidget(self.send)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        for widget in (
            self.title,
            self.arguments,
            self.prompt,
            self.ask_row,
            self.running_row,
            self.problem,
            self.details,
            self.result,
            self.input_row,
        ):
            layout.addWidget(widget)

        self.run_once.clicked.connect(lambda: self.approved.emit(self.call_id, "once"))
        self.allow_chat.clicked.connect(lambda: self.approved.emit(self.call_id, "chat"))
        self.allow_always.clicked.connect(lambda: self.approved.emit(self.call_id, "always"))
        self.deny.clicked.connect(lambda: self.denied.emit(self.call_id, False))
        self.never.clicked.connect(lambda: self.denied.emit(self.call_id, True))
        self.stop.clicked.connect(self.stop_requested)
        self.run_again.clicked.connect(lambda: self.run_requested.emit(self.call_id))
        self.send.clicked.connect(self.send_result)
        self.from_file.clicked.connect(self.choose_file)
        self.result.textChanged.connect(self._update_send)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self._ctrl_enter)
        self.set_view(view)

    # --- state -----------------------------------------------------------------------

    def set_view(self, view: CallView) -> None:
        self.view = view
        call = view.call
        where = f" · MCP server <b>{escape(view.server)}</b>" if view.server else ""
        self.title.setText(f"Tool call · <b>{escape(call.name or '?')}</b>{where}")
        args = pretty_json(call.arguments) or call.arguments or "{}"
        if self.arguments.toPlainText() != args:
            self.arguments.setPlainText(args)
        lines = min(10, max(2, args.count("\n") + 1))
        self.arguments.setFixedHeight(self.arguments.fontMetrics().lineSpacing() * lines + 12)
        asking = view.state == "ask"
        running = view.state == "running"
        typing = view.state == "input"
        self.prompt.setVisible(asking)
        self.ask_row.setVisible(asking)
        if asking:
            self.prompt.setText(
                f"Run <b>{escape(view.tool)}</b> on the MCP server <b>{escape(view.server)}</b> "
                "with the arguments above?"
            )
        self.running_row.setVisible(running)
        self.running_label.setText(f"Running on {view.server}…")
        problem = view.problem
        self.problem.setVisible(problem is not None)
        if problem is not None:
            link = ' · <a href="details">Details</a>' if problem.detail else ""
            self.problem.setText(
                f'<span style="color:#d63c3c;">{escape(problem.message)}</span>{link}'
            )
            self.details.setPlainText(problem.detail)
        else:
            self.details.hide()
        self.result.setVisible(typing)
        self.input_row.setVisible(typing)
        self.run_again.setVisible(typing and bool(view.server))
        self._update_send()

    def _update_send(self) -> None:
        self.send.setEnabled(bool(self.result.toPlainText().strip() or self._images))

    def _toggle_details(self, _href: str) -> None:
        self.details.setVisible(self.details.isHidden())

    def _ctrl_enter(self) -> None:
        if self.view.state == "ask":
            self.run_once.click()
        elif self.view.state == "input" and self.send.isEnabled():
            self.send.click()

    # --- results ---------------------------------------------------------------------

    def send_result(self) -> None:
        text = self.result.toPlainText()
        if not text.strip() and not self._images:
            return
        if not text.strip():
            text = ", ".join(f"[image: {image.name}]" for image in self._images)
        self.result_given.emit(self.call_id, text, list(self._images))

    def choose_file(self) -> None:
        dialog = QFileDialog(self, "Use a file as the result", str(Path.home()))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load_file)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def load_file(self, path: str) -> str:
        """Take ``path`` as the result: a text file fills the box, an image is attached.
        Returns "" or the sentence shown when the file cannot be used."""
        file = Path(path)
        problem = ""
        try:
            size = file.stat().st_size
            if file.suffix.lower() in IMAGE_SUFFIXES:
                if size > MAX_IMAGE_FILE:
                    problem = f"{file.name} is larger than 20 MB."
                else:
                    mime = mimetypes.guess_type(file.name)[0] or "image/png"
                    data = base64.b64encode(file.read_bytes()).decode()
                    self._images = [ImagePart(url=f"data:{mime};base64,{data}", name=file.name)]
                    self.attached.setText(f"{file.name} attached")
                    self.attached.show()
            elif size > MAX_TEXT_FILE:
                problem = f"{file.name} is larger than 1 MB; paste the part that matters."
            else:
                self.result.setPlainText(file.read_bytes().decode("utf-8", "replace"))
        except OSError as exc:
            problem = f"Could not read {file.name}: {exc.strerror or exc}."
        if problem:
            self.problem.setText(f'<span style="color:#d63c3c;">{escape(problem)}</span>')
            self.problem.show()
        self._update_send()
        return problem
