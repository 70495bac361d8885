"""The two tables a person edits: the test set's rows and the run's configurations.

A row's problem (an undefined ``{{variable}}``, an assertion that cannot be checked) is
shown on that row, in its last column, as soon as it is typed.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.eval import assertions
from core.eval.model import Config, Row, TestSet
from core.eval.template import problem as template_problem

ROW_COLUMNS = (
    "Prompt ({{variables}})",
    "Variables (name=value per line)",
    "System prompt",
    "Expected",
    "Assertions (one per line)",
    "Problem",
)
CONFIG_COLUMNS = ("Name", "Model", "Parameters (JSON)", "System prompt (replaces the row's)")
PROBLEM_COLOUR = QColor(255, 236, 179)


def vars_text(values: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in values.items())


def parse_vars(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line:
            name, _, value = line.partition("=")
            if name.strip():
                out[name.strip()] = value.strip()
    return out


def row_problem(row: Row) -> str:
    problems = [template_problem(row.prompt, row.vars)] if row.prompt else ["The prompt is empty."]
    problems += [assertions.problem(a) for a in row.asserts]
    return " ".join(p for p in problems if p)


class _Buttons(QWidget):
    def __init__(self, names: list[tuple[str, str]], parent: QWidget) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        for key, text in names:
            button = QPushButton(text, self)
            layout.addWidget(button)
            self.buttons[key] = button
        layout.addStretch(1)


class TestSetEditor(QWidget):
    """Rows: add, duplicate, delete, move up and down; every cell editable in place."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.testset = TestSet()
        self.table = QTableWidget(0, len(ROW_COLUMNS), self)
        self.table.setObjectName("evalRows")
        self.table.setHorizontalHeaderLabels(list(ROW_COLUMNS))
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((280, 180, 140, 120, 200)):
            self.table.setColumnWidth(column, width)
        self.bar = _Buttons(
            [
                ("add", "Add row"),
                ("duplicate", "Duplicate"),
                ("delete", "Delete"),
                ("up", "Move up"),
                ("down", "Move down"),
            ],
            self,
        )
        b = self.bar.buttons
        b["add"].clicked.connect(self.add_row)
        b["duplicate"].clicked.connect(self.duplicate_row)
        b["delete"].clicked.connect(self.delete_rows)
        b["up"].clicked.connect(lambda: self.move_row(-1))
        b["down"].clicked.connect(lambda: self.move_row(1))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.table, 1)
        self.table.itemChanged.connect(self._item_changed)
        self._filling = False

    def set_testset(self, testset: TestSet) -> None:
        self.testset = testset
        self._fill()

    def _fill(self) -> None:
        self._filling = True
        self.table.setRowCount(len(self.testset.rows))
        for r, row in enumerate(self.testset.rows):
            values = (
                row.prompt,
                vars_text(row.vars),
                row.system,
                row.expected,
                "\n".join(assertions.to_line(a) for a in row.asserts),
            )
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
            self._show_problem(r, row)
        self._filling = False
        self.table.resizeRowsToContents()

    def _show_problem(self, r: int, row: Row) -> None:
        text = row_problem(row)
        item = QTableWidgetItem(text)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        item.setToolTip(text)
        brush = QBrush(PROBLEM_COLOUR) if text else QBrush()
        item.setBackground(brush)
        item.setForeground(QBrush(QColor(90, 60, 0)) if text else QBrush())
        self.table.setItem(r, len(ROW_COLUMNS) - 1, item)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() == len(ROW_COLUMNS) - 1:
            return
        r = item.row()
        row = self.testset.rows[r]
        text = item.text()
        column = item.column()
        if column == 0:
            row.prompt = text
        elif column == 1:
            row.vars = parse_vars(text)
        elif column == 2:
            row.system = text
        elif column == 3:
            row.expected = text
        elif column == 4:
            row.asserts = [assertions.from_line(ln) for ln in text.splitlines() if ln.strip()]
        self._filling = True
        self._show_problem(r, row)
        self._filling = False
        self.edited.emit()

    def current(self) -> int:
        return self.table.currentRow()

    def add_row(self) -> None:
        at = self.current() + 1 if self.current() >= 0 else len(self.testset.rows)
        self.testset.rows.insert(at, Row())
        self._fill()
        self.table.setCurrentCell(at, 0)
        self.edited.emit()

    def duplicate_row(self) -> None:
        r = self.current()
        if r < 0:
            return
        import msgspec

        copy = msgspec.convert(msgspec.to_builtins(self.testset.rows[r]), Row)
        copy.id = Row().id
        self.testset.rows.insert(r + 1, copy)
        self._fill()
        self.table.setCurrentCell(r + 1, 0)
        self.edited.emit()

    def delete_rows(self) -> None:
        chosen = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in chosen:
            del self.testset.rows[r]
        if chosen:
            self._fill()
            self.edited.emit()

    def move_row(self, step: int) -> None:
        r = self.current()
        to = r + step
        rows = self.testset.rows
        if r < 0 or not 0 <= to < len(rows):
            return
        rows[r], rows[to] = rows[to], rows[r]
        self._fill()
        self.table.setCurrentCell(to, self.table.currentColumn())
        self.edited.emit()


