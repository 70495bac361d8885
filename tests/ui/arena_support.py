"""Helpers of the arena tests: every text a person could read or hear in the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPlainTextEdit,
    QTableWidget,
    QTextEdit,
    QWidget,
)

from ui.transcript.chat_view import ChatView


def widget_texts(widget: QWidget) -> list[str]:
    texts = [widget.toolTip(), widget.accessibleName(), widget.accessibleDescription()]
    texts += [widget.statusTip(), widget.whatsThis(), widget.windowTitle()]
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        texts.append(widget.text())
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        texts.append(widget.toPlainText())
    if isinstance(widget, QComboBox):
        texts += [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QTableWidget):
        for r in range(widget.rowCount()):
            for c in range(widget.columnCount()):
                item = widget.item(r, c)
                if item is not None:
                    texts += [item.text(), item.toolTip()]
    if isinstance(widget, QListView) and widget.model() is not None:
        model = widget.model()
        for r in range(model.rowCount()):
            index = model.index(r, 0)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                texts.append(str(model.data(index, role) or ""))
    for action in widget.actions():
        texts += [action.text(), action.toolTip(), action.statusTip()]
    return texts


def every_text(window: QMainWindow) -> str:
    """Every text of the window and what it shows: labels, buttons, tooltips, accessible
    names, titles, menus, the status bar, the Request tab and each message row's content,
    model and stats (what the rows paint)."""
    texts = [window.windowTitle(), window.statusBar().currentMessage()]
    for widget in [window, *window.findChildren(QWidget)]:
        texts += widget_texts(widget)
    for view in window.findChildren(ChatView):
        for row in view.rows():
            texts.append(repr(row.message))
    app = QApplication.instance()
    if isinstance(app, QApplication):
        texts += [w.windowTitle() for w in app.topLevelWidgets() if w.isVisible()]
    return "\n".join(t for t in texts if t)
