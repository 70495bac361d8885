"""The composition root: builds the core services and the main window, runs the loop."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

APP_NAME = "Chorus"


def build_window() -> QMainWindow:
    window = QMainWindow()
    window.setWindowTitle(APP_NAME)
    label = QLabel("Chorus")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.setCentralWidget(label)
    window.resize(1100, 720)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    app = QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = build_window()
    window.show()
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with loop:
        loop.run_until_complete(closed.wait())
    return 0
