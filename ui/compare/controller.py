"""One comparison on screen: several columns asked at once, each streaming on its own.

Every column's answer runs in its own asyncio task (``compare:<comparison id>:<column
id>``), so a slow, failing or stopped column never holds up another. The comparison is
what gets saved: the columns are part of its file. Signals name the column they concern;
the window shows them only for the comparison on screen.
"""

from __future__ import annotations

import asyncio
import logging

import msgspec
from PySide6.QtCore import Signal

from core import compare, conversation
from core.api.accumulator import StreamAccumulator
from core.api.errors import APIError
from core.chat import Chat, ImagePart, Message
from core.compare import ComparisonError
from core.endpoint import Endpoint
from core.storage.saver import ThrottledSaver
from ui.answers.runner import StreamingController, branch_rows, row_of

log = logging.getLogger(__name__)


class _ComparisonSaver:
    """The saver handed to ``run_answer`` for a column: a change to the column saves the
    comparison that holds it."""

    def __init__(self, saver: ThrottledSaver, cmp: Chat) -> None:
        self._saver = saver
        self._cmp = cmp

    def touch(self, chat: Chat) -> None:
        self._saver.touch(self._cmp)

    async def flush(self) -> None:
        await self._saver.flush()


class CompareController(StreamingController):
    comparison_reset = Signal(object)  # Chat: another comparison on screen
    column_added = Signal(str)  # column id
    column_removed = Signal(str)  # column id
    columns_reordered = Signal(list)  # list[str]: every column id, in the new order
    column_rows_reset = Signal(str, list)  # column id, list[MessageRow]
    column_row_appended = Signal(str, object)  # column id, MessageRow
    column_stream_started = Signal(str, object)  # column id, MessageRow
    # column id, message id, content, reasoning, tool calls
    column_stream_text = Signal(str, str, str, str, object)
    column_stream_finished = Signal(str, object)  # column id, MessageRow
    column_generating = Signal(str, bool)  # column id, whether its answer is streaming
    marks_changed = Signal(dict)  # dict[column id, set[str]] (see core.compare.column_marks)
    comparison_changed = Signal(object)  # Chat: title, columns, params or messages changed

    comparison: Chat | None = None  # the comparison on screen

    # --- which comparison ----------------------------------------------------------

    def new_comparison(
        self, models: list[str], params: dict[str, object], profile: str = ""
    ) -> Chat | None:
        """Show a new comparison; None (and a notice) when the models cannot make one."""
        try:
            cmp = compare.new_comparison(models, params, profile)
        except ComparisonError as exc:
            self.notice.emit("warning", str(exc))
            return None
        self._show(cmp)
        return cmp

    def open(self, cmp: Chat) -> Chat:
        """Show a comparison; one whose columns are still streaming is shown as it is in
        memory. Returns the comparison shown."""
        shown = self._live.get(cmp.id)
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
        self.marks_changed.emit(compare.column_marks(cmp))

    def _running(self, column_id: str) -> bool:
        task = self._tasks.get(column_id)
        return task is not None and not task.done()

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
        said: set[tuple[str, str]] = set()
        for number, col in enumerate(cmp.columns, 1):
            if self._running(col.id):
                self.notice.emit(
                    "info", f"Column {number} is still answering; it did not get this message."
                )
                continue
            endpoint = self._resolve(cmp, col, said)
            if endpoint is not None:
                endpoints[col.id] = endpoint
        if not endpoints:
            return False
        started = compare.send_to_all(cmp, text, images, only=endpoints)
        for col, answer in started:
            self.column_row_appended.emit(col.id, branch_rows(col)[-2])
            self._start(cmp, col, answer, endpoints[col.id])
        self.comparison_changed.emit(cmp)
        return True

    def regenerate(self, column_id: str) -> None:
        """A new answer in one column, beside its last one."""
        cmp, col = self.comparison, self._column(column_id)
        if cmp is None or col is None or self._running(column_id):
            return
        endpoint = self._resolve(cmp, col)
        if endpoint is None:
            return
        try:
            _, answer = compare.regenerate_column(cmp, column_id)
        except ComparisonError as exc:
            self.notice.emit("info", str(exc))
            return
        self.column_rows_reset.emit(column_id, branch_rows(col)[:-1])
        self._start(cmp, col, answer, endpoint)

    def retry(self, column_id: str, answer_id: str) -> None:
        """Ask again, in place, for a failed or stopped answer of one column."""
        cmp, col = self.comparison, self._column(column_id)
        if cmp is None or col is None or self._running(column_id):
            return
        answer = col.by_id().get(answer_id)
        if answer is None or answer.role != "assistant":
            return
        endpoint = self._resolve(cmp, col)
        if endpoint is None:
            return
        conversation.reset_answer(answer)
        answer.model = col.model
        if col.leaf != answer_id:
            col.switch_to(answer_id)
        self.column_rows_reset.emit(column_id, branch_rows(col)[:-1])
        self._start(cmp, col, answer, endpoint)

    def stop(self, column_id: str | None = None) -> None:
        """Stop one column's answer, or every column's on screen."""
        columns = self.comparison.columns if self.comparison is not None else []
        for cid in [column_id] if column_id is not None else [col.id for col in columns]:
            task = self._tasks.get(cid)
            if task is not None and not task.done():
                task.cancel()

    def _resolve(
        self, cmp: Chat, col: Chat, said: set[tuple[str, str]] | None = None
    ) -> Endpoint | None:
        """The column's endpoint (its profile, else the comparison's); a problem is said
        once per ``said`` and the column is not asked."""
        asked = col
        if not col.profile and cmp.profile:
            asked = msgspec.structs.replace(col, profile=cmp.profile)
        try:
            return self._endpoint_for(asked)
        except Exception as exc:  # no key, bad URL, keyring locked: say it, send nothing
            problem = (asked.profile, str(exc))
            if said is None or problem not in said:
                self.endpoint_problem.emit(*problem)
            if said is not None:
                said.add(problem)
            return None

    def _start(self, cmp: Chat, col: Chat, answer: Message, endpoint: Endpoint) -> None:
        self._saver.touch(cmp)
        self._live[cmp.id] = cmp
        self.column_stream_started.emit(col.id, row_of(col, answer))
        task = asyncio.get_running_loop().create_task(
            self._run(cmp, col, answer, endpoint), name=f"compare:{cmp.id}:{col.id}"
        )
        self._tasks[col.id] = task
        self.column_generating.emit(col.id, True)
        if self.comparison is cmp:  # the column's earlier answer no longer counts
            self.marks_changed.emit(compare.column_marks(cmp))

    async def _run(self, cmp: Chat, col: Chat, answer: Message, endpoint: Endpoint) -> Message:
        def progress(message: Message, acc: StreamAccumulator) -> None:
            self._streams[message.id] = acc
            if self.comparison is cmp:
                self.column_stream_text.emit(
                    col.id, message.id, message.content, message.reasoning, message.tool_calls
                )

        def retrying(error: APIError, delay: float) -> None:
            if self.comparison is cmp:
                self.notice.emit("info", f"{error.message} Retrying in {delay:.0f} s…")

        try:
            await conversation.run_answer(
                self._client,
                endpoint,
                col,
                answer,
                col.params,
                _ComparisonSaver(self._saver, cmp),
                on_progress=progress,
                on_retry=retrying,
            )
        except asyncio.CancelledError:
            pass  # stopped: run_answer kept the partial answer and saved it
        except Exception as exc:  # e.g. the save failed: this column alone is affected
            log.exception("column %s of comparison %s failed", col.id, cmp.id)
            if answer.status == "streaming":
                answer.status = "error"
            if self.comparison is cmp:
                self.notice.emit("error", f"A column could not be finished: {exc}")
        finally:
            self._streams.pop(answer.id, None)
            if self._tasks.get(col.id) is asyncio.current_task():
                del self._tasks[col.id]
            if not any(self._running(c.id) for c in cmp.columns):
                self._live.pop(cmp.id, None)
            if self.comparison is cmp and any(c is col for c in cmp.columns):
                self.column_stream_finished.emit(col.id, row_of(col, answer))
                self.column_generating.emit(col.id, False)
                self.marks_changed.emit(compare.column_marks(cmp))
            self.comparison_changed.emit(cmp)
        return answer

    # --- columns and settings --------------------------------------------------------

    def add_column(self, model: str) -> Chat | None:
        """A new, empty column on the shared parameters; None (and a notice) when full."""
        cmp = self.comparison
        if cmp is None:
            return None
        try:
            col = compare.add_column(cmp, model)
        except ComparisonError as exc:
            self.notice.emit("warning", str(exc))
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
            self.notice.emit("warning", str(exc))
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
            self.notice.emit("warning", str(exc))
            return None
        self.stop(column_id)
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
            compare.set_column_model(cmp, column_id, model)
            self._changed(cmp)

    def set_column_params(self, column_id: str, params: dict[str, object]) -> None:
        cmp = self.comparison
        if cmp is not None and self._column(column_id) is not None:
            compare.set_column_params(cmp, column_id, params)
            self._changed(cmp)

    def set_shared_params(self, params: dict[str, object]) -> None:
        if self.comparison is not None:
            compare.set_shared_params(self.comparison, params)
            self._changed(self.comparison)

    def set_system_prompt(self, text: str) -> None:
        if self.comparison is not None:
            compare.set_system_prompt(self.comparison, text)
            self._changed(self.comparison)

    def _changed(self, cmp: Chat) -> None:
        """Save a comparison that has messages (an empty new one is not worth a file)."""
        if any(col.messages for col in cmp.columns):
            self._saver.touch(cmp)
        self.comparison_changed.emit(cmp)

    def continue_with(self, column_id: str) -> Chat | None:
        """A normal chat made from one column, saved; the window opens it."""
        cmp = self.comparison
        if cmp is None or self._column(column_id) is None:
            return None
        chat = compare.continue_with(cmp, column_id)
        try:
            self._store.save(chat)
        except OSError as exc:
            self.notice.emit("error", f"The new chat could not be saved: {exc}")
            return None
        return chat

    # --- the end ---------------------------------------------------------------------

    def save_all_now(self) -> None:
        """Write every open comparison at once (the app is quitting); see ``_save_now``."""
        comparisons = dict(self._live)
        cmp = self.comparison
        if cmp is not None and any(col.messages for col in cmp.columns):
            comparisons[cmp.id] = cmp
        self._save_now(comparisons.values())
