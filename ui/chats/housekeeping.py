"""The main window's chat housekeeping: rename, pin, delete (with undo)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.chat import Chat
from core.storage.chat_store import ChatFileError
from core.storage.format import summarize
from ui.common.services import Services

if TYPE_CHECKING:
    from ui.shell.main_window import MainWindow


class WindowChats:
    def __init__(self, window: MainWindow, services: Services) -> None:
        self.window = window
        self.services = services

    def rename(self, chat_id: str, title: str) -> None:
        self._change(chat_id, lambda chat: setattr(chat, "title", title))

    def pin(self, chat_id: str, pinned: bool) -> None:
        self._change(chat_id, lambda chat: setattr(chat, "pinned", pinned))

    def _change(self, chat_id: str, change: Callable[[Chat], None]) -> None:
        """Change a chat's title or pin: the open copy when it is open (its next save
        would undo a change made on disk only), else the copy on disk."""
        open_chat = self.window.controller.chat
        store = self.services.store
        try:
            chat = open_chat if open_chat and open_chat.id == chat_id else store.load(chat_id)
        except (ChatFileError, LookupError) as exc:
            self.window.notice_bar.show_notice("error", str(exc))
            return
        change(chat)
        store.save(chat)
        self.window.sidebar.upsert(summarize(chat))

    def delete_chat(self, chat_id: str) -> None:
        asyncio.get_running_loop().create_task(self._delete_chat(chat_id), name="delete-chat")

    async def _delete_chat(self, chat_id: str) -> None:
        open_chat = self.window.controller.chat
        await self.window.controller.stop_and_wait(chat_id)
        await self.window.controller.flush()
        try:
            chat = self.services.store.delete(chat_id)
        except (ChatFileError, LookupError) as exc:
            self.window.notice_bar.show_notice("error", str(exc))
            return
        self.window.sidebar.remove(chat_id)
        if open_chat is not None and open_chat.id == chat_id:
            self.window.new_chat()

        def undo() -> None:
            self.services.store.save(chat)
            self.window.sidebar.upsert(summarize(chat))

        self.window.undo_bar.show_message(f"Deleted “{chat.title or 'Untitled'}”", undo)

    def delete_message(self, message_id: str) -> None:
        chat = self.window.controller.chat
        if chat is None:
            return
        leaf = chat.leaf
        removed = self.window.controller.delete_message(message_id)
        if removed:
            count = len(removed)
            text = "Deleted 1 message" if count == 1 else f"Deleted {count} messages"
            self.window.undo_bar.show_message(
                text, lambda: self.window.controller.restore_messages(removed, leaf)
            )
