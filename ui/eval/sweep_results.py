"""The results of a parameter sweep: one row per cell, and a grid for two parameters.

:class:`SweepResults` lists every cell of a sweep (one combination of values, all its
repeats together) with its status and, once its answers are in, the statistics of
:func:`core.sweep.cell_stats`: mean length in characters and words, distinct-1,
distinct-2 and diversity (1 − the mean pairwise similarity; "—" with one answer). For
a sweep over two parameters, a toggle shows diversity, mean length, the evaluation's
mean score or its pass rate laid out as a grid of rows × columns, each cell tinted by
its value.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.repeats import NoiseCheck, cross_diversity, effect_vs_noise, is_effect
from core.sweep import CellStats, cell_stats, diversity
from ui.common.tone import tone_color

COLUMNS = ("Cell", "Mean chars", "Mean words", "Distinct-1", "Distinct-2", "Diversity", "Status")
STATUS_COLUMN = COLUMNS.index("Status")
STATUS_TEXT = {
    "waiting": "Waiting",
    "streaming": "Streaming…",
    "done": "Done",
    "error": "Error",
}
DASH = "—"
METRICS = ("Diversity", "Mean length (chars)", "Mean score", "Pass rate")


def _number(value: float) -> str:
    """``12.0`` → ``12``; ``12.25`` → ``12.3``."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _ratio(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def _item(text: str, align_right: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class SweepResults(QWidget):
    """The cells of a sweep as a table, with a grid view for two parameters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: list[str] = []
        self._statuses: list[str] = []
        self._stats: list[CellStats | None] = []
        self._texts: list[list[str]] = []
        self._scores: list[tuple[float | None, float | None]] = []  # mean score, pass rate
        self._rows: list[str] = []
        self._columns: list[str] = []

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setAccessibleName("Sweep results")

        self.grid = QTableWidget(0, 0, self)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.setAccessibleName("Sweep grid")

        self.table_button = QPushButton("Table", self)
        self.grid_button = QPushButton("Grid", self)
        self._view_buttons = QButtonGroup(self)
        for button in (self.table_button, self.grid_button):
            button.setCheckable(True)
            self._view_buttons.addButton(button)
        self.table_button.setChecked(True)
        self.metric_combo = QComboBox(self)
        self.metric_combo.addItems(METRICS)
        self.metric_combo.setAccessibleName("Grid value")
        # as narrow as the tab: the longest name is not the combo's least width
        self.metric_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.metric_combo.setMinimumContentsLength(10)
        self.grid_hint = QLabel(self)
        self.grid_hint.setWordWrap(True)  # the tab is narrow: the hint wraps, not widens it

        toggle = QHBoxLayout()
        toggle.setContentsMargins(0, 0, 0, 0)
        toggle.addWidget(self.table_button)
        toggle.addWidget(self.grid_button)
        toggle.addStretch(1)
        metric = QHBoxLayout()  # a line of its own: the Sweep tab is narrow
        metric.setContentsMargins(0, 0, 0, 0)
        metric.addWidget(self.metric_combo)
        metric.addWidget(self.grid_hint, 1)
        bar = QVBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addLayout(toggle)
        bar.addLayout(metric)
        self._toggle_bar = QWidget(self)
        self._toggle_bar.setLayout(bar)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.grid)

        self.noise_label = QLabel(self)
        self.noise_label.setObjectName("sweepNoise")
        self.noise_label.setWordWrap(True)
        self.noise_label.setToolTip(
            "Diversity: 1 − the mean word overlap of two answers. Between values: pairs of "
            "answers to different values; among repeats: pairs of answers to the same value. "
            "An effect counts when the first is clearly above the second."
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._toggle_bar)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.noise_label)

        self.table_button.toggled.connect(self._view_changed)
        self.metric_combo.currentIndexChanged.connect(self._fill_grid)
        self._toggle_bar.hide()
        self._view_changed()

    # --- cells ----------------------------------------------------------------------

    def set_cells(self, labels: list[str]) -> None:
        """Start over with one waiting row per cell, in the order of the sweep's plan.

        A grid set before is dropped; :meth:`set_grid` lays the new cells out again.
        """
        self._labels = list(labels)
        self._statuses = ["waiting"] * len(labels)
        self._stats = [None] * len(labels)
        self._texts = [[] for _ in labels]
        self._scores = [(None, None)] * len(labels)
        self._rows, self._columns = [], []
        self.table.setRowCount(len(labels))
        for row, text in enumerate(labels):
            label = _item(text, align_right=False)
            label.setToolTip(text)
            self.table.setItem(row, 0, label)
            self._fill_row(row)
        self._toggle_bar.hide()
        self.table_button.setChecked(True)
        self.grid.setRowCount(0)
        self.grid.setColumnCount(0)
        self.noise_label.setText("")

    def set_cell_status(self, index: int, status: str) -> None:
        """``waiting``, ``streaming``, ``done`` or ``error`` for the cell at ``index``."""
        if status not in STATUS_TEXT:
            raise ValueError(f"unknown cell status {status!r}")
        self._statuses[index] = status
        self._fill_row(index)

    def set_cell_stats(self, index: int, stats: CellStats) -> None:
        """The statistics of the cell at ``index`` when they are not of one list of
        texts (an evaluation's answers to several rows)."""
        self._stats[index] = stats
        self._fill_row(index)
        self._fill_grid()

    def set_cell_scores(self, index: int, score: float | None, pass_rate: float | None) -> None:
        """The cell's mean score and pass rate (0–1, None when nothing graded it)."""
        self._scores[index] = (score, pass_rate)
        self._fill_grid()

    def set_cell_texts(self, index: int, texts: list[str]) -> None:
        """The answers of the cell at ``index`` (one per repeat so far)."""
        self._stats[index] = cell_stats(texts)
        self._texts[index] = list(texts)
        for row in range(len(self._labels)):
            self._fill_row(row)
        self._fill_grid()
        self.noise_label.setText(self.noise().sentence())

    def noise(self) -> NoiseCheck:
        """The answers of every cell so far, between values against among repeats."""
        return effect_vs_noise(self._texts)

    def effect_against_first(self, index: int) -> str:
        """How the cell at ``index`` differs from the first cell, against the noise."""
        if index == 0 or not self._texts or not self._texts[0] or not self._texts[index]:
            return ""
        between = cross_diversity(self._texts[0], self._texts[index])
        within = effect_vs_noise([self._texts[0], self._texts[index]]).within
        if between is None:
            return ""
        if within is None:
            return f"Diversity against the first value {between:.2f} (no repeats to compare)."
        verdict = "an effect" if is_effect(between, within) else "within the noise"
        return (
            f"Diversity against the first value {between:.2f}, among their repeats "
            f"{within:.2f}: {verdict}."
        )

    def status(self, index: int) -> str:
        return self._statuses[index]

    def stats(self, index: int) -> CellStats | None:
        return self._stats[index]

    def _fill_row(self, row: int) -> None:
        stats = self._stats[row]
        if stats is None or stats.count == 0:
            values = ["", "", "", "", ""]
        else:
            values = [
                _number(stats.mean_chars),
                _number(stats.mean_words),
                _ratio(stats.distinct_1),
                _ratio(stats.distinct_2),
                _ratio(diversity(stats)),
            ]
        against = self.effect_against_first(row) if row < len(self._texts) else ""
        for column, text in enumerate(values, start=1):
            item = _item(text)
            if against and COLUMNS[column] == "Diversity":
                item.setToolTip(against)
            self.table.setItem(row, column, item)
        status = self._statuses[row]
        item = _item(STATUS_TEXT[status], align_right=False)
        if status == "error":
            item.setForeground(tone_color(self.palette(), "error"))
        elif status == "waiting":
            item.setForeground(tone_color(self.palette(), "muted"))
        self.table.setItem(row, STATUS_COLUMN, item)

    # --- the grid -------------------------------------------------------------------

    def set_grid(self, rows: list[str], columns: list[str]) -> None:
        """Lay the cells out as ``rows`` × ``columns`` (row-major, as planned).

        Raises ``ValueError`` when that is not the number of cells.
        """
        if len(rows) * len(columns) != len(self._labels):
            raise ValueError(f"{len(rows)} × {len(columns)} does not fit {len(self._labels)} cells")
        self._rows, self._columns = list(rows), list(columns)
        self.grid.setRowCount(len(rows))
        self.grid.setColumnCount(len(columns))
        self.grid.setVerticalHeaderLabels(self._rows)
        self.grid.setHorizontalHeaderLabels(self._columns)
        self._toggle_bar.show()
        self._fill_grid()

    def show_grid(self, on: bool) -> None:
        """Show the grid (when there is one) or the table."""
        (self.grid_button if on and self._rows else self.table_button).setChecked(True)

    def is_grid_shown(self) -> bool:
        return self.pages.currentWidget() is self.grid

    def grid_text(self, row: int, column: int) -> str:
        item = self.grid.item(row, column)
        return item.text() if item is not None else ""

    def _view_changed(self) -> None:
        grid = self.grid_button.isChecked() and bool(self._rows)
        self.pages.setCurrentWidget(self.grid if grid else self.table)
        self.metric_combo.setVisible(grid)
        self.grid_hint.setVisible(grid)

    def _metric_values(self) -> list[float | None]:
        metric = self.metric_combo.currentIndex()
        if metric >= 2:  # mean score, pass rate
            return [scores[metric - 2] for scores in self._scores]
        by_length = metric == 1
        values: list[float | None] = []
        for stats in self._stats:
            if stats is None or stats.count == 0:
                values.append(None)
            elif by_length:
                values.append(stats.mean_chars)
            else:
                values.append(diversity(stats))
        return values

    def _fill_grid(self) -> None:
        if not self._rows:
            return
        by_length = self.metric_combo.currentIndex() == 1
        values = self._metric_values()
        known = [v for v in values if v is not None]
        top = max(known, default=0.0) if by_length else 1.0
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        width = len(self._columns)
        percent = self.metric_combo.currentIndex() == 3
        for index, value in enumerate(values):
            if value is None:
                text = DASH if self._stats[index] is not None else ""
            elif percent:
                text = f"{value * 100:.0f}%"
            else:
                text = _number(value) if by_length else f"{value:.2f}"
            item = _item(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            item.setToolTip(self._labels[index])
            if value is not None and top > 0:
                tint = QColor(accent)
                tint.setAlphaF(0.1 + 0.5 * min(value / top, 1.0))
                item.setBackground(tint)
            self.grid.setItem(index // width, index % width, item)
        metric = METRICS[self.metric_combo.currentIndex()].lower()
        self.grid_hint.setText(f"Each cell: {metric}; the darker, the higher.")
