"""One comparison on screen: several columns asked at once, each streaming on its own.

Each column is a thread of the shared :class:`ThreadController` (ask, regenerate, retry,
edit, branches, delete) whose answers run in their own task of the one
:class:`AnswerRunner`, so a slow, failing or stopped column never holds up another. The
comparison is what gets saved: the columns are part of its file. Signals name the column
they concern and speak of the comparison on screen only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from PySide6.QtCore import QObject, Signal

from core import compare, conversation
from core import merge as merging
from core.chat import Chat, ImagePart, Message
from core.compare import ComparisonError
from core.endpoint import Endpoint
from core.param_stack import Defaults
from ui.answers.round_view import RoundView, Scope
from ui.answers.runner import AnswerRunner
from ui.answers.threads import ThreadController
from ui.tools.service import ToolService
from ui.transcript.message_model import MessageRow, branch_rows

log = logging.getLogger(__name__)


class CompareController(ThreadController):
    comparison_reset = Signal(object)  # Chat: another comparison on screen
    column_added = Signal(str)  # column id
    column_removed = Signal(str)  # column id
    columns_reordered = Signal(list)  # list[str]: every column id, in the new order
    column_rows_reset = Signal(str, list)  # column id, list[MessageRow]
    column_row_appended = Signal(str, object)  # column id, MessageRow
    column_row_updated = Signal(str, object)  # column id, MessageRow
    column_stream_started = Signal(str, object)  # column id, MessageRow
    # column id, message id, content, reasoning, tool calls
    column_stream_text = Signal(str, str, str, str, object)
    column_stream_finished = Signal(str, object)  # column id, MessageRow
    column_generating = Signal(str, bool)  # column id, whether its answer is streaming
    marks_changed = Signal(dict)  # dict[column id, set[str]] (see core.compare.column_marks)
    comparison_changed = Signal(object)  # Chat: title, columns, params or messages changed
    column_tools_changed = Signal(str, object)  # column id, RoundView

    def __init__(
        self, runner: AnswerRunner, tools: ToolService | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(runner, tools, parent)
        self.comparison: Chat | None = None  # the comparison on screen
        # the layers under the columns' parameters (None: columns inherit the shared set)
        self.defaults: Callable[[], Defaults | None] = lambda: None

    # --- which comparison ----------------------------------------------------------

    def new_comparison(
        self,
        models: list[str],
        params: dict[str, object],
        profile: str = "",
        overridden: Collection[str] = (),
        preset: str = "",
    ) -> Chat | None:
        """Show a new comparison on the shared set ``params`` (which names it overrides,
        which preset it loaded), each column with its model's defaults; None (and a
        notice) when the models cannot make one."""
        try:
            cmp = compare.new_comparison(
                models,
                params,
                profile,
                defaults=self.defaults(),
                overridden=overridden,
                preset=preset,
            )
        except ComparisonError as exc:
            self.runner.notifier.post("warning", str(exc))
            return None
        self._show(cmp)
        return cmp

    def open(self, cmp: Chat) -> Chat:
        """Show a comparison; one whose columns are still streaming is shown as it is in
        memory. Returns the comparison shown."""
        shown = self.runner.live_owner(cmp.id)
        if shown is None:
            shown = cmp
            conversation.settle_interrupted(shown)
        self._show(shown)
        return shown

    def _show(self, cmp: Chat) -> None:
        self.comparison = cmp
        self.comparison_reset.emit(cmp)
        for col in cmp.columns:
            self.column_rows_reset.emit(col.id, branch_rows(col))
            self.column_generating.emit(col.id, self._running(col.id))
            self.column_tools_changed.emit(col.id, self._round_view(col))
        self.marks_changed.emit(compare.column_marks(cmp))

    def _running(self, column_id: str) -> bool:
        return self.runner.running(column_id) or self.rounds.running(column_id)

    def is_generating(self, column_id: str | None = None) -> bool:
        """Whether that column (default: any column on screen) is streaming."""
        if column_id is not None:
            return self._running(column_id)
        cmp = self.comparison
        return cmp is not None and any(self._running(col.id) for col in cmp.columns)

    def _column(self, column_id: str) -> Chat | None:
        columns = self.comparison.columns if self.comparison is not None else []
        return next((col for col in columns if col.id == column_id), None)

    # --- asking --------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart] | None = None) -> bool:
        """Ask every column at once; a column still streaming is skipped with a notice.
        False when no column could be asked."""
        cmp = self.comparison
        if cmp is None:
            return False
        endpoints: dict[str, Endpoint] = {}
        said: set[tuple[str, str]] = set()  # each endpoint problem is said once
        for number, col in enumerate(cmp.columns, 1):
            if self._running(col.id):
                self.runner.notifier.info(
                    f"Column {number} is still answering; it did not get this message."
                )
                continue
            endpoint = self._endpoint(col, said)
            if endpoint is not None:
                endpoints[col.id] = endpoint
        if not endpoints:
            return False
        if not cmp.title:
            cmp.title = conversation.title_from(text) if text.strip() else "Image"
        for col in cmp.columns:
            if col.id in endpoints:
                self._ask(col, text, images, endpoints[col.id])
        return True

    def regenerate(self, column_id: str, answer_id: str | None = None) -> bool:
        """A new answer in one column, beside its last one (or ``answer_id``)."""
        col = self._column(column_id)
        if col is None:
            return False
        if not col.leaf:
            self.runner.notifier.info("This column has nothing to answer yet.")
            return False
        return self._regenerate(col, answer_id)

    def regenerate_all(self) -> int:
        """A new last answer in every idle column that has one; returns how many."""
        columns = self.comparison.columns if self.comparison is not None else []
        return sum(1 for col in list(columns) if col.leaf and self._regenerate(col))

    def retry(self, column_id: str, answer_id: str) -> bool:
        """Ask again, in place, for a failed or stopped answer of one column."""
        col = self._column(column_id)
        return col is not None and self._retry(col, answer_id)

    def fix(self, column_id: str, answer_id: str, fix_id: str) -> bool:
        """Take a fix a refused answer of one column offers, and ask again in place."""
        col = self._column(column_id)
        return col is not None and self._fix(col, answer_id, fix_id)

    def edit(self, column_id: str, message_id: str, text: str) -> bool:
        col = self._column(column_id)
        return col is not None and self._edit(col, message_id, text)

    def switch_branch(self, column_id: str, message_id: str, step: int) -> None:
        col = self._column(column_id)
        if col is not None:
            self._switch_branch(col, message_id, step)

    def choose(self, column_id: str, answer_id: str, index: int) -> None:
        col = self._column(column_id)
        if col is not None:
            self._choose(col, answer_id, index)

    def delete_message(self, column_id: str, message_id: str) -> list[Message]:
        col = self._column(column_id)
        return self._delete(col, message_id) if col is not None else []

    def restore_messages(self, column_id: str, messages: list[Message], leaf: str | None) -> None:
        col = self._column(column_id)
        if col is not None:
            self._restore(col, messages, leaf)

    def column_of(self, message_id: str) -> Chat | None:
        """The column on screen holding ``message_id``."""
        columns = self.comparison.columns if self.comparison is not None else []
        return next((c for c in columns if any(m.id == message_id for m in c.messages)), None)

    def branch_from_token(self, answer_id: str, index: int, token: str) -> bool:
        col = self.column_of(answer_id)
        return col is not None and self._branch(col, answer_id, index, token)

    def repeat(self, answer_id: str, count: int) -> bool:
        col = self.column_of(answer_id)
        return col is not None and self._repeat(col, answer_id, count)

    def show_message(self, message_id: str) -> None:
        col = self.column_of(message_id)
        if col is not None:
            self._show_message(col, message_id)

    def message(self, column_id: str, message_id: str) -> Message | None:
        col = self._column(column_id)
        return col.by_id().get(message_id) if col is not None else None

    def stop(self, column_id: str | None = None) -> None:
        """Stop one column's answer, or every column's on screen."""
        columns = self.comparison.columns if self.comparison is not None else []
        for cid in [column_id] if column_id is not None else [col.id for col in columns]:
            self.runner.stop(cid)
            self._stop_tools(cid)

    # --- tool calls ------------------------------------------------------------------

    def give_result(
        self, column_id: str, call_id: str, text: str, images: list[ImagePart] | None = None
    ) -> bool:
        """A person's result for a tool call of one column."""
        col = self._column(column_id)
        return col is not None and self._give_result(col, call_id, text, images or [])

    def run_call(self, column_id: str, call_id: str) -> None:
        col = self._column(column_id)
        if col is not None:
            self.rounds.run(col, call_id)

    def approve(self, column_id: str, call_id: str, scope: Scope) -> None:
        col = self._column(column_id)
        if col is not None:
            self.rounds.approve(col, call_id, scope)
            self._touch(col)
            if scope != "once":  # the other columns may wait for the same tool
                for other in self.comparison.columns if self.comparison is not None else []:
                    if other is not col:
                        self.rounds.reconsider(other)

    def deny(self, column_id: str, call_id: str, never: bool = False) -> None:
        col = self._column(column_id)
        if col is not None:
            self.rounds.deny(col, call_id, never=never)
            if never:
                for other in self.comparison.columns if self.comparison is not None else []:
                    if other is not col:
                        self.rounds.reconsider(other)

    def unlock_round(self, column_id: str) -> None:
        col = self._column(column_id)
        if col is not None:
            self.rounds.unlock(col)

    def tool_view(self, column_id: str) -> RoundView:
        col = self._column(column_id)
        return self._round_view(col) if col is not None else RoundView(column_id)

    # --- ThreadController ------------------------------------------------------------

    def _owner(self, thread: Chat) -> Chat:
        cmp = self.comparison
        if cmp is not None and any(col is thread for col in cmp.columns):
            return cmp
        for owner in self.runner.live_owners():
            if any(col is thread for col in owner.columns):
                return owner
        raise LookupError(f"column {thread.id} is in no comparison")

    def _label(self, thread: Chat) -> str:
        cmp = self._owner(thread)
        number = next((n for n, col in enumerate(cmp.columns, 1) if col is thread), 0)
        return f"Column {number}"

    def _on_screen(self, thread: Chat) -> bool:
        cmp = self.comparison
        return cmp is not None and any(col is thread for col in cmp.columns)

    def _tell_rows(self, thread: Chat, rows: list[MessageRow]) -> None:
        if self._on_screen(thread):
            self.column_rows_reset.emit(thread.id, rows)

    def _tell_appended(self, thread: Chat, row: MessageRow) -> None:
        if self._on_screen(thread):
            self.column_row_appended.emit(thread.id, row)

    def _tell_updated(self, thread: Chat, row: MessageRow) -> None:
        if self._on_screen(thread):
            self.column_row_updated.emit(thread.id, row)

    def _tell_stream_started(self, thread: Chat, row: MessageRow) -> None:
        if self._on_screen(thread):
            self.column_stream_started.emit(thread.id, row)

    def _tell_stream_text(self, thread: Chat, message: Message) -> None:
        self.column_stream_text.emit(
            thread.id, message.id, message.content, message.reasoning, message.tool_calls
        )

    def _tell_stream_finished(self, thread: Chat, row: MessageRow) -> None:
        self.column_stream_finished.emit(thread.id, row)

    def _tell_generating(self, thread: Chat, generating: bool) -> None:
        if self._on_screen(thread):
            self.column_generating.emit(thread.id, generating)
            assert self.comparison is not None
            self.marks_changed.emit(compare.column_marks(self.comparison))

    def _tell_changed(self, owner: Chat) -> None:
        self.comparison_changed.emit(owner)

    def _tell_tools(self, thread: Chat, view: RoundView) -> None:
        if self._on_screen(thread):
            self.column_tools_changed.emit(thread.id, view)

    # --- columns and settings --------------------------------------------------------

    def add_column(self, model: str) -> Chat | None:
        """A new, empty column on the shared parameters; None (and a notice) when full."""
        cmp = self.comparison
        if cmp is None:
            return None
        try:
            col = compare.add_column(cmp, model, self.defaults())
        except ComparisonError as exc:
            self.runner.notifier.post("warning", str(exc))
            return None
        self.column_added.emit(col.id)
        self.column_rows_reset.emit(col.id, [])
        self._changed(cmp)
        return col

    def duplicate(self, column_id: str) -> Chat | None:
        cmp = self.comparison
        if cmp is None or self._column(column_id) is None:
            return None
        try:
            twin = compare.duplicate_column(cmp, column_id)
        except ComparisonError as exc:
            self.runner.notifier.post("warning", str(exc))
            return None
        for message in twin.messages:
            if message.status == "streaming":  # the original is still arriving
                message.status = "stopped"
        self.column_added.emit(twin.id)
        self.columns_reordered.emit([c.id for c in cmp.columns])
        self.column_rows_reset.emit(twin.id, branch_rows(twin))
        self._changed(cmp)
        return twin

    def remove(self, column_id: str) -> Chat | None:
        """Take a column out (stopping its answer); returns it, None when refused."""
        cmp = self.comparison
        if cmp is None or self._column(column_id) is None:
            return None
        try:
            col = compare.remove_column(cmp, column_id)
        except ComparisonError as exc:
            self.runner.notifier.post("warning", str(exc))
            return None
        self.stop(column_id)
        self.rounds.forget(column_id)
        self.column_removed.emit(column_id)
        self.marks_changed.emit(compare.column_marks(cmp))
        self._changed(cmp)
        return col

    def move(self, column_id: str, to_index: int) -> None:
        cmp = self.comparison
        if cmp is None or self._column(column_id) is None:
            return
        compare.move_column(cmp, column_id, to_index)
        self.columns_reordered.emit([c.id for c in cmp.columns])
        self._changed(cmp)

    def set_column_model(self, column_id: str, model: str) -> None:
        cmp = self.comparison
        if cmp is not None and self._column(column_id) is not None:
            compare.set_column_model(cmp, column_id, model, self.defaults())
            self._changed(cmp)

    def set_column_params(self, column_id: str, params: dict[str, object]) -> None:
        cmp = self.comparison
        if cmp is not None and self._column(column_id) is not None:
            compare.set_column_params(cmp, column_id, params, self.defaults())
            self._changed(cmp)

    def set_shared_params(
        self,
        params: dict[str, object],
        overridden: Collection[str] | None = None,
        preset: str | None = None,
    ) -> None:
        if self.comparison is not None:
            compare.set_shared_params(
                self.comparison, params, self.defaults(), overridden=overridden, preset=preset
            )
            self._changed(self.comparison)

    def restack(self, model: str) -> None:
        """The columns of ``model`` take its defaults (they changed) where they do not
        override them."""
        cmp = self.comparison
        if cmp is not None:
            compare.restack_columns(cmp, self.defaults(), model)
            self._changed(cmp)

    def set_system_prompt(self, text: str) -> None:
        if self.comparison is not None:
            compare.set_system_prompt(self.comparison, text)
            self._changed(self.comparison)

    def set_tool_servers(self, servers: list[str], allowed: list[str]) -> None:
        cmp = self.comparison
        if cmp is not None and (cmp.tool_servers, cmp.tool_allowed) != (servers, allowed):
            cmp.tool_servers, cmp.tool_allowed = list(servers), list(allowed)
            self._changed(cmp)

    def _changed(self, cmp: Chat) -> None:
        """Save a comparison that has messages (an empty new one is not worth a file)."""
        if any(col.messages for col in cmp.columns):
            self.runner.saver.touch(cmp)
        self.comparison_changed.emit(cmp)

    def merge(
        self, column_ids: list[str], model: str, recipe_name: str, recipe: str
    ) -> Chat | None:
        """A new column, marked as a merge of ``column_ids``, whose model is asked to merge
        their last answers by ``recipe``; None (and a notice) when it cannot be."""
        cmp = self.comparison
        if cmp is None:
            return None
        numbered = {col.id: n for n, col in enumerate(cmp.columns, 1)}
        sources: list[merging.Source] = []
        question = ""
        for column_id in column_ids:
            col = self._column(column_id)
            answer = compare.last_answer(col) if col is not None else None
            if col is None or answer is None or not answer.content.strip():
                continue
            asked = next((m for m in reversed(col.branch()) if m.role == "user"), None)
            question = question or (asked.content if asked is not None else "")
            label = f"Column {numbered[column_id]}"
            sources.append(merging.Source(f"{label} ({col.model})", answer.content))
        try:
            text = merging.prompt(recipe, question, sources)
        except ValueError as exc:
            self.runner.notifier.warning(str(exc))
            return None
        col = self.add_column(model)
        if col is None:
            return None
        labels = [s.label.split(" (")[0] for s in sources]
        col.title = merging.merge_title(labels, recipe_name)
        self.column_added.emit(col.id)  # shows the mark
        endpoint = self._endpoint(col)
        if endpoint is not None:
            self._ask(col, text, None, endpoint)
        self._changed(cmp)
        return col

    def continue_with(self, column_id: str) -> Chat | None:
        """A normal chat made from one column, saved; the window opens it."""
        cmp = self.comparison
        if cmp is None or self._column(column_id) is None:
            return None
        chat = compare.continue_with(cmp, column_id)
        try:
            self.runner.store.save(chat)
        except OSError as exc:
            self.runner.notifier.post("error", f"The new chat could not be saved: {exc}")
            return None
        return chat

    # --- the end ---------------------------------------------------------------------

    def save_all_now(self) -> None:
        """Write the comparison on screen and every one still streaming at once (quitting)."""
        cmp = self.comparison
        shown = [cmp] if cmp is not None and any(col.messages for col in cmp.columns) else []
        self.runner.save_now(shown)
