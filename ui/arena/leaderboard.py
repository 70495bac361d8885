"""The personal leaderboard: ratings from every vote, a win-rate heat map, the battles.

Filtered by tag and by date range; the ratings are a Bradley–Terry fit with bootstrap
intervals (Elo with its K and start value when there are too few games, see
:mod:`core.arena.ratings`). Double-clicking a battle (or Enter) reopens it as it was.
Export writes the votes or the table as CSV or JSON.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.arena import battle as arena
from core.arena import export, ratings
from core.arena.battle import BattleRecord
from core.storage.atomic import atomic_write_bytes
from ui.common.notifier import Notifier

ALL_TAGS = "All tags"
DAY_S = 86_400


def heat(share: float) -> QColor:
    """Red (0) through pale yellow (0.5) to green (1)."""
    share = max(0.0, min(1.0, share))
    if share < 0.5:
        t = share / 0.5
        return QColor(int(220 + 35 * t), int(90 + 150 * t), int(90 + 70 * t))
    t = (share - 0.5) / 0.5
    return QColor(int(255 - 155 * t), int(240 - 40 * t), int(160 - 40 * t))


def _item(text: str, sort: float | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if sort is not None:
        item.setData(Qt.ItemDataRole.UserRole, sort)
    return item


class _BattleTable(QTableWidget):
    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.activated_row.emit(self.currentRow())
            return
        super().keyPressEvent(event)


class LeaderboardDialog(QDialog):
    battle_open_requested = Signal(str)

    def __init__(
        self,
        load: Callable[[], list[BattleRecord]],
        notifier: Notifier,
        parent: QWidget | None = None,
        rounds: int = ratings.DEFAULT_ROUNDS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("arenaLeaderboard")
        self.setWindowTitle("Arena leaderboard")
        self.resize(900, 620)
        self._load = load
        self.notifier = notifier
        self.rounds = rounds
        self.records: list[BattleRecord] = []
        self.shown: list[BattleRecord] = []
        self.board = ratings.Leaderboard("elo", [])

        self.tag = QComboBox(self)
        self.tag.setObjectName("leaderboardTag")
        self.all_dates = QCheckBox("All dates", self)
        self.all_dates.setChecked(True)
        self.since = QDateEdit(self)
        self.until = QDateEdit(self)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate.currentDate())
            edit.setEnabled(False)
        self.since.setDate(QDate.currentDate().addDays(-30))
        self.export_button = QPushButton("Export", self)
        menu = QMenu(self.export_button)
        for text, kind in (
            ("Votes as CSV…", "votes.csv"),
            ("Votes as JSON…", "votes.json"),
            ("Table as CSV…", "table.csv"),
            ("Table as JSON…", "table.json"),
        ):
            menu.addAction(text).triggered.connect(lambda _=False, k=kind: self.export(k))
        self.export_button.setMenu(menu)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Tag:", self))
        filters.addWidget(self.tag)
        filters.addSpacing(12)
        filters.addWidget(self.all_dates)
        filters.addWidget(QLabel("From", self))
        filters.addWidget(self.since)
        filters.addWidget(QLabel("to", self))
        filters.addWidget(self.until)
        filters.addStretch(1)
        filters.addWidget(self.export_button)

        self.method = QLabel(self)
        self.method.setObjectName("leaderboardMethod")
        self.method.setWordWrap(True)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("leaderboardTable")
        self.table.setHorizontalHeaderLabels(
            ["Model", "Rating", "95 % interval", "Battles", "Wins / ties / losses", "Win rate"]
        )
        self.matrix = QTableWidget(0, 0, self)
        self.matrix.setObjectName("leaderboardMatrix")
        self.battles = _BattleTable(0, 5, self)
        self.battles.setObjectName("leaderboardBattles")
        self.battles.setHorizontalHeaderLabels(["Date", "Models", "Outcome", "Tags", "Question"])
        for table in (self.table, self.matrix, self.battles):
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.verticalHeader().setVisible(False)
        self.matrix.verticalHeader().setVisible(True)
        self.matrix.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.battles.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.battles.cellDoubleClicked.connect(lambda row, _col: self._open(row))
        self.battles.activated_row.connect(self._open)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.table, "Ratings")
        self.tabs.addTab(self.matrix, "Win rates")
        self.tabs.addTab(self.battles, "Battles")

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.method)
        layout.addWidget(self.tabs, 1)
        self.tag.currentIndexChanged.connect(lambda _i: self.update_view())
        self.all_dates.toggled.connect(self._dates_toggled)
        self.since.dateChanged.connect(lambda _d: self.update_view())
        self.until.dateChanged.connect(lambda _d: self.update_view())
        self.reload()

    # --- data ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the votes again and show them with the current filters."""
        self.records = self._load()
        current = self.tag.currentText()
        tags = sorted({t for r in self.records for t in r.tags}, key=str.casefold)
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItems([ALL_TAGS, *tags])
        self.tag.setCurrentIndex(max(0, self.tag.findText(current)))
        self.tag.blockSignals(False)
        self.update_view()

    def _dates_toggled(self, every: bool) -> None:
        self.since.setEnabled(not every)
        self.until.setEnabled(not every)
        self.update_view()

    def date_range(self) -> tuple[float | None, float | None]:
        if self.all_dates.isChecked():
            return None, None
        since = QDateTime(self.since.date(), QTime(0, 0)).toSecsSinceEpoch()
        until = QDateTime(self.until.date(), QTime(0, 0)).toSecsSinceEpoch() + DAY_S
        return float(since), float(until)

    def set_filter(
        self, tag: str = "", since: float | None = None, until: float | None = None
    ) -> None:
        """Filter by ``tag`` ("" for every tag) and dates (None: no bound)."""
        if tag and self.tag.findText(tag) < 0:
            self.tag.addItem(tag)  # a tag no battle has (yet): an empty table
        self.tag.setCurrentIndex(max(0, self.tag.findText(tag)) if tag else 0)
        if since is None and until is None:
            self.all_dates.setChecked(True)
            return
        self.all_dates.setChecked(False)
        if since is not None:
            self.since.setDate(QDateTime.fromSecsSinceEpoch(int(since)).date())
        if until is not None:
            self.until.setDate(QDateTime.fromSecsSinceEpoch(int(until)).date())

    def update_view(self) -> None:
        tag = self.tag.currentText()
        since, until = self.date_range()
        self.shown = arena.matching(
            self.records, [tag] if tag and tag != ALL_TAGS else [], since, until
        )
        played = arena.games(self.shown)
        self.board = ratings.leaderboard(played, rounds=self.rounds)
        voted = sum(1 for r in self.shown if r.voted)
        self.method.setText(
            f"{voted} vote{'' if voted == 1 else 's'}, {len(played)} games · "
            f"{self.board.description}"
            if played
            else "No votes match these filters yet: battles in the arena (Ctrl+Shift+A) "
            "fill this table."
        )
        self._fill_table()
        self._fill_matrix(played)
        self._fill_battles()

    def _fill_table(self) -> None:
        rows = self.board.rows
        self.table.setRowCount(len(rows))
        elo = self.board.method == "elo"
        for n, row in enumerate(rows):
            rec = row.record
            rate = (rec.wins + rec.ties / 2) / rec.games if rec.games else 0.0
            interval = "—" if elo else f"{row.low:.0f} – {row.high:.0f}"
            cells = [
                _item(row.model),
                _item(f"{row.rating:.0f}", row.rating),
                _item(interval),
                _item(str(rec.games), rec.games),
                _item(f"{rec.wins} / {rec.ties} / {rec.losses}"),
                _item(f"{rate:.0%}", rate),
            ]
            for column, cell in enumerate(cells):
                self.table.setItem(n, column, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _fill_matrix(self, played: Sequence[ratings.Game]) -> None:
        models = [row.model for row in self.board.rows]
        rates = ratings.win_rates(played)
        self.matrix.setRowCount(len(models))
        self.matrix.setColumnCount(len(models))
        self.matrix.setHorizontalHeaderLabels(models)
        self.matrix.setVerticalHeaderLabels(models)
        for i, a in enumerate(models):
            for j, b in enumerate(models):
                found = rates.get((a, b))
                if found is None:
                    cell = _item("—" if i != j else "")
                else:
                    share, n = found
                    cell = _item(f"{share:.0%}")
                    cell.setBackground(QBrush(heat(share)))
                    cell.setForeground(QBrush(QColor(20, 20, 20)))
                    cell.setToolTip(f"{a} against {b}: {share:.0%} of the points in {n} games")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.matrix.setItem(i, j, cell)
        self.matrix.resizeColumnsToContents()

    def _fill_battles(self) -> None:
        records = sorted(self.shown, key=lambda r: -r.created_at)
        self.battles.setRowCount(len(records))
        for n, record in enumerate(records):
            outcome = record.outcome_text()
            if record.vote == "win":
                outcome = f"{record.models[record.winner]} won"
            cells = [
                _item(time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))),
                _item(" vs ".join(record.models) if record.voted else "(hidden until voted)"),
                _item(outcome),
                _item(", ".join(record.tags)),
                _item(record.title),
            ]
            cells[0].setData(Qt.ItemDataRole.UserRole, record.id)
            for column, cell in enumerate(cells):
                self.battles.setItem(n, column, cell)
        self.battles.resizeColumnsToContents()
        self.battles.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

    def _open(self, row: int) -> None:
        item = self.battles.item(row, 0)
        if item is not None:
            self.battle_open_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    # --- export -------------------------------------------------------------------------

    def export_text(self, kind: str) -> str:
        if kind == "votes.csv":
            return export.votes_csv(self.shown)
        if kind == "votes.json":
            return export.votes_json(self.shown)
        if kind == "table.csv":
            return export.table_csv(self.board)
        return export.table_json(self.board)

    def export(self, kind: str) -> None:
        what, suffix = kind.split(".")
        name = f"arena-{what}-{time.strftime('%Y%m%d')}.{suffix}"
        dialog = QFileDialog(self, f"Export arena {what}", str(Path.home() / name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("CSV (*.csv)" if suffix == "csv" else "JSON (*.json)")
        dialog.fileSelected.connect(lambda path: self.write(kind, path))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def write(self, kind: str, path: str) -> bool:
        try:
            atomic_write_bytes(Path(path), self.export_text(kind).encode())
        except OSError as exc:
            self.notifier.error(f"Could not write {path}: {exc.strerror or exc}.")
            return False
        self.notifier.info(f"Exported to {path}")
        return True
