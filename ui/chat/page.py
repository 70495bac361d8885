"""The chat page: one conversation, its transcript, and the message being edited."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core import param_stack
from core.chat import Chat, ImagePart, Message
from core.export import chat_to_markdown
from core.model_rules import model_traits
from core.param_stack import Defaults, ParamState
from core.pricing import ModelPrice, chat_cost
from core.request import build_body, to_api_messages
from core.storage.chat_store import ChatFileError
from core.tools.rounds import calling_answer
from ui.answers.round_view import with_tools
from ui.chat.controller import ChatController
from ui.common.clipboard import set_clipboard
from ui.common.services import Services
from ui.shell.composer import Composer
from ui.shell.page import Command, Heading, Page, Preview
from ui.tools.panel import ToolCallsPanel
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow

NOTHING_YET = "Nothing to export yet: this chat has no messages."


def model_badges(model: str) -> str:
    traits = model_traits(model) if model else None
    badges = []
    if traits is not None and traits.vision:
        badges.append("vision")
    if traits is not None and traits.reasoning:
        badges.append("reasoning")
    return " · ".join(badges)


class ChatPage(Page):
    name = "chat"

    def __init__(
        self,
        controller: ChatController,
        services: Services,
        view: ChatView,
        composer: Composer,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = services
        self.view = view
        self.composer = composer
        self.notifier = controller.runner.notifier
        self._editing: str | None = None
        self._prices: dict[str, ModelPrice] = {}
        self._widget = QWidget(parent)
        self._widget.setObjectName("chatPage")
        layout = QVBoxLayout(self._widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(view, 1)
        self.tool_panel = ToolCallsPanel(self._widget)
        layout.addWidget(self.tool_panel)
        self.edit_label = QLabel(self._widget)
        self.edit_label.setObjectName("editingLabel")
        self.edit_label.hide()
        layout.addWidget(self.edit_label)
        self._connect()

    def _connect(self) -> None:
        ctl, view = self.controller, self.view
        ctl.rows_reset.connect(view.set_rows)
        ctl.row_appended.connect(view.append_row)
        ctl.row_updated.connect(view.update_row)
        ctl.stream_started.connect(view.start_stream)
        ctl.stream_text.connect(view.stream_text)
        ctl.stream_finished.connect(self._stream_finished)
        ctl.generating_changed.connect(self._generating_changed)
        ctl.chat_changed.connect(self._chat_changed)
        view.regenerate_requested.connect(ctl.regenerate)
        view.retry_requested.connect(ctl.retry)
        view.fix_requested.connect(ctl.fix)
        view.branch_requested.connect(ctl.switch_branch)
        view.choice_requested.connect(ctl.choose)
        view.edit_requested.connect(self.start_edit)
        view.delete_requested.connect(self.delete_message)
        view.link_activated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        view.copy_all_requested.connect(self.copy_all)
        panel = self.tool_panel
        ctl.tools_changed.connect(panel.set_round)
        panel.result_given.connect(ctl.give_result)
        panel.run_requested.connect(ctl.run_call)
        panel.approved.connect(ctl.approve)
        panel.denied.connect(ctl.deny)
        panel.unlock_requested.connect(ctl.unlock_round)
        panel.stop_requested.connect(ctl.stop)
        view.answer_action.connect(self.answer_action)
        ctl.answer_streaming.connect(self._answer_streaming)
        ctl.repeats_changed.connect(self.repeats_changed)

    @property
    def widget(self) -> QWidget:
        return self._widget

    @property
    def chat(self) -> Chat | None:
        return self.controller.chat

    # --- which chat ------------------------------------------------------------------

    def new_chat(self, model: str = "", params: dict[str, object] | None = None) -> Chat:
        """A new chat of ``model`` (default: the one on screen), on ``params`` or else on
        the app defaults with the model's own defaults over them."""
        settings = self.services.settings
        model = model or self.model() or settings.default_model or self.services.first_model()
        if params is None:
            params = param_stack.for_model(self._defaults(), model)
        self.cancel_edit()
        chat = self.controller.new_chat(model, params, settings.active_profile)
        self.changed.emit()
        return chat

    def open(self, chat_id: str) -> bool:
        """Show a saved chat; False (and a notice) when it cannot be read."""
        if self.chat is not None and self.chat.id == chat_id:
            return True
        try:
            self.controller.open_chat(chat_id)
        except ChatFileError as exc:
            self.notifier.error(exc.problem.message)
            return False
        except LookupError:
            self.notifier.error("That chat no longer exists on disk.")
            return False
        self.cancel_edit()
        self.changed.emit()
        return True

    def shown_chat_id(self) -> str | None:
        chat = self.chat
        return chat.id if chat is not None and chat.messages else None

    def open_copy(self, chat_id: str) -> Chat | None:
        chat = self.chat
        if chat is not None and chat.id == chat_id:
            return chat
        return self.controller.runner.live_owner(chat_id)

    async def close_chat(self, chat_id: str) -> bool:
        await self.controller.stop_and_wait(chat_id)
        await self.controller.runner.flush()
        return self.chat is not None and self.chat.id == chat_id

    def deactivate(self) -> None:
        self.cancel_edit()

    def set_theme(self, theme: str) -> None:
        self.view.set_theme(theme)

    def set_text_size(self, points: int) -> None:
        self.view.set_text_size(points)

    def set_profile(self, profile: str) -> None:
        self.controller.set_profile(profile)
        self.changed.emit()

    def tool_holder(self) -> Chat | None:
        return self.chat

    def set_tool_servers(self, servers: list[str], allowed: list[str]) -> None:
        if self.chat is None:
            self.new_chat()
        self.controller.set_tool_servers(servers, allowed)
        self.changed.emit()

    # --- what the window shows ----------------------------------------------------------

    def heading(self) -> Heading:
        chat = self.chat
        if chat is None:
            return Heading(title="", profile=self.services.settings.active_profile)
        return Heading(
            title=chat.model,
            detail=model_badges(chat.model),
            profile=chat.profile or self.services.settings.active_profile,
            system_prompt=chat.system_prompt,
            cost=chat_cost(chat, self._prices).text(),
        )

    def why_not(self, command: Command) -> str | None:
        generating = self.controller.is_generating()
        chat = self.chat
        if command is Command.STOP:
            return None if generating else "No answer is being written."
        if command is Command.REGENERATE:
            if generating:
                return "Wait for the answer, or stop it first."
            if chat is None or not chat.leaf:
                return "There is no answer to regenerate yet."
            return None
        if command in (Command.EXPORT, Command.COPY_ALL):
            return None if chat is not None and chat.messages else NOTHING_YET
        if command is Command.SEND and generating:
            return "Wait for the answer (or the tools), or stop it first."
        if command is Command.MERGE:
            return "Merging takes the answers of several columns: start a comparison."
        return None

    def is_generating(self) -> bool:
        return self.controller.is_generating()

    def model(self) -> str:
        return self.chat.model if self.chat else ""

    def params(self) -> dict[str, object]:
        return dict(self.chat.params) if self.chat else {}

    def _defaults(self) -> Defaults:
        return param_stack.defaults_of(self.services.settings)

    def param_sources(self) -> dict[str, str]:
        chat = self.chat
        if chat is None:
            return {}
        return param_stack.sources(
            chat.params, chat.overridden, self._defaults(), chat.model, chat.preset
        )

    def preset(self) -> str:
        return self.chat.preset if self.chat else ""

    def shareable_params(self) -> ParamState:
        chat = self.chat
        if chat is None:
            return ParamState(dict(self._defaults().base))
        values = param_stack.restacked(
            chat.params,
            chat.overridden,
            self._defaults(),
            (chat.model, chat.preset),
            ("", chat.preset),
        )
        return ParamState(values, tuple(chat.overridden), chat.preset)

    def exported(self) -> Chat | None:
        chat = self.chat
        return chat if chat is not None and chat.messages else None

    def last_answer(self) -> Message | None:
        chat = self.chat
        branch = chat.branch() if chat is not None else []
        return next((m for m in reversed(branch) if m.role == "assistant"), None)

    def preview(self, next_text: str) -> Preview | None:
        chat = self.chat
        if chat is None:
            return None
        history = to_api_messages(chat.branch(), chat.system_prompt)
        if calling_answer(chat) is None:  # else the next request goes on from the tool results
            history.append({"role": "user", "content": next_text or "(your next message)"})
        params = with_tools(chat.params, self.controller.rounds.offered_now(chat))
        runner = self.controller.runner
        endpoint = runner.resolve_quietly(chat)
        profile = self.services.profile(chat.profile).name
        model = chat.model or "model"
        try:
            built = build_body(model, history, params, rules=runner.rules(profile, model))
        except ValueError as exc:
            return Preview(None, None, str(exc))
        return Preview(endpoint, built)

    # --- commands -------------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart]) -> bool:
        if self.chat is None:
            self.new_chat()
        if self._editing is not None:
            editing, self._editing = self._editing, None
            self.edit_label.hide()
            return self.controller.edit(editing, text)
        return self.controller.send(text, images)

    def stop(self) -> None:
        self.controller.stop()

    def regenerate(self) -> None:
        self.controller.regenerate()

    def set_model(self, model: str, target: str = "") -> None:
        """Ask ``model`` from now on; what the chat does not override comes from the new
        model's defaults (and its preset), never from the old model's."""
        chat = self.chat
        if chat is None:
            self.new_chat(model)
        elif chat.model != model:
            values = param_stack.restacked(
                chat.params,
                chat.overridden,
                self._defaults(),
                (chat.model, chat.preset),
                (model, chat.preset),
            )
            self.controller.set_model(model)
            self.controller.set_params(values)
        self.services.prefs.push_recent_model(model)
        self.services.prefs.set(default_model=model)
        self.changed.emit()

    def set_params(self, values: dict[str, object]) -> None:
        """Values edited in the Parameters tab: what changed is this chat's own; the
        chat's own values (not its model's defaults or preset) become the app defaults."""
        chat = self.chat or self.new_chat()
        defaults = self._defaults()
        layered = defaults.above_base(chat.model, chat.preset)
        overridden = param_stack.edited(chat.params, values, chat.overridden, layered)
        self.controller.set_params(values, overridden)
        found = param_stack.sources(values, overridden, defaults, chat.model, chat.preset)
        self.services.prefs.set(
            default_params=param_stack.sticky_base(values, found, defaults.base)
        )

    def apply_preset(self, name: str, values: dict[str, object]) -> None:
        """Load a preset: its values, the model's defaults where it sets none; the chat's
        own values give way."""
        chat = self.chat or self.new_chat()
        stacked = param_stack.with_preset(self._defaults(), chat.model, values)
        self.controller.set_params(stacked, [], name)
        self.changed.emit()

    def model_defaults_changed(self, model: str) -> None:
        chat = self.chat
        if chat is None or chat.model != model:
            return
        layered = self._defaults().above_base(chat.model, chat.preset)
        missing = object()
        own = [n for n in chat.overridden if chat.params.get(n, missing) != layered.get(n, missing)]
        self.controller.set_params(chat.params, own)
        self.changed.emit()

    def set_system_prompt(self, text: str) -> None:
        self.controller.set_system_prompt(text)
        self.changed.emit()

    def copy_all(self) -> None:
        chat = self.exported()
        if chat is not None:
            set_clipboard(chat_to_markdown(chat))

    def set_prices(self, prices: dict[str, ModelPrice]) -> None:
        self._prices = dict(prices)
        self.view.set_prices(self._prices)
        self.changed.emit()

    # --- one answer -------------------------------------------------------------------------

    def find_answer(self, message_id: str) -> tuple[Chat, Message] | None:
        chat = self.chat
        message = chat.by_id().get(message_id) if chat is not None else None
        if chat is None or message is None:
            return None
        return chat, message

    def branch_from_token(self, message_id: str, index: int, token: str) -> None:
        self.cancel_edit()
        self.controller.branch_from_token(message_id, index, token)

    def repeat(self, message_id: str, count: int) -> None:
        self.controller.repeat(message_id, count)

    def show_message(self, message_id: str) -> None:
        self.controller.show_message(message_id)

    def branch_note(self, message_id: str) -> str:
        chat = self.chat
        return self.controller.branch_note(chat, message_id) if chat is not None else ""

    # --- editing and deleting ---------------------------------------------------------------

    def start_edit(self, message_id: str) -> None:
        message = self.controller.message(message_id)
        if message is None or message.role != "user":
            return
        self._editing = message_id
        self.composer.set_text(message.content)
        self.edit_label.setText("Editing a message: sending makes a new branch; Esc cancels.")
        self.edit_label.show()
        self.composer.focus_input()

    @property
    def editing(self) -> str | None:
        return self._editing

    def cancel_edit(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.edit_label.hide()
            self.composer.clear()

    def delete_message(self, message_id: str) -> None:
        chat = self.chat
        if chat is None:
            return
        leaf = chat.leaf
        removed = self.controller.delete_message(message_id)
        if removed:
            count = len(removed)
            text = "Deleted 1 message" if count == 1 else f"Deleted {count} messages"
            self.notifier.offer_undo(text, lambda: self.controller.restore_messages(removed, leaf))

    # --- from the controller ------------------------------------------------------------------

    # Bound methods, not lambdas: Qt disconnects them when the page is destroyed, so an
    # answer that ends while the window closes does not reach a deleted page.
    def _generating_changed(self, _generating: bool) -> None:
        self.changed.emit()

    def _answer_streaming(self, _thread: Chat, message: Message, entries: object) -> None:
        self.answer_streaming.emit(message, entries)

    def _stream_finished(self, row: MessageRow) -> None:
        self.view.finish_stream(row)
        self.answer_finished.emit(row.message)
        self.changed.emit()

    def _chat_changed(self, chat: Chat) -> None:
        if chat.messages:
            self.listed.emit(chat)
        if chat is self.chat:
            self.changed.emit()
