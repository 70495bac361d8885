"""What the ChatView tests share: rows, the view fixture, and ways to drive it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.chat import Message
from ui.render.row_documents import RowDocs
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow

CODE_ANSWER = (
    "Here you go:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\n"
    "And more:\n\n```\nsecond block\n```\n"
)


NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def user(text: str = "How do I add numbers?") -> MessageRow:
    return MessageRow(Message(role="user", content=text))


def assistant(text: str = CODE_ANSWER, **fields: object) -> MessageRow:
    return MessageRow(Message(role="assistant", model="gpt-x", content=text, **fields))  # type: ignore[arg-type]


def settle(view: ChatView) -> None:
    for _ in range(3):
        view.worker.run_all()
        QApplication.processEvents()
        view.keeper.apply_pending()


def docs_of(view: ChatView, message_id: str) -> RowDocs:
    docs = view.renderer.cached(message_id)
    if docs is None:
        view.renderer.docs_for(view.model.row_of(message_id), 1e6)
        docs = view.renderer.cached(message_id)
    assert docs is not None
    return docs


def click_link(qtbot: QtBot, view: ChatView, message_id: str, href: str) -> None:
    index = view.model.index(view.model.row_of(message_id))
    view.view.scrollTo(index)
    settle(view)
    rect = view.delegate.anchor_rect(view.view, index, href)
    assert not rect.isEmpty(), f"no link {href}"
    assert view.view.viewport().rect().contains(rect.center())
    QTest.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, NO_MODIFIER, rect.center())


def clipboard_text() -> str:
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None
    return clipboard.text()


# --- rendering ------------------------------------------------------------------------


def stream(view: ChatView, message_id: str, text: str, step: int = 200, **kw: object) -> None:
    for end in range(step, len(text) + step, step):
        view.stream_text(message_id, text[:end], **kw)  # type: ignore[arg-type]
        view.flush_stream()
