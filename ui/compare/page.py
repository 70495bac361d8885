"""The main window's compare mode, token-probability tab and parameter sweeps.

Compare mode swaps the chat view for a row of columns driven by a CompareController;
the composer sends to every column and the Parameters tab edits the shared set. A sweep
is a comparison of one model whose columns each take one cell of the sweep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from core.chat import Chat, ImagePart
from core.storage.format import summarize
from core.sweep import SweepCell, SweepError, label, plan
from ui.common.services import Services
from ui.compare.controller import CompareController
from ui.compare.sweep_panel import SweepPanel
from ui.compare.sweep_results import SweepResults
from ui.compare.view import CompareView
from ui.sampling.sampling_view import SamplingView
from ui.transcript.message_model import MessageRow

if TYPE_CHECKING:
    from ui.shell.main_window import MainWindow


class WindowCompare:
    def __init__(
        self, window: MainWindow, services: Services, controller: CompareController, theme: str
    ) -> None:
        self.window = window
        self.services = services
        self.controller = controller
        self.view = CompareView(theme, window)
        window.pages.addWidget(self.view)
        self.sampling = SamplingView(window)
        window.right.addTab(self.sampling, "Sampling")
        self.sweep_panel = SweepPanel(window)
        self.sweep_results = SweepResults(window)
        sweep_tab = QSplitter(Qt.Orientation.Vertical, window)
        sweep_tab.addWidget(self.sweep_panel)
        sweep_tab.addWidget(self.sweep_results)
        window.right.addTab(sweep_tab, "Sweep")
        self._sweep: list[SweepCell] = []
        self._sweep_group: list[int] = []  # column index → results row (repeats share one)
        self._connect()

    @property
    def active(self) -> bool:
        return self.window.pages.currentWidget() is self.view

    def _connect(self) -> None:
        ctl, view = self.controller, self.view
        ctl.comparison_reset.connect(self._reset)
        for signal in (ctl.column_added, ctl.column_removed, ctl.columns_reordered):
            signal.connect(self._columns_changed)
        ctl.column_rows_reset.connect(lambda cid, rows: self._col_view(cid, "set_rows", rows))
        ctl.column_row_appended.connect(lambda cid, row: self._col_view(cid, "append_row", row))
        ctl.column_stream_started.connect(lambda cid, row: self._col_view(cid, "start_stream", row))
        ctl.column_stream_text.connect(self._stream_text)
        ctl.column_stream_finished.connect(self._finished)
        ctl.column_generating.connect(self._generating)
        ctl.marks_changed.connect(self._marks)
        ctl.comparison_changed.connect(self._changed)
        ctl.notice.connect(self.window.show_notice)
        ctl.endpoint_problem.connect(self.window.dialogs.endpoint_problem)

        view.add_column_requested.connect(lambda: ctl.add_column(self.window.current_model()))
        view.column_model_clicked.connect(self._choose_column_model)
        view.column_params_changed.connect(ctl.set_column_params)
        view.column_stop_requested.connect(ctl.stop)
        view.column_regenerate_requested.connect(ctl.regenerate)
        view.column_retry_requested.connect(ctl.retry)
        view.column_duplicate_requested.connect(ctl.duplicate)
        view.column_remove_requested.connect(ctl.remove)
        view.column_move_requested.connect(self._move)
        view.column_continue_requested.connect(self._continue)
        self.sweep_panel.run_requested.connect(self.run_sweep)
        self.sweep_panel.stop_requested.connect(lambda: ctl.stop(None))

    # --- entering and leaving --------------------------------------------------------

    def new_comparison(self) -> None:
        settings = self.services.settings
        first = self.window.current_model() or settings.default_model
        others = [m for m in [*settings.recent_models, *settings.favourite_models] if m != first]
        models = [first, others[0] if others else first]
        params = self.window.params_panel.values()
        if self.controller.new_comparison(models, params, settings.active_profile):
            self.show()

    def open(self, chat: Chat) -> None:
        self.controller.open(chat)
        self.show()

    def show(self) -> None:
        self.window.cancel_edit()
        self.window.pages.setCurrentWidget(self.view)
        cmp = self.controller.comparison
        if cmp is not None:
            self.window.params_panel.set_values(cmp.params)
            self.window.header.set_system_prompt(cmp.system_prompt)
        count = len(cmp.columns) if cmp is not None else 0
        self.window.header.set_model(f"Comparison · {count} columns")
        self.sweep_panel.set_model(self.window.current_model())

    def leave(self) -> None:
        self.window.pages.setCurrentWidget(self.window.chat_view)

    # --- asking ----------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart]) -> bool:
        return self.controller.send(text, images)

    def stop(self) -> None:
        self.controller.stop(None)

    def run_sweep(self, axes: list[tuple[str, list[float | int]]], repeats: int) -> None:
        text = self.window.composer.text().strip()
        if not text:
            self.window.show_notice("warning", "Write the prompt to sweep in the message box.")
            return
        model = self.window.current_model()
        base = self.window.params_panel.values()
        try:
            cells = plan(base, axes, repeats)
        except SweepError as exc:
            self.window.show_notice("warning", str(exc))
            return
        cmp = self.controller.new_comparison([model] * len(cells), base, self.window.chat_profile())
        if cmp is None:
            return
        for column, cell in zip(cmp.columns, cells, strict=True):
            self.controller.set_column_params(column.id, cell.params(base))
        self._sweep = cells
        keys = list(dict.fromkeys(cell.key for cell in cells))
        self._sweep_group = [keys.index(cell.key) for cell in cells]
        firsts = [next(c for c in cells if c.key == key) for key in keys]
        self.sweep_results.set_cells([label(cell) for cell in firsts])
        if len(axes) == 2:
            (name1, values1), (name2, values2) = axes
            self.sweep_results.set_grid(
                [f"{name1} {v:g}" for v in values1], [f"{name2} {v:g}" for v in values2]
            )
        self.show()
        if self.controller.send(text, list(self.window.composer.images())):
            self.window.composer.clear()
            self.sweep_panel.set_running(True)

    # --- from the controller -----------------------------------------------------------

    def _reset(self, cmp: Chat) -> None:
        self._columns_changed()

    def _columns_changed(self, *_: object) -> None:
        cmp = self.controller.comparison
        if cmp is None:
            return
        self.view.set_columns([(col.id, col.model) for col in cmp.columns])
        for col in cmp.columns:
            column = self.view.column(col.id)
            if column is not None:
                column.set_overrides(col.overridden)
                column.set_params(col.params)
        self.window.header.set_model(f"Comparison · {len(cmp.columns)} columns")

    def _col_view(self, column_id: str, method: str, arg: object) -> None:
        column = self.view.column(column_id)
        if column is not None:
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
        message = row.message
        column.set_stats(message.stats, message.error if message.status == "error" else None)
        self.sampling.set_answer(message)
        self._sweep_progress()

    def _generating(self, column_id: str, generating: bool) -> None:
        column = self.view.column(column_id)
        if column is not None:
            column.set_generating(generating)
        self.window.composer.set_generating(self.controller.is_generating())

    def _marks(self, marks: dict[str, set[str]]) -> None:
        for column_id, names in marks.items():
            column = self.view.column(column_id)
            if column is not None:
                column.set_marks(names)

    def _changed(self, cmp: Chat) -> None:
        if cmp is self.controller.comparison:
            for col in cmp.columns:
                column = self.view.column(col.id)
                if column is not None:
                    column.set_overrides(col.overridden)
                    column.set_model(col.model)
        if any(col.messages for col in cmp.columns):
            self.window.sidebar.upsert(summarize(cmp))
            self.window.sidebar.set_current(cmp.id)

    def _sweep_progress(self) -> None:
        """Fill the sweep results: one row per cell, its repeats' answers together."""
        cmp = self.controller.comparison
        if not self._sweep or cmp is None or len(cmp.columns) != len(self._sweep):
            return
        statuses: dict[int, list[str]] = {}
        texts: dict[int, list[str]] = {}
        for group, col in zip(self._sweep_group, cmp.columns, strict=True):
            branch = col.branch()
            answer = branch[-1] if branch and branch[-1].role == "assistant" else None
            status = answer.status if answer is not None else "waiting"
            statuses.setdefault(group, []).append(status)
            if answer is not None and answer.status == "done":
                texts.setdefault(group, []).append(answer.content)
        for group, seen in statuses.items():
            if any(s in ("error", "stopped") for s in seen):
                overall = "error"
            elif all(s == "done" for s in seen):
                overall = "done"
            else:
                overall = "streaming"
            self.sweep_results.set_cell_status(group, overall)
            if group in texts:
                self.sweep_results.set_cell_texts(group, texts[group])
        if not self.controller.is_generating():
            self.sweep_panel.set_running(False)

    # --- from the view ----------------------------------------------------------------

    def _choose_column_model(self, column_id: str) -> None:
        self.window.dialogs.choose_model(
            lambda model: self.controller.set_column_model(column_id, model)
        )

    def _move(self, column_id: str, step: int) -> None:
        cmp = self.controller.comparison
        if cmp is None:
            return
        ids = [col.id for col in cmp.columns]
        if column_id in ids:
            self.controller.move(column_id, ids.index(column_id) + step)

    def _continue(self, column_id: str) -> None:
        chat = self.controller.continue_with(column_id)
        if chat is not None:
            self.window.sidebar.upsert(summarize(chat))
            self.leave()
            self.window.open_chat(chat.id)
