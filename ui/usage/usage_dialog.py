"""View › Usage and cost: tokens and cost per day, model or endpoint over a period.

:class:`UsageDialog` reads the chat files on this computer (:func:`core.usage.scan`, off
the GUI thread) and sums what it finds for the period chosen, as a chart and a table;
the sums are costed with the price table as it is now and can be exported as CSV.
Nothing is asked of any server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.storage.atomic import atomic_write_bytes
from core.usage import GroupBy, Scan, UsageRow, day_start, fill_days, rows_csv, scan, summarize
from ui.common.notifier import Notifier
from ui.common.services import Services
from ui.common.tone import set_tone
from ui.usage.chart import Metric, UsageChart

PERIODS = (
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("This month", -1),
    ("This year", -2),
    ("All time", 0),
    ("Custom…", -3),
)
GROUPS: tuple[tuple[str, GroupBy], ...] = (
    ("Day", "day"),
    ("Model", "model"),
    ("Endpoint", "endpoint"),
)
COLUMNS = ("", "Answers", "Prompt tokens", "Completion tokens", "Cached", "Cost")


def _midnight(day: dt.date) -> float:
    return time.mktime(day.timetuple())


def _right(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class UsageDialog(QDialog):
    def __init__(self, services: Services, notifier: Notifier, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.notifier = notifier
        self.setWindowTitle("Usage and cost")
        self.resize(860, 620)
        self._scan: Scan | None = None
        self._rows: list[UsageRow] = []
        self._task: asyncio.Task[None] | None = None

        self.period = QComboBox(self)
        for text, days in PERIODS:
            self.period.addItem(text, days)
        self.period.setCurrentIndex(1)
        self.start_edit = QDateEdit(self)
        self.end_edit = QDateEdit(self)
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(self._refresh)
        today = QDate.currentDate()
        self.start_edit.setDate(today.addDays(-29))
        self.end_edit.setDate(today)
        self.group = QComboBox(self)
        for text, by in GROUPS:
            self.group.addItem(text, by)
        self.metric_buttons = QButtonGroup(self)
        metric_row = QHBoxLayout()
        metric_row.setSpacing(0)
        for text, metric in (("Tokens", "tokens"), ("Cost", "cost")):
            button = QToolButton(self)
            button.setText(text)
            button.setCheckable(True)
            button.setProperty("metric", metric)
            self.metric_buttons.addButton(button)
            metric_row.addWidget(button)
        self.metric_buttons.buttons()[0].setChecked(True)
        self.metric_buttons.buttonClicked.connect(lambda _b: self._refresh())
        self.period.currentIndexChanged.connect(self._period_changed)
        self.group.currentIndexChanged.connect(self._refresh)
        self.reload_button = QPushButton("&Reload", self)
        self.reload_button.setToolTip("Read the chat files again")
        self.reload_button.clicked.connect(self.reload)
        self.export_button = QPushButton("&Export CSV…", self)
        self.export_button.clicked.connect(self._choose_export)

        controls = QHBoxLayout()
        period_label = QLabel("&Period", self)
        period_label.setBuddy(self.period)
        for widget in (period_label, self.period, self.start_edit, QLabel("to", self)):
            controls.addWidget(widget)
        controls.addWidget(self.end_edit)
        controls.addSpacing(12)
        by_label = QLabel("&By", self)
        by_label.setBuddy(self.group)
        controls.addWidget(by_label)
        controls.addWidget(self.group)
        controls.addSpacing(12)
        controls.addLayout(metric_row)
        controls.addStretch(1)
        controls.addWidget(self.reload_button)
        controls.addWidget(self.export_button)

        self.summary = QLabel("Reading the chat files on this computer…", self)
        self.summary.setWordWrap(True)
        self.chart = UsageChart(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        note = QLabel(
            "From the chat files on this computer only: answers deleted (or made on another "
            "machine) are not counted. Costs use your current prices (Settings › Prices…); "
            "an answer whose model has no price, or whose server sent no token counts, is "
            "of unknown cost and is never counted as $0.",
            self,
        )
        note.setWordWrap(True)
        set_tone(note, "muted")
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        layout.addWidget(note)

    # --- reading ----------------------------------------------------------------------

    def reload(self) -> None:
        """Read the chat files again (off the GUI thread), then show the sums."""
        if self._task is not None and not self._task.done():
            return
        self.summary.setText("Reading the chat files on this computer…")
        self.reload_button.setEnabled(False)
        self._task = asyncio.get_running_loop().create_task(self._load(), name="usage")

    async def _load(self) -> None:
        folder = self.services.store.folder
        try:
            found = await asyncio.to_thread(scan, folder)
        finally:
            self.reload_button.setEnabled(True)
        self._scan = found
        self._refresh()

    def loaded(self) -> bool:
        return self._scan is not None

    # --- what is shown ------------------------------------------------------------------

    def by(self) -> GroupBy:
        value = self.group.currentData()
        return value if value in ("day", "model", "endpoint") else "day"

    def shown_metric(self) -> Metric:
        checked = self.metric_buttons.checkedButton()
        return "cost" if checked is not None and checked.property("metric") == "cost" else "tokens"

    def set_period(self, label: str) -> None:
        index = self.period.findText(label)
        if index >= 0:
            self.period.setCurrentIndex(index)

    def set_group(self, by: GroupBy) -> None:
        self.group.setCurrentIndex(self.group.findData(by))

    def set_metric(self, metric: Metric) -> None:
        for button in self.metric_buttons.buttons():
            button.setChecked(button.property("metric") == metric)
        self._refresh()

    def span(self) -> tuple[float | None, float | None]:
        """The period as [start, end) Unix times of local midnights (None: open)."""
        days = self.period.currentData()
        today = dt.date.today()
        end = _midnight(today + dt.timedelta(days=1))
        if days == 0:
            return None, None
        if days == -1:
            return _midnight(today.replace(day=1)), end
        if days == -2:
            return _midnight(today.replace(month=1, day=1)), end
        if days == -3:
            first = self.start_edit.date().toPython()
            last = self.end_edit.date().toPython()
            assert isinstance(first, dt.date) and isinstance(last, dt.date)
            return _midnight(first), _midnight(last + dt.timedelta(days=1))
        return _midnight(today - dt.timedelta(days=int(days) - 1)), end

    def _period_changed(self) -> None:
        custom = self.period.currentData() == -3
        self.start_edit.setEnabled(custom)
        self.end_edit.setEnabled(custom)
        self._refresh()

    def rows(self) -> list[UsageRow]:
        return list(self._rows)

    def _refresh(self) -> None:
        found = self._scan
        if found is None:
            return
        by = self.by()
        start, end = self.span()
        prices = self.services.settings.prices
        rows = summarize(found.records, prices, by, start, end)
        if by == "day" and rows:
            first = start if start is not None else day_start(rows[0].key)
            last = end if end is not None else day_start(rows[-1].key) + 86400 * 1.5
            rows = fill_days(rows, first, last)
        self._rows = rows
        self.chart.set_rows(rows, by, self.shown_metric())
        self._fill_table(rows, by)
        self.summary.setText(self._summary(rows, found))

    def _fill_table(self, rows: list[UsageRow], by: GroupBy) -> None:
        shown = [r for r in rows if r.answers] if by == "day" else rows
        self.table.setRowCount(len(shown))
        self.table.setHorizontalHeaderItem(0, QTableWidgetItem(by.capitalize()))
        for index, row in enumerate(shown):
            self.table.setItem(index, 0, QTableWidgetItem(row.key))
            for column, text in enumerate(
                (
                    f"{row.answers:,}",
                    f"{row.prompt:,}",
                    f"{row.completion:,}",
                    f"{row.cached:,}",
                    row.cost_text(),
                ),
                start=1,
            ):
                self.table.setItem(index, column, _right(text))

    def _summary(self, rows: list[UsageRow], found: Scan) -> str:
        answers = sum(r.answers for r in rows)
        tokens = sum(r.tokens for r in rows)
        unknown = sum(r.unknown for r in rows)
        dollars = sum(r.dollars for r in rows)
        total = UsageRow("all", answers=answers, dollars=dollars, unknown=unknown)
        cost = total.cost_text() or "nothing"
        files = f"{found.files:,} chat file{'' if found.files == 1 else 's'}"
        skipped = f" ({found.unreadable} could not be read)" if found.unreadable else ""
        return (
            f"{self.period.currentText()}: {answers:,} answers, {tokens:,} tokens, cost {cost}"
            f" · from {files} on this computer{skipped}."
        )

    # --- export --------------------------------------------------------------------------

    def _choose_export(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        name = f"chorus-usage-by-{self.by()}.csv"
        dialog = QFileDialog(self, "Export usage", str(Path.home() / name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV (*.csv)")
        dialog.fileSelected.connect(self.export_csv)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def export_csv(self, path: str) -> bool:
        rows = [r for r in self._rows if r.answers] if self.by() == "day" else self._rows
        try:
            atomic_write_bytes(Path(path), rows_csv(rows, self.by()))
        except OSError as exc:
            self.notifier.error(f"Could not write {path}: {exc.strerror or exc}.")
            return False
        self.notifier.info(f"Exported {len(rows)} rows to {path}")
        return True

    def done(self, result: int) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().done(result)
