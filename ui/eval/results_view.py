"""The Results tab of the evaluation page: reading a run while it fills and after.

Above the matrix, the estimate of the next run, the run's buttons (the page connects
them), the progress (done / failed / total, an ETA, a 429's wait) and the filters;
the matrix itself (rows × columns, a cell's repeats together; Enter or a double click
opens a cell whole, where it is graded by keyboard; its menu re-runs the cell, row or
column); under it the summary per column. While a run goes, the progress line is
redrawn at most ten times a second and the summary four times.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.eval.runs import to_send
from core.eval.summary import agreement, summarize, variable_values
from ui.eval.cell_dialog import CellDialog
from ui.eval.controller import EvalController
from ui.eval.matrix_model import MatrixModel
from ui.eval.summary_view import SummaryView

SUMMARY_DELAY_MS = 250
PROGRESS_DELAY_MS = 100  # the progress line is redrawn at most ten times a second
WAIT_TICK_MS = 1000  # a 429's wait counts down by the second
ROW_HEIGHT = 52
VARIABLE_VALUES_SHOWN = 50


class ResultsView(QWidget):
    busy_changed = Signal()  # a run started or ended

    def __init__(self, controller: EvalController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.theme = "light"
        self._was_busy = False
        self._build()
        self._wire()

    def _build(self) -> None:
        self.estimate_label = QLabel(self)
        self.run_button = QPushButton("Run (F5)", self)
        self.stop_button = QPushButton("Stop", self)
        self.resume_button = QPushButton("Resume", self)
        self.failed_button = QPushButton("Re-run failed (Shift+F5)", self)
        self.judge_button = QPushButton("Judge", self)
        self.export_button = QPushButton("Export results…", self)
        self.compare_button = QPushButton("Compare with…", self)
        self.progress = QProgressBar(self)
        self.progress.setFormat("%v / %m")
        self.progress_label = QLabel(self)
        self.filter = QComboBox(self)
        self.filter.addItem("All rows", "all")
        self.filter.addItem("Failing only", "failing")
        self.filter.addItem("Columns disagree", "disagree")
        self.variable = QComboBox(self)
        self.variable.setToolTip("Only rows where a variable has one value")
        self.matrix = QTableView(self)
        self.matrix.setObjectName("evalMatrix")
        self.matrix_model = MatrixModel()
        self.matrix.setModel(self.matrix_model)
        self.matrix.setWordWrap(True)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.matrix.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.summary = SummaryView(self)
        buttons = QHBoxLayout()
        for w in (
            self.run_button,
            self.stop_button,
            self.resume_button,
            self.failed_button,
            self.judge_button,
            self.export_button,
            self.compare_button,
        ):
            buttons.addWidget(w)
        buttons.addStretch(1)
        line = QHBoxLayout()
        line.addWidget(self.progress, 1)
        line.addWidget(self.progress_label)
        line.addWidget(self.filter)
        line.addWidget(self.variable)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.estimate_label)
        column.addLayout(buttons)
        column.addLayout(line)
        column.addWidget(self.matrix, 1)
        column.addWidget(self.summary)
        self.dialog = CellDialog(self)
        self._summary_timer = self._single_shot(SUMMARY_DELAY_MS, self._refresh_summary)
        self._progress_timer = self._single_shot(PROGRESS_DELAY_MS, self._show_progress)

    def _single_shot(self, ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def _wire(self) -> None:
        c = self.controller
        c.cell_changed.connect(self._cell_changed)
        c.cells_changed.connect(self.matrix_model.refresh_all)
        self.matrix_model.request_state = c.request_state
        c.progressed.connect(self._progressed)
        c.run_changed.connect(self._run_changed)
        self.stop_button.clicked.connect(self.stop)
        self.filter.currentIndexChanged.connect(self._refilter)
        self.variable.currentIndexChanged.connect(self._refilter)
        self.matrix.activated.connect(self.open_cell)
        self.matrix.customContextMenuRequested.connect(self._matrix_menu)
        self.dialog.graded.connect(self._graded)
        self.dialog.step_requested.connect(self._step_cell)

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        self.matrix_model.dark = theme == "dark"
        self.matrix_model.layoutChanged.emit()

    def stop(self) -> None:
        asyncio.get_running_loop().create_task(self.controller.stop(), name="eval-stop")

    # --- following the run ----------------------------------------------------------------

    def _run_changed(self) -> None:
        run = self.controller.run
        self.matrix_model.prices = self.controller.prices()
        self.matrix_model.set_run(run)
        self.variable.blockSignals(True)
        self.variable.clear()
        self.variable.addItem("Any variable value", None)
        if run is not None:
            for name, values in variable_values(run).items():
                for value in values[:VARIABLE_VALUES_SHOWN]:
                    self.variable.addItem(f"{name} = {value}", f"{name}={value}")
        self.variable.blockSignals(False)
        self._refresh_summary()

    def _cell_changed(self, key: str) -> None:
        self.matrix_model.refresh_cell(key)
        if not self._summary_timer.isActive():  # at most four summaries a second
            self._summary_timer.start()

    def _progressed(self) -> None:
        """Counts changed: a start or end shows (and is told the page) at once; the
        counts while a run goes on at most every ``PROGRESS_DELAY_MS``."""
        busy = self.controller.busy()
        if busy != self._was_busy:
            self._was_busy = busy
            self._show_progress()
            self.busy_changed.emit()
        elif not self._progress_timer.isActive():
            self._progress_timer.start(PROGRESS_DELAY_MS)

    def _show_progress(self) -> None:
        self._progress_timer.stop()
        done, failed, total = self.controller.counts()
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done + failed)
        eta = self.controller.eta_s()
        text = f"{done} done · {failed} failed · {total} total"
        if eta is not None:
            text += f" · about {eta:.0f} s left"
        busy = self.controller.busy()
        paused = self.controller.paused_s() if busy else 0.0
        if paused > 0:
            text += f" · the endpoint asked to slow down (429): waiting {paused:.0f} s"
            self._progress_timer.start(WAIT_TICK_MS)
        self.progress_label.setText(text)
        run = self.controller.run
        self.stop_button.setEnabled(busy)
        self.resume_button.setEnabled(not busy and run is not None and bool(to_send(run)))
        self.failed_button.setEnabled(not busy and failed > 0)

    def _refresh_summary(self) -> None:
        run = self.controller.run
        if run is None:
            self.summary.set_summaries([], [])
            return
        self.summary.set_summaries(summarize(run, self.controller.prices()), agreement(run))

    def _refilter(self) -> None:
        self.matrix_model.filter = self.filter.currentData() or "all"
        chosen = self.variable.currentData()
        name, _, value = str(chosen or "").partition("=")
        self.matrix_model.variable = (name, value) if chosen else None
        self.matrix_model.refilter()

    # --- one cell -------------------------------------------------------------------------

    def open_cell(self, index: QModelIndex | QPersistentModelIndex) -> None:
        cells = self.matrix_model.cells_at(index)
        run = self.controller.run
        if not cells or run is None:
            return
        self.matrix.setCurrentIndex(index)
        self.dialog.show_cells(run, cells, self.theme)
        if not self.dialog.isVisible():
            self.dialog.open()

    def _step_cell(self, step: int) -> None:
        current = self.matrix.currentIndex()
        columns = self.matrix_model.columnCount()
        if columns == 0 or self.matrix_model.rowCount() == 0:
            return
        flat = max(0, current.row()) * columns + max(0, current.column()) + step
        flat = max(0, min(flat, self.matrix_model.rowCount() * columns - 1))
        self.open_cell(self.matrix_model.index(flat // columns, flat % columns))

    def _graded(self, key: str) -> None:
        self.matrix_model.refresh_cell(key)
        self._summary_timer.start()
        self.controller.save_soon()

    def _matrix_menu(self, pos: QPoint) -> None:
        index = self.matrix.indexAt(pos)
        cells = self.matrix_model.cells_at(index)
        if not cells:
            return
        menu = QMenu(self.matrix)
        cell = cells[0]
        start = self.controller.start
        menu.addAction("Open (Enter)", lambda: self.open_cell(index))
        menu.addAction("Re-run this cell", lambda: start("all", keys=[c.key for c in cells]))
        menu.addAction("Re-run this row", lambda: start("all", rows=[cell.row_id]))
        menu.addAction("Re-run this column", lambda: start("all", configs=[cell.config_id]))
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(self.matrix.viewport().mapToGlobal(pos))
