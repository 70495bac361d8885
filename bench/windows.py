"""The benchmarks' windows: a widget shown in a main window, closing them cleanly, and the
lexers the app loads once its window is up (``Assembly.finish_start``)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from ui.render.highlight import COMMON_LANGUAGES, lexer_ready, load_lexers


def shown(widget: QWidget, width: int, height: int) -> QMainWindow:
    """``widget`` as the central widget of a main window of that size, shown."""
    window = QMainWindow()
    window.setCentralWidget(widget)
    window.resize(width, height)
    window.show()
    return window


def close(app: QApplication, windows: list[QMainWindow]) -> None:
    """Close the windows while the event loop still exists."""
    for window in windows:
        window.close()
        window.deleteLater()
    app.processEvents()


def preload_lexers(app: QApplication, timeout_s: float = 30.0) -> None:
    """Load the common lexers as the app does after its first paint, and wait for them,
    so a view-only benchmark does not measure the loading thread."""
    load_lexers(COMMON_LANGUAGES)
    deadline = time.perf_counter() + timeout_s
    while not all(lexer_ready(lang) for lang in COMMON_LANGUAGES):
        if time.perf_counter() > deadline:
            break
        app.processEvents()
        time.sleep(0.01)
