"""One chat on screen: sending, streaming, stopping, branching, saving.

The controller owns the asyncio tasks that stream answers (one per chat, named
``answer:<chat id>``), keeps a chat whose answer is streaming in memory even when
another chat is opened, and tells the window what changed through signals.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import Signal

from core import conversation
from core.api.accumulator import StreamAccumulator
from core.api.errors import APIError
from core.chat import Chat, ImagePart, Message
from core.endpoint import Endpoint
from ui.answers.runner import StreamingController, branch_rows, row_of

log = logging.getLogger(__name__)


class ChatController(StreamingController):
    rows_reset = Signal(list)  # list[MessageRow]: another chat or another branch
    row_appended = Signal(object)  # MessageRow
    row_updated = Signal(object)  # MessageRow
    stream_started = Signal(object)  # MessageRow
    stream_text = Signal(str, str, str, object)  # message id, content, reasoning, tool calls
    stream_finished = Signal(object)  # MessageRow
    generating_changed = Signal(bool)  # for the chat on screen
    chat_changed = Signal(object)  # Chat: title, model, params or messages changed

    chat: Chat | None = None  # the chat on screen

    # --- which chat --------------------------------------------------------------

    def new_chat(self, model: str, params: dict[str, object], profile: str = "") -> Chat:
        chat = Chat(model=model, params=dict(params), profile=profile)
        self._show(chat)
        return chat

    def open_chat(self, chat_id: str) -> Chat:
        """Show a saved chat (raises the store's errors: the window says them)."""
        chat = self._live.get(chat_id)
        if chat is None:
            chat = self._store.load(chat_id)
            conversation.settle_interrupted(chat)
        self._show(chat)
        return chat

    def show_chat(self, chat: Chat) -> None:
        self._show(chat)

    def _show(self, chat: Chat) -> None:
        self.chat = chat
        self.rows_reset.emit(branch_rows(chat))
        self.generating_changed.emit(self.is_generating())

    def is_generating(self, chat_id: str | None = None) -> bool:
        key = chat_id if chat_id is not None else (self.chat.id if self.chat else "")
        task = self._tasks.get(key)
        return task is not None and not task.done()

    # --- chat settings -------------------------------------------------------------

    def set_model(self, model: str) -> None:
        if self.chat is not None and self.chat.model != model:
            self.chat.model = model
            self._changed(self.chat)

    def set_params(self, params: dict[str, object]) -> None:
        if self.chat is not None and self.chat.params != params:
            self.chat.params = dict(params)
            self._changed(self.chat)

    def set_system_prompt(self, text: str) -> None:
        if self.chat is not None and self.chat.system_prompt != text:
            self.chat.system_prompt = text
            self._changed(self.chat)

    def set_profile(self, profile: str) -> None:
        if self.chat is not None and self.chat.profile != profile:
            self.chat.profile = profile
            self._changed(self.chat)

    def _changed(self, chat: Chat) -> None:
        """Save a chat that has messages (an empty new chat is not worth a file)."""
        if chat.messages:
            self._saver.touch(chat)
        self.chat_changed.emit(chat)

    # --- asking ------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart] | None = None) -> bool:
        """Ask a question in the chat on screen; False when it cannot be sent now."""
        chat = self.chat
        if chat is None or self.is_generating():
            return False
        endpoint = self._resolve(chat)
        if endpoint is None:
            return False
        conversation.add_user_message(chat, text, images)
        self.row_appended.emit(branch_rows(chat)[-1])
        answer = conversation.start_answer(chat, chat.model, chat.params)
        self._start(chat, answer, endpoint)
        return True

    def regenerate(self, answer_id: str) -> None:
        chat = self.chat
        if chat is None or self.is_generating():
            return
        endpoint = self._resolve(chat)
        if endpoint is None:
            return
        answer = conversation.regenerate(chat, answer_id, chat.model, chat.params)
        self.rows_reset.emit(branch_rows(chat)[:-1])
        self._start(chat, answer, endpoint)

    def retry(self, answer_id: str) -> None:
        """Ask again for a failed or stopped answer, in place."""
        chat = self.chat
        if chat is None or self.is_generating():
            return
        answer = chat.by_id().get(answer_id)
        if answer is None or answer.role != "assistant":
            return
        endpoint = self._resolve(chat)
        if endpoint is None:
            return
        conversation.reset_answer(answer)
        answer.model = chat.model
        self.rows_reset.emit(branch_rows(chat)[:-1] if chat.leaf == answer_id else [])
        if chat.leaf != answer_id:
            chat.switch_to(answer_id)
            self.rows_reset.emit(branch_rows(chat)[:-1])
        self._start(chat, answer, endpoint)

    def edit(self, message_id: str, text: str) -> None:
        """Send a new version of a user message; the old one stays as a branch."""
        chat = self.chat
        if chat is None or self.is_generating():
            return
        endpoint = self._resolve(chat)
        if endpoint is None:
            return
        _, answer = conversation.edit_user_message(chat, message_id, text, chat.model, chat.params)
        self.rows_reset.emit(branch_rows(chat)[:-1])
        self._start(chat, answer, endpoint)

    def stop(self) -> None:
        if self.chat is not None:
            task = self._tasks.get(self.chat.id)
            if task is not None and not task.done():
                task.cancel()

    async def stop_and_wait(self, chat_id: str) -> None:
        """Stop the answer streaming in ``chat_id`` (if any) and wait until it is saved."""
        task = self._tasks.get(chat_id)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _resolve(self, chat: Chat) -> Endpoint | None:
        try:
            return self._endpoint_for(chat)
        except Exception as exc:  # no key, bad URL, keyring locked: say it, send nothing
            self.endpoint_problem.emit(chat.profile, str(exc))
            return None

    def _start(self, chat: Chat, answer: Message, endpoint: Endpoint) -> None:
        self._saver.touch(chat)
        self._live[chat.id] = chat
        self.stream_started.emit(row_of(chat, answer))
        self.chat_changed.emit(chat)
        task = asyncio.get_running_loop().create_task(
            self._run(chat, answer, endpoint), name=f"answer:{chat.id}"
        )
        self._tasks[chat.id] = task
        self.generating_changed.emit(True)

    async def _run(self, chat: Chat, answer: Message, endpoint: Endpoint) -> Message:
        def progress(message: Message, acc: StreamAccumulator) -> None:
            self._streams[message.id] = acc
            if self.chat is chat:
                calls = message.tool_calls
                self.stream_text.emit(message.id, message.content, message.reasoning, calls)

        def retrying(error: APIError, delay: float) -> None:
            if self.chat is chat:
                self.notice.emit("info", f"{error.message} Retrying in {delay:.0f} s…")

        try:
            await conversation.run_answer(
                self._client,
                endpoint,
                chat,
                answer,
                chat.params,
                self._saver,
                on_progress=progress,
                on_retry=retrying,
            )
        except asyncio.CancelledError:
            pass  # stopped: run_answer kept the partial answer and saved it
        finally:
            self._streams.pop(answer.id, None)
            self._tasks.pop(chat.id, None)
            self._live.pop(chat.id, None)
            if self.chat is chat:
                self.stream_finished.emit(row_of(chat, answer))
                self.generating_changed.emit(False)
            self.chat_changed.emit(chat)
        return answer

    # --- reading and changing the tree ------------------------------------------------

    def switch_branch(self, message_id: str, step: int) -> None:
        chat = self.chat
        if chat is None or self.is_generating():
            return
        siblings = chat.siblings(message_id)
        ids = [m.id for m in siblings]
        if message_id not in ids:
            return
        target = ids[(ids.index(message_id) + step) % len(ids)]
        chat.switch_to(target)
        self._saver.touch(chat)
        self.rows_reset.emit(branch_rows(chat))

    def choose(self, answer_id: str, index: int) -> None:
        chat = self.chat
        if chat is None:
            return
        answer = chat.by_id().get(answer_id)
        if answer is None:
            return
        conversation.choose(answer, index)
        self._saver.touch(chat)
        self.row_updated.emit(row_of(chat, answer))

    def delete_message(self, message_id: str) -> list[Message]:
        """Remove a message and what follows it in its branch; returns them (for undo)."""
        chat = self.chat
        if chat is None or self.is_generating():
            return []
        removed = chat.remove(message_id)
        if removed:
            self._saver.touch(chat)
            self.rows_reset.emit(branch_rows(chat))
            self.chat_changed.emit(chat)
        return removed

    def restore_messages(self, messages: list[Message], leaf: str | None) -> None:
        """Put back what :meth:`delete_message` removed."""
        chat = self.chat
        if chat is None or not messages:
            return
        known = {m.id for m in chat.messages}
        chat.messages.extend(m for m in messages if m.id not in known)
        chat.leaf = leaf
        self._saver.touch(chat)
        self.rows_reset.emit(branch_rows(chat))
        self.chat_changed.emit(chat)

    def message(self, message_id: str) -> Message | None:
        return self.chat.by_id().get(message_id) if self.chat is not None else None

    def save_all_now(self) -> None:
        """Write every open chat at once (the app is quitting); see ``_save_now``."""
        chats = dict(self._live)
        if self.chat is not None and self.chat.messages:
            chats[self.chat.id] = self.chat
        self._save_now(chats.values())
