"""The sidebar over a real chat store: order, filter, selection, rename, pin, delete, undo."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import QLineEdit, QMenu
from pytestqt.qtbot import QtBot

from core.chat import Chat, Message
from core.storage.chat_store import ChatStore
from core.storage.format import summarize
from ui.chats.list_model import ChatListModel
from ui.chats.sidebar import Sidebar
from ui.common.undo_bar import UndoBar

NOW = time.time()


def make_chat(chat_id: str, title: str, age_s: float, *, pinned: bool = False) -> Chat:
    chat = Chat(id=chat_id, title=title, model="gpt-4o", pinned=pinned)
    chat.append(Message(role="user", content=f"About {title.lower()}"))
    chat.created_at = NOW - age_s - 60
    chat.updated_at = NOW - age_s
    return chat


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ChatStore:
    monkeypatch.setenv("CHORUS_DATA_DIR", str(tmp_path))
    store = ChatStore(fsync=False)
    assert store.folder == tmp_path / "chats"
    for chat in (
        make_chat("trip", "Trip to Lisbon", 300),
        make_chat("soup", "Soup recipes", 30),
        make_chat("taxes", "Taxes 2024", 86400 * 3, pinned=True),
        make_chat("rust", "Learning Rust", 7200),
    ):
        store.save(chat)
    return store


@pytest.fixture
def sidebar(qtbot: QtBot, store: ChatStore) -> Sidebar:
    QCursor.setPos(0, 0)
    widget = Sidebar(clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.resize(280, 480)
    widget.move(200, 100)
    widget.set_summaries(store.list_chats())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def selected_ids(sidebar: Sidebar) -> list[str]:
    return [i.data(ChatListModel.IdRole) for i in sidebar.list_view.selectedIndexes()]


def action(menu: QMenu, text: str) -> QAction:
    for candidate in menu.actions():
        if candidate.text().split("\t")[0] == text:
            return candidate
    raise AssertionError(f"no {text!r} in {[a.text() for a in menu.actions()]}")


def test_pinned_first_then_newest(sidebar: Sidebar) -> None:
    assert sidebar.visible_ids() == ["taxes", "soup", "trip", "rust"]
    index = sidebar.proxy.index(1, 0)
    assert index.data() == "Soup recipes"
    assert index.data(ChatListModel.SubtitleRole) == "gpt-4o · Just now"
    assert not sidebar.empty_label.isVisible()


def test_filter_narrows_titles_as_you_type(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.focus_filter()
    qtbot.waitUntil(sidebar.filter_edit.hasFocus)
    qtbot.keyClicks(sidebar.filter_edit, "RE")
    assert sidebar.visible_ids() == ["soup"]  # "Soup recipes"; not "Trip…" nor "Learning…"
    qtbot.keyClicks(sidebar.filter_edit, "cipes")
    assert sidebar.visible_ids() == ["soup"]
    qtbot.keyClicks(sidebar.filter_edit, "zzz")
    assert sidebar.visible_ids() == []
    assert sidebar.empty_label.isVisible()
    assert "No chats match" in sidebar.empty_label.text()
    qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Escape)
    assert sidebar.filter_edit.text() == ""
    assert sidebar.visible_ids() == ["taxes", "soup", "trip", "rust"]
    assert not sidebar.empty_label.isVisible()


def test_enter_in_the_filter_opens_the_first_match(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.focus_filter()
    qtbot.keyClicks(sidebar.filter_edit, "lisbon")
    with qtbot.waitSignal(sidebar.chat_selected) as blocker:
        qtbot.keyClick(sidebar.filter_edit, Qt.Key.Key_Return)
    assert blocker.args == ["trip"]
    qtbot.waitUntil(sidebar.list_view.hasFocus)


def test_set_current_highlights_without_emitting(qtbot: QtBot, sidebar: Sidebar) -> None:
    with qtbot.assertNotEmitted(sidebar.chat_selected):
        sidebar.set_current("trip")
    assert selected_ids(sidebar) == ["trip"]
    # Filtering the open chat out and back keeps it highlighted.
    with qtbot.assertNotEmitted(sidebar.chat_selected):
        sidebar.filter_edit.setText("soup")
        assert selected_ids(sidebar) == []
        sidebar.filter_edit.setText("")
    assert selected_ids(sidebar) == ["trip"]
    sidebar.set_current(None)
    assert selected_ids(sidebar) == []


def test_clicking_and_arrow_keys_select_chats(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.set_current("taxes")
    view = sidebar.list_view
    rect = view.visualRect(sidebar.proxy.index(2, 0))
    with qtbot.waitSignal(sidebar.chat_selected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["trip"]
    sidebar.set_current("trip")
    view.setFocus()
    with qtbot.waitSignal(sidebar.chat_selected) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert blocker.args == ["rust"]


def test_a_saved_chat_moves_to_the_top_and_stays_highlighted(
    qtbot: QtBot, sidebar: Sidebar, store: ChatStore
) -> None:
    sidebar.set_current("rust")
    chat = store.load("rust")
    chat.append(Message(role="user", content="More"))
    store.save(chat)
    with qtbot.assertNotEmitted(sidebar.chat_selected):
        sidebar.upsert(summarize(chat))
    assert sidebar.visible_ids() == ["taxes", "rust", "soup", "trip"]
    assert selected_ids(sidebar) == ["rust"]
    assert [s.id for s in store.list_chats()] == sidebar.visible_ids()


def test_f2_renames_in_place(qtbot: QtBot, sidebar: Sidebar, store: ChatStore) -> None:
    sidebar.set_current("soup")
    view = sidebar.list_view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    assert editor.text() == "Soup recipes"
    editor.selectAll()
    qtbot.keyClicks(editor, "Winter soups")
    with qtbot.waitSignal(sidebar.rename_requested) as blocker:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert blocker.args == ["soup", "Winter soups"]
    assert sidebar.proxy.index(1, 0).data() == "Winter soups"
    # The window renames the chat in the store and passes the new summary back.
    sidebar.upsert(summarize(store.rename("soup", "Winter soups")))
    assert sidebar.visible_ids() == ["taxes", "soup", "trip", "rust"]
    assert store.list_chats()[1].title == "Winter soups"


def test_escape_cancels_a_rename(qtbot: QtBot, sidebar: Sidebar) -> None:
    sidebar.start_rename("trip")
    editor = sidebar.list_view.viewport().findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClicks(editor, "Nope")
    with qtbot.assertNotEmitted(sidebar.rename_requested):
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert sidebar.model.summary("trip").title == "Trip to Lisbon"  # type: ignore[union-attr]


def test_delete_key_requests_delete_and_undo_restores(
    qtbot: QtBot, sidebar: Sidebar, store: ChatStore
) -> None:
    sidebar.set_current("trip")
    view = sidebar.list_view
    view.setFocus()
    with qtbot.waitSignal(sidebar.delete_requested) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert blocker.args == ["trip"]
    # The window: delete from the store, drop the row, offer Undo.
    deleted = store.delete("trip")
    with qtbot.assertNotEmitted(sidebar.chat_selected):
        sidebar.remove("trip")
    assert "trip" not in sidebar.visible_ids()
    assert sidebar.current_id() is None
    bar = UndoBar()
    qtbot.addWidget(bar)

    def restore() -> None:
        store.save(deleted)
        sidebar.upsert(summarize(deleted))

    bar.show_message("Chat deleted", restore)
    qtbot.mouseClick(bar.undo_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()
    assert sidebar.visible_ids() == ["taxes", "soup", "trip", "rust"]
    assert store.load("trip").title == "Trip to Lisbon"


def test_context_menu_actions(qtbot: QtBot, sidebar: Sidebar) -> None:
    menu = sidebar.context_menu("trip")
    with qtbot.waitSignal(sidebar.pin_requested) as blocker:
        action(menu, "Pin").trigger()
    assert blocker.args == ["trip", True]
    assert [a.text().split("\t")[0] for a in sidebar.context_menu("taxes").actions()] == [
        "Rename",
        "Unpin",
        "",
        "Export as Markdown…",
        "Export as JSON…",
        "",
        "Delete",
    ]
    with qtbot.waitSignal(sidebar.pin_requested) as blocker:
        action(sidebar.context_menu("taxes"), "Unpin").trigger()
    assert blocker.args == ["taxes", False]
    with qtbot.waitSignal(sidebar.export_requested) as blocker:
        action(menu, "Export as Markdown…").trigger()
    assert blocker.args == ["trip", "markdown"]
    with qtbot.waitSignal(sidebar.export_requested) as blocker:
        action(menu, "Export as JSON…").trigger()
    assert blocker.args == ["trip", "json"]
    with qtbot.waitSignal(sidebar.delete_requested) as blocker:
        action(menu, "Delete").trigger()
    assert blocker.args == ["trip"]
    action(menu, "Rename").trigger()
    editor = sidebar.list_view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == "Trip to Lisbon"


# The offscreen platform cannot raise a popup or give it the keyboard; that is not a fault.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")
def test_right_click_pops_up_the_menu_of_that_chat(qtbot: QtBot, sidebar: Sidebar) -> None:
    view = sidebar.list_view
    rect = view.visualRect(sidebar.proxy.index(3, 0))
    view.customContextMenuRequested.emit(rect.center())
    menu = sidebar.findChild(QMenu, "chatMenu")
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    with qtbot.waitSignal(sidebar.delete_requested) as blocker:
        action(menu, "Delete").trigger()
    assert blocker.args == ["rust"]
    menu.close()
    view.setCurrentIndex(QModelIndex())
    view.customContextMenuRequested.emit(QPoint(5, 470))  # below the rows, nothing current
    assert not any(m.isVisible() for m in sidebar.findChildren(QMenu))


def test_buttons(qtbot: QtBot, sidebar: Sidebar) -> None:
    with qtbot.waitSignal(sidebar.new_chat_requested):
        qtbot.mouseClick(sidebar.new_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(sidebar.import_requested):
        qtbot.mouseClick(sidebar.import_button, Qt.MouseButton.LeftButton)


def test_empty_store_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    widget = Sidebar()
    qtbot.addWidget(widget)
    widget.set_summaries(ChatStore(tmp_path / "empty", fsync=False).list_chats())
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.empty_label.isVisible()
    assert widget.empty_label.text() == "No chats yet"
