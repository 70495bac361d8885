"""The system clipboard, for every Copy in the app."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication


def set_clipboard(text: str) -> None:
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.setText(text)
