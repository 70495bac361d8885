"""The results matrix as a Qt model: one row per test row (under the filter), one column
per configuration; each cell sums up its k repeats."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from core.eval.model import Cell, Run
from core.eval.runs import cell_cost, cell_passed, cell_score, latency_ms
from core.eval.summary import Filter, visible_rows
from core.eval.template import TemplateError, render
from core.pricing import Price, money

PREVIEW_CHARS = 70
CellKey = tuple[str, str]  # (row id, config id)
Index = QModelIndex | QPersistentModelIndex
CELLS_ROLE = Qt.ItemDataRole.UserRole + 1
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.BackgroundRole,
        CELLS_ROLE,
    }
)


def _blend(score: float, dark: bool) -> QColor:
    """Red (0) through amber to green (1), soft enough to read text on."""
    red, green = (
        (QColor(160, 50, 50), QColor(40, 130, 70))
        if dark
        else (QColor(248, 200, 200), QColor(196, 236, 204))
    )
    t = max(0.0, min(1.0, score))
    return QColor(
        round(red.red() + (green.red() - red.red()) * t),
        round(red.green() + (green.green() - red.green()) * t),
        round(red.blue() + (green.blue() - red.blue()) * t),
    )


def cell_text(cells: list[Cell], prices: Mapping[str, Price], state: str = "") -> str:
    """What a matrix cell shows: the answer's start, the verdict, latency, tokens, cost;
    before its answers are in, ``state`` ("answering…", "queued") or "not run"."""
    if not cells:
        return ""
    first = cells[0]
    if first.problem:
        return f"⚠ {first.problem}"
    finished = [c for c in cells if c.finished]
    if not finished:
        if state:
            return state
        return "stopped" if any(c.answer is not None for c in cells) else "not run"
    answer = finished[0].answer
    if answer is not None and answer.status == "error" and answer.error is not None:
        head = f"✗ {answer.error.message}"
    else:
        text = " ".join((answer.content if answer else "").split())
        head = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
    verdicts = [p for c in finished if (p := cell_passed(c)) is not None]
    scores = [s for c in finished if (s := cell_score(c)) is not None]
    parts = []
    if verdicts:
        parts.append(f"{sum(verdicts)}/{len(verdicts)} pass")
    judged = [c.judge for c in finished if c.judge is not None]
    if any(j.problem for j in judged):
        parts.append(
            "judge: malformed" if any(j.raw for j in judged if j.problem) else "judge failed"
        )
    if any(j.best for j in judged):
        parts.append("★ best")
    if scores:
        parts.append(f"score {sum(scores) / len(scores):.2f}")
    lat = [x for c in finished if (x := latency_ms(c)) is not None]
    if lat:
        parts.append(f"{sum(lat) / len(lat):.0f} ms")
    tokens = sum(
        (c.answer.stats.usage.total_tokens or 0)
        for c in finished
        if c.answer and c.answer.stats and c.answer.stats.usage
    )
    if tokens:
        parts.append(f"{tokens} tok")
    costs = [cell_cost(c, prices) for c in finished]
    if costs and all(x is not None for x in costs):
        parts.append(money(sum(x for x in costs if x is not None)))
    if any(c.cached for c in finished):
        parts.append("cached")
    if len(finished) < len(cells):
        parts.append(f"{len(finished)}/{len(cells)} done" + (f", {state}" if state else ""))
    return head + "\n" + " · ".join(parts)


def column_title(label: str, model: str = "") -> str:
    """A column's header: its name's parts (``a · b``) on lines of their own, without a
    leading ``model`` (a sweep's columns share it: their values tell them apart)."""
    parts = label.split(" · ")
    if model and len(parts) > 1 and parts[0] == model:
        parts = parts[1:]
    return "\n".join(parts)


class MatrixModel(QAbstractTableModel):
    def __init__(self, prices: object = None) -> None:
        super().__init__()
        self.run: Run | None = None
        self.dark = False
        self.prices: Mapping[str, Price] = {}
        self._rows: list[str] = []
        self._cells: dict[CellKey, list[Cell]] = {}
        self._where: dict[str, tuple[int, int]] = {}  # cell key -> (row, column)
        self.filter: Filter = "all"
        self.variable: tuple[str, str] | None = None
        # A cell's request: "running", "queued" or "" (set by the page from the run)
        self.request_state: Callable[[str], str] = lambda key: ""

    def state(self, cells: list[Cell]) -> str:
        """What the cell's requests are doing: "answering…" while one of its repeats
        streams, "queued" while one waits its turn, else ""."""
        states = {self.request_state(c.key) for c in cells if not c.finished}
        if "running" in states:
            return "answering…"
        return "queued" if "queued" in states else ""

    def set_run(self, run: Run | None) -> None:
        self.beginResetModel()
        self.run = run
        self._index()
        self.endResetModel()

    def refilter(self) -> None:
        self.set_run(self.run)

    def _index(self) -> None:
        run = self.run
        self._cells.clear()
        self._where.clear()
        if run is None:
            self._rows = []
            return
        self._rows = visible_rows(run, self.filter, self.variable)
        for cell in run.cells:
            self._cells.setdefault((cell.row_id, cell.config_id), []).append(cell)
        rows = {r: i for i, r in enumerate(self._rows)}
        columns = {c.id: j for j, c in enumerate(run.configs)}
        for cell in run.cells:
            if cell.row_id in rows and cell.config_id in columns:
                self._where[cell.key] = (rows[cell.row_id], columns[cell.config_id])

    def refresh_all(self) -> None:
        """Every cell may show something else (a start or re-run of many)."""
        rows, columns = self.rowCount(), self.columnCount()
        if rows and columns:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, columns - 1))

    def refresh_cell(self, key: str) -> None:
        where = self._where.get(key)
        if where is not None:
            index = self.index(*where)
            self.dataChanged.emit(index, index)

    def cells_at(self, index: Index) -> list[Cell]:
        run = self.run
        if run is None or not index.isValid():
            return []
        row_id = self._rows[index.row()]
        return self._cells.get((row_id, run.configs[index.column()].id), [])

    def row_id(self, row: int) -> str:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.run is None:
            return 0
        return len(self.run.configs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in _ROLES:  # asked for every role of every cell painted
            return None
        cells = self.cells_at(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(cells, self.prices, self.state(cells))
        if role == Qt.ItemDataRole.ToolTipRole:
            checks = [
                f"{'✓' if k.passed else '✗' if k.passed is False else '?'} {k.label}"
                f"{' — ' + k.detail if k.detail else ''}"
                for c in cells[:1]
                for k in c.checks
            ]
            judged = cells[0].judge if cells else None
            if judged is not None:
                checks.append(judged.problem or f"Judge {judged.score}: {judged.reason}")
            return "\n".join(checks) or None
        if role == Qt.ItemDataRole.BackgroundRole:
            finished = [c for c in cells if c.finished]
            scores = [s for c in finished if (s := cell_score(c)) is not None]
            if any(c.problem for c in cells):
                return QColor(120, 90, 20) if self.dark else QColor(255, 236, 179)
            verdicts = [p for c in finished if (p := cell_passed(c)) is not None]
            if verdicts:  # pass / fail first: a high judge score does not hide a fail
                rate = sum(verdicts) / len(verdicts)
                if scores:
                    rate = min(rate, sum(scores) / len(scores))
                return _blend(rate, self.dark)
            if scores:
                return _blend(sum(scores) / len(scores), self.dark)
            return None
        if role == CELLS_ROLE:
            return cells
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        run = self.run
        if run is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            config = run.configs[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{config.label}\n{config.model} {config.params or ''}"
            return column_title(config.label, config.model if config.sweep else "")
        row = run.row(self._rows[section])
        numbers = {r.id: i for i, r in enumerate(run.testset.rows, 1)}
        if row is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.prompt
        try:
            shown = render(row.prompt, row.vars)
        except TemplateError:
            shown = row.prompt
        text = " ".join(shown.split())
        return f"{numbers[row.id]}. {text[:40] + '…' if len(text) > 40 else text}"
