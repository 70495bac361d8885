"""The comparison page: columns asked at once, each with its own model and parameters.

The composer sends to every column and the Parameters tab edits the shared set; a model
chosen with Ctrl+K goes to the focused column or to every column (the picker asks).
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from core import compare, param_stack
from core.chat import Chat, ImagePart, Message
from core.compare import last_answer
from core.export import chat_to_markdown
from core.param_stack import Defaults, ParamState
from core.pricing import ModelPrice, chat_cost
from core.request import build_body, to_api_messages
from core.storage.chat_store import ChatFileError
from core.tools.rounds import calling_answer
from ui.answers.round_view import RoundView, with_tools
from ui.common.clipboard import set_clipboard
from ui.common.services import Services
from ui.compare.column import CompareColumn
from ui.compare.controller import CompareController
from ui.compare.view import CompareView
from ui.shell.composer import Composer
from ui.shell.page import ALL_TARGETS, Command, Heading, ModelTarget, Page, Preview
from ui.transcript.message_model import MessageRow

NOTHING_YET = "Nothing to export yet: no column has an answer."


class ComparePage(Page):
    name = "compare"

    def __init__(
        self,
        controller: CompareController,
        services: Services,
        composer: Composer,
        theme: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = services
        self.composer = composer
        self.notifier = controller.runner.notifier
        self._widget = QWidget(parent)
        self._widget.setObjectName("comparePage")
        layout = QVBoxLayout(self._widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.view = CompareView(theme, self._widget)
        layout.addWidget(self.view, 1)
        self.edit_label = QLabel(self._widget)
        self.edit_label.setObjectName("editingLabel")
        self.edit_label.hide()
        layout.addWidget(self.edit_label)
        self._editing: tuple[str, str] | None = None  # column id, message id
        self._focused = ""  # the column the person worked in last
        self._prices: dict[str, ModelPrice] = {}
        self.merge_dialog: QDialog | None = None  # the last merge dialog opened
        controller.defaults = self._defaults
        self._connect()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    @property
    def widget(self) -> QWidget:
        return self._widget

    @property
    def comparison(self) -> Chat | None:
        return self.controller.comparison

    def _connect(self) -> None:
        ctl, view = self.controller, self.view
        ctl.comparison_reset.connect(lambda _cmp: self._columns_changed())
        for signal in (ctl.column_added, ctl.column_removed, ctl.columns_reordered):
            signal.connect(self._columns_changed)
        ctl.column_rows_reset.connect(lambda cid, rows: self._col_view(cid, "set_rows", rows))
        ctl.column_row_appended.connect(lambda cid, row: self._col_view(cid, "append_row", row))
        ctl.column_row_updated.connect(lambda cid, row: self._col_view(cid, "update_row", row))
        ctl.column_stream_started.connect(lambda cid, row: self._col_view(cid, "start_stream", row))
        ctl.column_stream_text.connect(self._stream_text)
        ctl.column_stream_finished.connect(self._finished)
        ctl.column_generating.connect(self._generating)
        ctl.marks_changed.connect(self._marks)
        ctl.comparison_changed.connect(self._changed)
        ctl.column_tools_changed.connect(self._tools_changed)

        view.add_column_requested.connect(self._add_column)
        view.column_model_clicked.connect(self._column_model_clicked)
        view.column_params_changed.connect(ctl.set_column_params)
        view.column_stop_requested.connect(ctl.stop)
        view.column_regenerate_requested.connect(ctl.regenerate)
        view.column_message_regenerate_requested.connect(ctl.regenerate)
        view.column_retry_requested.connect(ctl.retry)
        view.column_fix_requested.connect(ctl.fix)
        view.column_branch_requested.connect(ctl.switch_branch)
        view.column_choice_requested.connect(ctl.choose)
        view.column_edit_requested.connect(self._edit)
        view.column_delete_requested.connect(self._delete_message)
        view.column_duplicate_requested.connect(ctl.duplicate)
        view.column_remove_requested.connect(ctl.remove)
        view.column_move_requested.connect(self._move)
        view.column_continue_requested.connect(self._continue)
        view.link_activated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        view.copy_all_requested.connect(self.copy_all)
        view.answer_action.connect(self.answer_action)
        ctl.answer_streaming.connect(self._answer_streaming)
        ctl.repeats_changed.connect(self.repeats_changed)

    # --- which comparison --------------------------------------------------------------

    def new_comparison(self, first_model: str, params: ParamState | dict[str, object]) -> bool:
        """A comparison of ``first_model`` and the last model used besides it, sharing
        ``params`` (a page's :meth:`~Page.shareable_params`); each column adds its own
        model's defaults."""
        settings = self.services.settings
        first = first_model or settings.default_model
        others = [m for m in [*settings.recent_models, *settings.favourite_models] if m != first]
        models = [first, others[0] if others else first]
        state = params if isinstance(params, ParamState) else ParamState(params)
        cmp = self.controller.new_comparison(
            models, dict(state.values), settings.active_profile, state.overridden, state.preset
        )
        if cmp is not None:
            self._focused = cmp.columns[0].id
            self.changed.emit()
        return cmp is not None

    def open(self, chat_id: str) -> bool:
        try:
            cmp = self.controller.runner.live_owner(chat_id) or self.services.store.load(chat_id)
        except ChatFileError as exc:
            self.notifier.error(exc.problem.message)
            return False
        except LookupError:
            self.notifier.error("That comparison no longer exists on disk.")
            return False
        shown = self.controller.open(cmp)
        self._focused = shown.columns[0].id if shown.columns else ""
        self.changed.emit()
        return True

    def shown_chat_id(self) -> str | None:
        cmp = self.comparison
        return cmp.id if cmp is not None and any(c.messages for c in cmp.columns) else None

    def open_copy(self, chat_id: str) -> Chat | None:
        cmp = self.comparison
        if cmp is not None and cmp.id == chat_id:
            return cmp
        return self.controller.runner.live_owner(chat_id)

    async def close_chat(self, chat_id: str) -> bool:
        copy = self.open_copy(chat_id)
        if copy is not None:
            await self.controller.runner.stop_and_wait([col.id for col in copy.columns])
            await self.controller.runner.flush()
        shown = self.comparison is not None and self.comparison.id == chat_id
        if shown:
            self.controller.comparison = None
        return shown

    def set_theme(self, theme: str) -> None:
        self.view.set_theme(theme)

    def set_text_size(self, points: int) -> None:
        for column in self.view.columns():
            column.view.set_text_size(points)

    # --- what the window shows ----------------------------------------------------------

    def heading(self) -> Heading:
        cmp = self.comparison
        count = len(cmp.columns) if cmp is not None else 0
        return Heading(
            title=f"Comparison · {count} columns",
            profile=(cmp.profile if cmp else "") or self.services.settings.active_profile,
            system_prompt=cmp.system_prompt if cmp is not None else "",
            cost=chat_cost(cmp, self._prices).text() if cmp is not None else "",
        )

    def why_not(self, command: Command) -> str | None:
        cmp = self.comparison
        if cmp is None:
            return "Start a comparison first (Ctrl+Shift+N)."
        generating = self.controller.is_generating()
        if command is Command.STOP:
            return None if generating else "No column is writing an answer."
        if command is Command.REGENERATE:
            idle = [c for c in cmp.columns if c.leaf and not self.controller.is_generating(c.id)]
            return None if idle else "No idle column has an answer to regenerate."
        if command in (Command.EXPORT, Command.COPY_ALL):
            return None if any(col.messages for col in cmp.columns) else NOTHING_YET
        if command is Command.MERGE:
            answered = [c for c in cmp.columns if (a := last_answer(c)) and a.content.strip()]
            return None if len(answered) >= 2 else "Merging needs two columns with an answer."
        return None

    def is_generating(self) -> bool:
        return self.controller.is_generating()

    def focused_column(self) -> Chat | None:
        cmp = self.comparison
        columns = cmp.columns if cmp is not None else []
        return next((c for c in columns if c.id == self._focused), columns[0] if columns else None)

    def model(self) -> str:
        col = self.focused_column()
        return col.model if col is not None else ""

    def model_targets(self) -> list[ModelTarget]:
        cmp = self.comparison
        if cmp is None:
            return []
        targets = [
            ModelTarget(col.id, f"Column {n} ({col.model or 'no model'})")
            for n, col in enumerate(cmp.columns, 1)
        ]
        return [*targets, ModelTarget(ALL_TARGETS, "Every column")]

    def default_model_target(self) -> str:
        col = self.focused_column()
        return col.id if col is not None else ALL_TARGETS

    def set_model(self, model: str, target: str = "") -> None:
        cmp = self.comparison
        if cmp is None:
            return
        ids = [c.id for c in cmp.columns] if target == ALL_TARGETS else [target or self._focused]
        for column_id in ids:
            self.controller.set_column_model(column_id, model)
        self.services.prefs.push_recent_model(model)
        self.changed.emit()

    def params(self) -> dict[str, object]:
        cmp = self.comparison
        return dict(cmp.params) if cmp is not None else {}

    def set_params(self, values: dict[str, object]) -> None:
        """The shared set edited: what changed is the comparison's own, over every
        column's model defaults."""
        cmp = self.comparison
        if cmp is None:
            return
        layered = self._defaults().preset(cmp.preset)
        overridden = param_stack.edited(cmp.params, values, cmp.overridden, layered)
        self.controller.set_shared_params(values, overridden)
        self.changed.emit()

    def _defaults(self) -> Defaults:
        return param_stack.defaults_of(self.services.settings)

    def param_sources(self) -> dict[str, str]:
        cmp = self.comparison
        if cmp is None:
            return {}
        return param_stack.sources(cmp.params, cmp.overridden, self._defaults(), "", cmp.preset)

    def column_sources(self, col: Chat) -> dict[str, str]:
        """Where each value of a column comes from."""
        cmp = self.comparison
        if cmp is None:
            return {}
        return param_stack.column_sources(
            col.params,
            col.overridden,
            self._defaults(),
            col.model,
            cmp.params,
            cmp.overridden,
            cmp.preset,
        )

    def params_note(self) -> str:
        """Where a column's values differ from this shared set, and why."""
        cmp = self.comparison
        if cmp is None:
            return ""
        lines = []
        for number, col in enumerate(cmp.columns, 1):
            found = self.column_sources(col)
            parts = []
            defaults = sorted(n for n, s in found.items() if s == param_stack.SOURCE_MODEL)
            if defaults:
                parts.append(f"{', '.join(defaults)} (its model's defaults)")
            if col.overridden:
                parts.append(f"{', '.join(col.overridden)} (its own)")
            if parts:
                lines.append(f"Column {number}: {'; '.join(parts)}")
        if not lines:
            return ""
        return "\n".join(["Every column sends this shared set, except:", *lines])

    def preset(self) -> str:
        cmp = self.comparison
        return cmp.preset if cmp is not None else ""

    def apply_preset(self, name: str, values: dict[str, object]) -> None:
        """Load a preset into the shared set (its own values give way)."""
        if self.comparison is not None:
            self.controller.set_shared_params(dict(values), [], name)
            self.changed.emit()

    def shareable_params(self) -> ParamState:
        cmp = self.comparison
        if cmp is None:
            return ParamState(dict(self._defaults().base))
        return ParamState(dict(cmp.params), tuple(cmp.overridden), cmp.preset)

    def model_defaults_target(self) -> tuple[str, dict[str, object]]:
        """The focused column: its model and every value it sends."""
        col = self.focused_column()
        return (col.model, dict(col.params)) if col is not None else ("", {})

    def model_defaults_changed(self, model: str) -> None:
        self.controller.restack(model)
        self.changed.emit()

    def set_system_prompt(self, text: str) -> None:
        self.controller.set_system_prompt(text)
        self.changed.emit()

    def exported(self) -> Chat | None:
        cmp = self.comparison
        return cmp if cmp is not None and any(col.messages for col in cmp.columns) else None

    def copy_all(self) -> None:
        cmp = self.exported()
        if cmp is not None:
            set_clipboard(chat_to_markdown(cmp))

    def last_answer(self) -> Message | None:
        col = self.focused_column()
        return last_answer(col) if col is not None else None

    def preview(self, next_text: str) -> Preview | None:
        """The request the focused column would send next."""
        col, cmp = self.focused_column(), self.comparison
        if col is None or cmp is None:
            return None
        history = to_api_messages(col.branch(), col.system_prompt)
        if calling_answer(col) is None:  # else the next request goes on from the tool results
            history.append({"role": "user", "content": next_text or "(your next message)"})
        params = with_tools(col.params, self.controller.rounds.offered_now(col))
        runner = self.controller.runner
        asked = cmp if not col.profile else col
        endpoint = runner.resolve_quietly(asked)
        profile = self.services.profile(asked.profile).name
        model = col.model or "model"
        try:
            built = build_body(model, history, params, rules=runner.rules(profile, model))
        except ValueError as exc:
            return Preview(None, None, str(exc))
        return Preview(endpoint, built)

    def set_profile(self, profile: str) -> None:
        self.changed.emit()

    def tool_holder(self) -> Chat | None:
        return self.comparison

    def set_tool_servers(self, servers: list[str], allowed: list[str]) -> None:
        self.controller.set_tool_servers(servers, allowed)
        self.changed.emit()

    def column_set(self) -> list[tuple[str, dict[str, object]]]:
        cmp = self.comparison
        return [(col.model, dict(col.params)) for col in cmp.columns] if cmp is not None else []

    def new_from_set(self, columns: list[tuple[str, dict[str, object]]]) -> bool:
        """A new comparison with exactly these columns (model and parameters each)."""
        if not columns:
            return False
        settings = self.services.settings
        shared = dict(columns[0][1])
        cmp = self.controller.new_comparison(
            [m for m, _ in columns], shared, settings.active_profile
        )
        if cmp is None:
            return False
        for col, (_model, params) in zip(cmp.columns, columns, strict=True):
            self.controller.set_column_params(col.id, params)
        self._focused = cmp.columns[0].id
        self._columns_changed()
        return True

    def open_merged(
        self, cmp: Chat, column_ids: list[str], model: str, recipe_name: str, recipe: str
    ) -> bool:
        """Show ``cmp``, a comparison made elsewhere (an arena battle after its vote), and
        merge the answers of ``column_ids`` into a new column; False when it cannot be."""
        defaults = self._defaults()
        for col in cmp.columns:
            compare.set_column_params(cmp, col.id, col.params, defaults)
        shown = self.controller.open(cmp)
        self._focused = shown.columns[0].id if shown.columns else ""
        merged = self.controller.merge(column_ids, model, recipe_name, recipe)
        if merged is not None:
            self._focused = merged.id
        self.changed.emit()
        return merged is not None

    def merge_answers(self) -> None:
        """Open the merge dialog for the columns that have an answer."""
        from ui.compare.merge_dialog import open_merge_dialog

        cmp = self.comparison
        if cmp is not None:
            self.merge_dialog = open_merge_dialog(
                cmp, self.services, self.controller, self.model(), self._widget
            )

    # --- commands -------------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart]) -> bool:
        if self._editing is not None:
            (column_id, message_id), self._editing = self._editing, None
            self.edit_label.hide()
            return self.controller.edit(column_id, message_id, text)
        return self.controller.send(text, images)

    def stop(self) -> None:
        self.controller.stop(None)

    def regenerate(self) -> None:
        self.controller.regenerate_all()

    # --- from the controller -----------------------------------------------------------

    def _columns_changed(self, *_: object) -> None:
        cmp = self.comparison
        if cmp is None:
            return
        self.view.set_columns([(col.id, col.model) for col in cmp.columns])
        for col in cmp.columns:
            column = self.view.column(col.id)
            if column is not None:
                self._wire_tools(column)
                column.set_overrides(col.overridden)
                column.set_merge_note(col.title if col.title.startswith("Merge of ") else "")
                column.set_params(col.params)
                column.view.set_prices(self._prices)
                self._show_stats(col)
                column.set_sources(self.column_sources(col))
        if self._focused not in {col.id for col in cmp.columns}:
            self._focused = cmp.columns[0].id if cmp.columns else ""
        self._update_regenerate()
        self.changed.emit()

    def _wire_tools(self, column: CompareColumn) -> None:
        """Connect a column's tool panel to the controller (once per column widget)."""
        if column.property("toolsWired"):
            return
        column.setProperty("toolsWired", True)
        ctl, cid, panel = self.controller, column.column_id, column.tool_panel
        panel.result_given.connect(
            lambda call, text, images: ctl.give_result(cid, call, text, images)
        )
        panel.run_requested.connect(lambda call: ctl.run_call(cid, call))
        panel.approved.connect(lambda call, scope: ctl.approve(cid, call, scope))
        panel.denied.connect(lambda call, never: ctl.deny(cid, call, never))
        panel.unlock_requested.connect(lambda: ctl.unlock_round(cid))
        panel.stop_requested.connect(lambda: ctl.stop(cid))
        panel.set_round(ctl.tool_view(cid))

    def _tools_changed(self, column_id: str, view: RoundView) -> None:
        column = self.view.column(column_id)
        if column is not None:
            column.tool_panel.set_round(view)

    def _col_view(self, column_id: str, method: str, arg: object) -> None:
        column = self.view.column(column_id)
        if column is not None and isValid(column.view):  # not mid-destruction at quit
            getattr(column.view, method)(arg)

    def _stream_text(self, cid: str, mid: str, content: str, reasoning: str, calls: object) -> None:
        column = self.view.column(cid)
        if column is not None:
            column.view.stream_text(mid, content, reasoning, calls)  # type: ignore[arg-type]

    def _finished(self, column_id: str, row: MessageRow) -> None:
        column = self.view.column(column_id)
        if column is None:
            return
        column.view.finish_stream(row)
        col = self.controller.column_of(row.message.id)
        if col is not None:
            self._show_stats(col)
        self.answer_finished.emit(row.message)

    def _show_stats(self, col: Chat) -> None:
        column = self.view.column(col.id)
        if column is not None:
            column.show_stats_of(col, self._prices)

    def set_prices(self, prices: dict[str, ModelPrice]) -> None:
        self._prices = dict(prices)
        cmp = self.comparison
        for col in cmp.columns if cmp is not None else []:
            column = self.view.column(col.id)
            if column is not None:
                column.view.set_prices(self._prices)
                self._show_stats(col)
        self.changed.emit()

    # --- one answer ---------------------------------------------------------------------

    def find_answer(self, message_id: str) -> tuple[Chat, Message] | None:
        col = self.controller.column_of(message_id)
        if col is None:
            return None
        return col, col.by_id()[message_id]

    def branch_from_token(self, message_id: str, index: int, token: str) -> None:
        self.cancel_edit()
        self.controller.branch_from_token(message_id, index, token)

    def repeat(self, message_id: str, count: int) -> None:
        self.controller.repeat(message_id, count)

    def show_message(self, message_id: str) -> None:
        self.controller.show_message(message_id)

    def branch_note(self, message_id: str) -> str:
        col = self.controller.column_of(message_id)
        return self.controller.branch_note(col, message_id) if col is not None else ""

    def follows(self, message: Message) -> bool:
        focused = self.focused_column()
        return focused is not None and any(m.id == message.id for m in focused.messages)

    def _answer_streaming(self, thread: Chat, message: Message, entries: object) -> None:
        """The Sampling tab follows the focused column's answer as it streams."""
        if self.follows(message):
            self.answer_streaming.emit(message, entries)

    def answer_action(self, action: str, message_id: str, arg: object) -> None:
        col = self.controller.column_of(message_id)
        if col is not None:
            self._focused = col.id  # the column worked in
        super().answer_action(action, message_id, arg)

    def _generating(self, column_id: str, generating: bool) -> None:
        column = self.view.column(column_id)
        if column is not None:
            column.set_generating(generating)
        self._update_regenerate()
        self.changed.emit()

    def _update_regenerate(self) -> None:
        """A column's Regenerate is on when it has something to answer again."""
        cmp = self.comparison
        for col in cmp.columns if cmp is not None else []:
            column = self.view.column(col.id)
            if column is not None:
                column.header.set_can_regenerate(bool(col.leaf))

    def _marks(self, marks: dict[str, set[str]]) -> None:
        for column_id, names in marks.items():
            column = self.view.column(column_id)
            if column is not None:
                column.set_marks(names)

    def _changed(self, cmp: Chat) -> None:
        if cmp is self.comparison:
            for col in cmp.columns:
                column = self.view.column(col.id)
                if column is not None:
                    column.set_overrides(col.overridden)
                    column.set_model(col.model)
                    if column.params() != col.params:
                        column.set_params(col.params)
                    column.set_sources(self.column_sources(col))
        if any(col.messages for col in cmp.columns):
            self.listed.emit(cmp)
        if cmp is self.comparison:
            self.changed.emit()

    # --- from the view ----------------------------------------------------------------

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        for column in self.view.columns():
            if column is new or column.isAncestorOf(new):
                self._focused = column.column_id
                return

    def _column_model_clicked(self, column_id: str) -> None:
        self._focused = column_id
        self.model_choice_requested.emit(column_id)

    def _add_column(self) -> None:
        col = self.controller.add_column(self.model())
        if col is not None:
            self._focused = col.id

    def _edit(self, column_id: str, message_id: str) -> None:
        """Edit a question of one column in the message box; sending makes a new branch
        of that column."""
        message = self.controller.message(column_id, message_id)
        if message is None or message.role != "user":
            return
        self._focused = column_id
        self._editing = (column_id, message_id)
        self.composer.set_text(message.content)
        number = self._column_number(column_id)
        self.edit_label.setText(
            f"Editing a message of column {number}: sending makes a new branch of that "
            "column; Esc cancels."
        )
        self.edit_label.show()
        self.composer.focus_input()

    @property
    def editing(self) -> tuple[str, str] | None:
        return self._editing

    def cancel_edit(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.edit_label.hide()
            self.composer.clear()

    def deactivate(self) -> None:
        self.cancel_edit()

    def _column_number(self, column_id: str) -> int:
        cmp = self.comparison
        ids = [c.id for c in cmp.columns] if cmp is not None else []
        return ids.index(column_id) + 1 if column_id in ids else 0

    def _delete_message(self, column_id: str, message_id: str) -> None:
        cmp = self.comparison
        col = next((c for c in cmp.columns if c.id == column_id), None) if cmp else None
        if col is None:
            return
        leaf = col.leaf
        removed = self.controller.delete_message(column_id, message_id)
        if removed:
            count = len(removed)
            text = "Deleted 1 message" if count == 1 else f"Deleted {count} messages"
            self.notifier.offer_undo(
                text, lambda: self.controller.restore_messages(column_id, removed, leaf)
            )

    def _move(self, column_id: str, step: int) -> None:
        cmp = self.comparison
        if cmp is None:
            return
        ids = [col.id for col in cmp.columns]
        if column_id in ids:
            self.controller.move(column_id, ids.index(column_id) + step)

    def _continue(self, column_id: str) -> None:
        chat = self.controller.continue_with(column_id)
        if chat is not None:
            self.listed.emit(chat)
            self.open_requested.emit(chat.id)
