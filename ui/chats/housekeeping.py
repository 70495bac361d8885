"""Chat housekeeping from the chat list: rename, pin, delete (with undo).

A chat or comparison open on a page is changed in the page's copy (its next save would
undo a change made on disk only); one that is not open is changed on disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from core.chat import Chat
from core.storage.chat_store import ChatFileError
from core.storage.format import summarize
from ui.chats.sidebar import Sidebar
from ui.common.notifier import Notifier
from ui.common.services import Services
from ui.shell.page import Page


class ChatHousekeeping(QObject):
    shown_chat_deleted = Signal()  # the chat on screen was deleted: show another

    def __init__(
        self,
        services: Services,
        notifier: Notifier,
        sidebar: Sidebar,
        pages: Sequence[Page],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.notifier = notifier
        self.sidebar = sidebar
        self.pages = list(pages)
        self._tasks: set[asyncio.Task[None]] = set()
        sidebar.rename_requested.connect(self.rename)
        sidebar.pin_requested.connect(self.pin)
        sidebar.delete_requested.connect(self.delete_chat)

    def _open_copy(self, chat_id: str) -> Chat | None:
        return next((c for p in self.pages if (c := p.open_copy(chat_id)) is not None), None)

    def rename(self, chat_id: str, title: str) -> None:
        self._change(chat_id, lambda chat: setattr(chat, "title", title))

    def pin(self, chat_id: str, pinned: bool) -> None:
        self._change(chat_id, lambda chat: setattr(chat, "pinned", pinned))

    def _change(self, chat_id: str, change: Callable[[Chat], None]) -> None:
        store = self.services.store
        try:
            chat = self._open_copy(chat_id) or store.load(chat_id)
        except (ChatFileError, LookupError) as exc:
            self.notifier.error(str(exc))
            return
        change(chat)
        try:
            store.save(chat)
        except OSError as exc:
            self.notifier.error(f"Could not save “{chat.title}”: {exc.strerror or exc}.")
            return
        self.sidebar.upsert(summarize(chat))

    def delete_chat(self, chat_id: str) -> None:
        task = asyncio.get_running_loop().create_task(
            self._delete_chat(chat_id), name="delete-chat"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _delete_chat(self, chat_id: str) -> None:
        shown = False
        for page in self.pages:  # stop its answers and let the page let go of it
            shown = await page.close_chat(chat_id) or shown
        try:
            chat = self.services.store.delete(chat_id)
        except (ChatFileError, LookupError, OSError) as exc:
            self.notifier.error(str(exc))
            return
        self.sidebar.remove(chat_id)
        if shown:
            self.shown_chat_deleted.emit()

        def undo() -> None:
            self.services.store.save(chat)
            self.sidebar.upsert(summarize(chat))

        self.notifier.offer_undo(f"Deleted “{chat.title or 'Untitled'}”", undo)