class ConfigsEditor(QWidget):
    """The configurations: add, duplicate, delete; parameters as a JSON object."""

    edited = Signal()
    sweep_requested = Signal()
    save_requested = Signal()
    load_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.configs: list[Config] = []
        self.problems: dict[str, str] = {}
        self.table = QTableWidget(0, len(CONFIG_COLUMNS), self)
        self.table.setObjectName("evalConfigs")
        self.table.setHorizontalHeaderLabels(list(CONFIG_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((200, 200, 260)):
            self.table.setColumnWidth(column, width)
        self.bar = _Buttons(
            [
                ("add", "Add column"),
                ("duplicate", "Duplicate"),
                ("delete", "Delete"),
                ("sweep", "Sweep…"),
                ("save", "Save column set…"),
                ("load", "Load column set…"),
            ],
            self,
        )
        b = self.bar.buttons
        b["add"].clicked.connect(self.add_config)
        b["duplicate"].clicked.connect(self.duplicate_config)
        b["delete"].clicked.connect(self.delete_configs)
        b["sweep"].clicked.connect(self.sweep_requested)
        b["save"].clicked.connect(self.save_requested)
        b["load"].clicked.connect(self.load_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.table, 1)
        self.table.itemChanged.connect(self._item_changed)
        self._filling = False

    def set_configs(self, configs: list[Config]) -> None:
        self.configs = configs
        self._fill()

    def _fill(self) -> None:
        self._filling = True
        self.table.setRowCount(len(self.configs))
        for r, c in enumerate(self.configs):
            params = json.dumps(c.params, ensure_ascii=False) if c.params else ""
            for column, value in enumerate((c.name, c.model, params, c.system_prompt)):
                self.table.setItem(r, column, QTableWidgetItem(value))
        self._filling = False

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        config = self.configs[item.row()]
        text = item.text()
        column = item.column()
        if column == 0:
            config.name = text
        elif column == 1:
            config.model = text.strip()
        elif column == 2:
            try:
                value = json.loads(text) if text.strip() else {}
                if not isinstance(value, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                self.problems[config.id] = f"Parameters are not a JSON object ({exc})."
                item.setBackground(QBrush(PROBLEM_COLOUR))
                item.setToolTip(self.problems[config.id])
                return
            self.problems.pop(config.id, None)
            item.setBackground(QBrush())
            item.setToolTip("")
            config.params = value
        elif column == 3:
            config.system_prompt = text
        self.edited.emit()

    def add_config(self, model: str = "") -> None:
        self.configs.append(Config(model=model if isinstance(model, str) else ""))
        self._fill()
        self.edited.emit()

    def duplicate_config(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            return
        import msgspec

        copy = msgspec.convert(msgspec.to_builtins(self.configs[r]), Config)
        copy.id = Config().id
        copy.name = f"{self.configs[r].label} (copy)"
        self.configs.insert(r + 1, copy)
        self._fill()
        self.edited.emit()

    def delete_configs(self) -> None:
        chosen = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in chosen:
            del self.configs[r]
        if chosen:
            self._fill()
            self.edited.emit()
