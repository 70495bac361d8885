"""A window with a long text (a server's stderr) that a notice's Details button opens."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox


def show_details(title: str, text: str) -> QMessageBox:
    """Show ``text`` in a non-modal message box over the active window (opened with
    ``open()``, never ``exec()``)."""
    box = QMessageBox(
        QMessageBox.Icon.Information, title, title, parent=QApplication.activeWindow()
    )
    box.setDetailedText(text)
    box.setInformativeText(text.strip().splitlines()[-1] if text.strip() else "")
    box.finished.connect(box.deleteLater)
    box.open()
    return box
