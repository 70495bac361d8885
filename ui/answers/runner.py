"""What the chat and compare controllers share: the services they stream answers with,
their running tasks, saving at quit, shutting down, and the rows they hand the views."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Signal

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.chat import Chat, Message
from core.conversation import apply_completion
from core.endpoint import Endpoint
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from ui.transcript.message_model import MessageRow

log = logging.getLogger(__name__)

EndpointResolver = Callable[[Chat], Endpoint]


def branch_rows(chat: Chat) -> list[MessageRow]:
    """The rows of the branch on screen, each with its place among its siblings."""
    children: dict[str | None, list[str]] = {}
    for message in chat.messages:
        children.setdefault(message.parent, []).append(message.id)
    rows = []
    for message in chat.branch():
        siblings = children.get(message.parent, [message.id])
        rows.append(MessageRow(message, siblings.index(message.id), len(siblings)))
    return rows


def row_of(chat: Chat, message: Message) -> MessageRow:
    """``message`` as a row, with its place among its siblings in ``chat``."""
    ids = [m.id for m in chat.siblings(message.id)]
    index = ids.index(message.id) if message.id in ids else 0
    return MessageRow(message, index, max(1, len(ids)))


class StreamingController(QObject):
    """Owns asyncio tasks that stream answers into chats kept in ``_live`` meanwhile."""

    notice = Signal(str, str)  # level ("info", "warning", "error"), sentence
    endpoint_problem = Signal(str, str)  # profile name, sentence (no key, bad URL)

    def __init__(
        self,
        client: ChatClient,
        store: ChatStore,
        saver: ThrottledSaver,
        endpoint_for: EndpointResolver,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._store = store
        self._saver = saver
        self._endpoint_for = endpoint_for
        self._tasks: dict[str, asyncio.Task[Message]] = {}  # by chat id (compare: column id)
        self._live: dict[str, Chat] = {}  # chats (or comparisons) with an answer streaming
        self._streams: dict[str, StreamAccumulator] = {}  # by answer id, while it streams

    async def flush(self) -> None:
        """Write every pending change now."""
        await self._saver.flush()

    def _save_now(self, chats: Iterable[Chat]) -> None:
        """Write ``chats`` at once, synchronously: the app is quitting and the event loop
        may not run again. An answer still streaming is saved as stopped."""
        for chat in chats:
            for holder in (chat, *chat.columns):
                for message in holder.messages:
                    if message.status == "streaming":
                        stream = self._streams.get(message.id)
                        if stream is not None:  # its timings and counts so far
                            apply_completion(message, stream.snapshot())
                        message.status = "stopped"
            try:
                self._store.save(chat)
            except OSError:
                log.exception("could not save %s while quitting", chat.id)

    async def shutdown(self) -> None:
        """Stop every answer (each is saved as "stopped") and write what is pending."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self._saver.flush()
