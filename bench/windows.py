"""The benchmarks' windows: a widget shown in a main window, and closing them cleanly."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMainWindow, QWidget


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
