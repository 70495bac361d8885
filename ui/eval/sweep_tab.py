"""The Sweep tab: one model × a grid of one or two parameters, run as an evaluation.

The form (:class:`SweepPanel`, also opened by the Columns tab's Sweep… button) makes
evaluation columns (:func:`core.eval.columns.sweep_configs`); :func:`run_sweep` runs
them. From a chat or a comparison the prompt in the message box becomes a one-row test set; on the
evaluation page the sweep's columns take the place of the columns (with an undo) and the
test set's rows are asked. The results (:class:`SweepResults`) follow the evaluation on
screen whenever its columns come from a sweep: per grid point its status, answer length
and diversity, and the grid of two parameters by diversity, length, score or pass rate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from core.eval.columns import (
    SweepGrid,
    point_stats,
    point_texts,
    sweep_configs,
    sweep_grid,
    sweep_testset,
)
from core.eval.model import Run
from core.eval.summary import summarize
from core.sweep import Number, SweepError
from ui.eval.controller import EvalController
from ui.eval.page import EvalPage
from ui.eval.sweep_panel import SweepPanel
from ui.eval.sweep_results import SweepResults

REFRESH_MS = 250  # the results follow a running sweep at most four times a second
NO_SWEEP = (
    "Choose a parameter and its values, then Run sweep: from a chat the prompt in the "
    "message box is asked, on an evaluation its test set. The results show here."
)

Axes = list[tuple[str, list[Number]]]


class SweepTab(QWidget):
    """The sweep form above the results of the evaluation on screen, when it is a sweep."""

    run_requested = Signal(list, int)  # axes, repeats: the window knows what to sweep

    def __init__(self, controller: EvalController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._following: tuple[str, int] | None = None  # what set_model last gave
        self.panel = SweepPanel(self)
        self.results = SweepResults(self)
        self.hint = QLabel(NO_SWEEP, self)
        self.hint.setWordWrap(True)
        self.hint.setObjectName("sweepHint")
        below = QWidget(self)
        column = QVBoxLayout(below)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.hint)
        column.addWidget(self.results, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.panel)
        splitter.addWidget(below)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.grid: SweepGrid | None = None
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.panel.run_requested.connect(self.run_requested)
        self.panel.stop_requested.connect(self._stop)
        controller.run_changed.connect(self._run_changed)
        controller.cell_changed.connect(self._soon)
        controller.cells_changed.connect(self._soon)
        controller.progressed.connect(self._progressed)

    def set_model(self, model: str, prompts: int = 1) -> None:
        """The model a sweep would ask, and how many prompts (rows) each point gets.
        The same again changes nothing (each column's start of a send says so)."""
        if (model, prompts) == self._following:
            return
        self._following = (model, prompts)
        self.panel.set_model(model)
        self.panel.set_prompts(prompts)

    # --- following the evaluation ----------------------------------------------------------

    def _run_changed(self) -> None:
        run = self.controller.run
        self.grid = sweep_grid(run.configs) if run is not None else None
        self.hint.setVisible(self.grid is None)
        if self.grid is None:
            self.results.set_cells([])
        else:
            self.results.set_cells([c.label for c in self.grid.points])
            if len(self.grid.axes) == 2:
                self.results.set_grid(self.grid.rows, self.grid.columns)
        self._progressed()
        self.refresh()

    def _progressed(self) -> None:
        self.panel.set_running(self.grid is not None and self.controller.busy())

    def _soon(self, *_: object) -> None:
        if self.grid is None:
            return
        if not self.isVisible():
            self._dirty = True  # filled when the tab is shown
        elif not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        """Every grid point's status, answer statistics, score and pass rate."""
        self._dirty = False
        run, grid = self.controller.run, self.grid
        if run is None or grid is None:
            return
        summaries = {s.config_id: s for s in summarize(run, self.controller.prices())}
        one_row = len(run.testset.rows) == 1
        for index, config in enumerate(grid.points):
            self.results.set_cell_status(index, _status(run, config.id, self.controller))
            by_row = point_texts(run, config.id)
            if one_row and by_row:
                self.results.set_cell_texts(index, next(iter(by_row.values())))
            elif by_row:
                self.results.set_cell_stats(index, point_stats(by_row))
            summary = summaries.get(config.id)
            if summary is not None:
                self.results.set_cell_scores(index, summary.mean_score, summary.pass_rate)

    def _stop(self) -> None:
        asyncio.get_running_loop().create_task(self.controller.stop(), name="sweep-stop")


def _status(run: Run, config_id: str, controller: EvalController) -> str:
    """A grid point's state over its cells: error, done, streaming or waiting."""
    cells = [c for c in run.cells if c.config_id == config_id]
    if any(c.failed or (c.answer is not None and c.answer.status == "stopped") for c in cells):
        return "error"
    if cells and all(c.finished for c in cells):
        return "done"
    if any(controller.request_state(c.key) == "running" for c in cells):
        return "streaming"
    return "waiting"


def run_sweep(
    page: EvalPage,
    axes: Axes,
    repeats: int,
    *,
    model: str,
    base: Mapping[str, object],
    prompt: str | None,
    system: str = "",
) -> bool:
    """Run a sweep of ``model`` as an evaluation; False (and a message) when it cannot.

    ``prompt``: the question of a sweep from a chat or comparison (a new evaluation of
    one row); None on the evaluation page, where the sweep's columns replace the columns
    (an undo is offered) and the run asks first, showing its estimate.
    """
    notifier = page.notifier
    if page.controller.busy():
        notifier.warning("An evaluation is running: stop it before starting a sweep.")
        return False
    try:
        configs = sweep_configs(model, base, axes)
    except SweepError as exc:
        notifier.warning(str(exc))
        return False
    if prompt is None:
        if not page.testset.rows:
            notifier.warning("Add the rows the sweep should ask (Test set tab).")
            return False
        before = list(page.configs)
        page.set_columns(configs)
        page.repeats.setValue(repeats)
        if before:
            notifier.offer_undo(
                f"The sweep's {len(configs)} columns replaced {len(before)}",
                lambda: page.set_columns(before),
            )
        return page.start_run()
    if not prompt.strip():
        notifier.warning("Write the prompt to sweep in the message box.")
        return False
    page.new_evaluation()
    page.set_testset(sweep_testset(prompt, system), configs)
    page.repeats.setValue(repeats)
    return page.start_run(confirm=False)
