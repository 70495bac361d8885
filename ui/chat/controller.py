"""One chat on screen: which chat it is, its settings, and what is asked in it.

Asking, regenerating, retrying, editing and the branch tree are the shared
:class:`ThreadController`'s; answers stream through the one :class:`AnswerRunner`, which
keeps a chat whose answer streams in memory while another chat is shown. Signals speak of
the chat on screen only.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from core import conversation
from core.chat import Chat, ImagePart, Message
from ui.answers.round_view import RoundView, Scope
from ui.answers.runner import AnswerRunner
from ui.answers.threads import ThreadController
from ui.tools.service import ToolService
from ui.transcript.message_model import MessageRow, branch_rows


class ChatController(ThreadController):
    rows_reset = Signal(list)  # list[MessageRow]: another chat or another branch
    row_appended = Signal(object)  # MessageRow
    row_updated = Signal(object)  # MessageRow
    stream_started = Signal(object)  # MessageRow
    stream_text = Signal(str, str, str, object)  # message id, content, reasoning, tool calls
    stream_finished = Signal(object)  # MessageRow
    generating_changed = Signal(bool)  # for the chat on screen
    chat_changed = Signal(object)  # Chat: title, model, params or messages changed
    tools_changed = Signal(object)  # RoundView: the tool calls waiting in the chat on screen

    def __init__(
        self, runner: AnswerRunner, tools: ToolService | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(runner, tools, parent)
        self.chat: Chat | None = None  # the chat on screen

    # --- which chat --------------------------------------------------------------

    def new_chat(self, model: str, params: dict[str, object], profile: str = "") -> Chat:
        chat = Chat(model=model, params=dict(params), profile=profile)
        self._show(chat)
        return chat

    def open_chat(self, chat_id: str) -> Chat:
        """Show a saved chat (raises the store's errors: the page says them)."""
        chat = self.runner.live_owner(chat_id)
        if chat is None:
            chat = self.runner.store.load(chat_id)
            conversation.settle_interrupted(chat)
        self._show(chat)
        return chat

    def _show(self, chat: Chat) -> None:
        self.chat = chat
        self.rows_reset.emit(branch_rows(chat))
        self.generating_changed.emit(self.is_generating())
        self.tools_changed.emit(self._round_view(chat))

    def is_generating(self, chat_id: str | None = None) -> bool:
        """An answer streams (or a tool runs) in ``chat_id`` (default: the chat on screen)."""
        key = chat_id if chat_id is not None else (self.chat.id if self.chat else "")
        return self.runner.running(key) or self.rounds.running(key)

    # --- chat settings -------------------------------------------------------------

    def set_model(self, model: str) -> None:
        if self.chat is not None and self.chat.model != model:
            self.chat.model = model
            self._changed(self.chat)

    def set_params(
        self,
        params: dict[str, object],
        overridden: list[str] | None = None,
        preset: str | None = None,
    ) -> None:
        """The chat's values, and (when given) the names it overrides and its preset."""
        chat = self.chat
        if chat is None:
            return
        before = (chat.params, chat.overridden, chat.preset)
        chat.params = dict(params)
        if overridden is not None:
            chat.overridden = list(overridden)
        if preset is not None:
            chat.preset = preset
        if (chat.params, chat.overridden, chat.preset) != before:
            self._changed(chat)

    def set_system_prompt(self, text: str) -> None:
        if self.chat is not None and self.chat.system_prompt != text:
            self.chat.system_prompt = text
            self._changed(self.chat)

    def set_profile(self, profile: str) -> None:
        if self.chat is not None and self.chat.profile != profile:
            self.chat.profile = profile
            self._changed(self.chat)

    def set_tool_servers(self, servers: list[str], allowed: list[str]) -> None:
        chat = self.chat
        if chat is not None and (chat.tool_servers, chat.tool_allowed) != (servers, allowed):
            chat.tool_servers, chat.tool_allowed = list(servers), list(allowed)
            self._changed(chat)
            self.tools_changed.emit(self._round_view(chat))

    def _changed(self, chat: Chat) -> None:
        """Save a chat that has messages (an empty new chat is not worth a file)."""
        if chat.messages:
            self.runner.saver.touch(chat)
        self.chat_changed.emit(chat)

    # --- asking ------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart] | None = None) -> bool:
        """Ask a question in the chat on screen; False when it cannot be sent now."""
        return self.chat is not None and self._ask(self.chat, text, images)

    def regenerate(self, answer_id: str | None = None) -> bool:
        """A new answer beside ``answer_id`` (default: the last one)."""
        return self.chat is not None and self._regenerate(self.chat, answer_id)

    def retry(self, answer_id: str) -> bool:
        return self.chat is not None and self._retry(self.chat, answer_id)

    def fix(self, answer_id: str, fix_id: str) -> bool:
        """Take a fix a refused answer offers, and ask again in place."""
        return self.chat is not None and self._fix(self.chat, answer_id, fix_id)

    def edit(self, message_id: str, text: str) -> bool:
        return self.chat is not None and self._edit(self.chat, message_id, text)

    def stop(self) -> None:
        if self.chat is not None:
            self.runner.stop(self.chat.id)
            self._stop_tools(self.chat.id)

    # --- tool calls ----------------------------------------------------------------

    def give_result(self, call_id: str, text: str, images: list[ImagePart] | None = None) -> bool:
        """A person's result for a tool call of the chat on screen."""
        return self.chat is not None and self._give_result(self.chat, call_id, text, images or [])

    def run_call(self, call_id: str) -> None:
        if self.chat is not None:
            self.rounds.run(self.chat, call_id)

    def approve(self, call_id: str, scope: Scope) -> None:
        if self.chat is not None:
            self.rounds.approve(self.chat, call_id, scope)
            self._touch(self.chat)

    def deny(self, call_id: str, never: bool = False) -> None:
        if self.chat is not None:
            self.rounds.deny(self.chat, call_id, never=never)

    def unlock_round(self) -> None:
        if self.chat is not None:
            self.rounds.unlock(self.chat)

    def tool_view(self) -> RoundView:
        return self._round_view(self.chat) if self.chat is not None else RoundView("")

    async def stop_and_wait(self, chat_id: str) -> None:
        """Stop the answer streaming in ``chat_id`` (if any) and wait until it is saved."""
        await self.runner.stop_and_wait([chat_id])

    # --- the tree --------------------------------------------------------------------

    def switch_branch(self, message_id: str, step: int) -> None:
        if self.chat is not None:
            self._switch_branch(self.chat, message_id, step)

    def choose(self, answer_id: str, index: int) -> None:
        if self.chat is not None:
            self._choose(self.chat, answer_id, index)

    def branch_from_token(self, answer_id: str, index: int, token: str) -> bool:
        return self.chat is not None and self._branch(self.chat, answer_id, index, token)

    def repeat(self, answer_id: str, count: int) -> bool:
        return self.chat is not None and self._repeat(self.chat, answer_id, count)

    def show_message(self, message_id: str) -> None:
        if self.chat is not None:
            self._show_message(self.chat, message_id)

    def delete_message(self, message_id: str) -> list[Message]:
        return self._delete(self.chat, message_id) if self.chat is not None else []

    def restore_messages(self, messages: list[Message], leaf: str | None) -> None:
        if self.chat is not None:
            self._restore(self.chat, messages, leaf)

    def message(self, message_id: str) -> Message | None:
        return self.chat.by_id().get(message_id) if self.chat is not None else None

    def save_all_now(self) -> None:
        """Write the chat on screen and every chat still streaming at once (quitting)."""
        shown = [self.chat] if self.chat is not None and self.chat.messages else []
        self.runner.save_now(shown)

    # --- ThreadController ----------------------------------------------------------------

    def _owner(self, thread: Chat) -> Chat:
        return thread

    def _on_screen(self, thread: Chat) -> bool:
        return self.chat is thread

    def _tell_rows(self, thread: Chat, rows: list[MessageRow]) -> None:
        if self.chat is thread:
            self.rows_reset.emit(rows)

    def _tell_appended(self, thread: Chat, row: MessageRow) -> None:
        if self.chat is thread:
            self.row_appended.emit(row)

    def _tell_updated(self, thread: Chat, row: MessageRow) -> None:
        if self.chat is thread:
            self.row_updated.emit(row)

    def _tell_stream_started(self, thread: Chat, row: MessageRow) -> None:
        if self.chat is thread:
            self.stream_started.emit(row)

    def _tell_stream_text(self, thread: Chat, message: Message) -> None:
        self.stream_text.emit(message.id, message.content, message.reasoning, message.tool_calls)

    def _tell_stream_finished(self, thread: Chat, row: MessageRow) -> None:
        self.stream_finished.emit(row)

    def _tell_generating(self, thread: Chat, generating: bool) -> None:
        if self.chat is thread:
            self.generating_changed.emit(generating)

    def _tell_changed(self, owner: Chat) -> None:
        self.chat_changed.emit(owner)

    def _tell_tools(self, thread: Chat, view: RoundView) -> None:
        if self.chat is thread:
            self.tools_changed.emit(view)
