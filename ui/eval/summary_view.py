"""The summary under the matrix: one line per configuration, judge–person agreement, and
a small chart of mean score against cost."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.eval.summary import Agreement, ConfigSummary
from core.pricing import money

CELL_PADDING = 16  # px around a cell's text (what Qt's own fitting leaves)
HEADERS = (
    "configuration",
    "pass rate",
    "mean score ± spread",
    "TTFT",
    "tok/s",
    "tokens",
    "cost",
    "done / failed",
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


class ScoreCostChart(QWidget):
    """Each configuration as a dot: mean score up, total cost across (or tokens, when no
    cost is known)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(220, 150)
        self.setToolTip("Mean score against cost: up and to the left is better.")
        self._points: list[tuple[str, float, float]] = []
        self._axis = "cost"

    def set_summaries(self, summaries: list[ConfigSummary]) -> None:
        costs = all(s.cost is not None for s in summaries) and summaries
        self._axis = "cost" if costs else "tokens"
        self._points = [
            (s.label, float(s.cost or 0.0) if costs else float(s.total_tokens), s.mean_score)
            for s in summaries
            if s.mean_score is not None
        ]
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().text().color()
        area = QRectF(self.rect()).adjusted(34, 10, -10, -24)
        painter.setPen(QPen(text, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        painter.drawText(QRectF(0, area.top() - 6, 30, 14), Qt.AlignmentFlag.AlignRight, "1")
        painter.drawText(QRectF(0, area.bottom() - 8, 30, 14), Qt.AlignmentFlag.AlignRight, "0")
        axis = "cost →" if self._axis == "cost" else "tokens → (no prices set)"
        painter.drawText(
            QRectF(area.left(), area.bottom() + 4, area.width(), 16),
            Qt.AlignmentFlag.AlignRight,
            axis,
        )
        if not self._points:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No scores yet")
            return
        top = max(x for _, x, _ in self._points) or 1.0
        palette = [
            QColor(52, 120, 246),
            QColor(230, 120, 30),
            QColor(40, 160, 90),
            QColor(200, 60, 160),
            QColor(120, 90, 200),
            QColor(30, 160, 170),
        ]
        for n, (label, x, y) in enumerate(self._points):
            point = QPointF(
                area.left() + area.width() * (x / top) * 0.9 + 6, area.bottom() - area.height() * y
            )
            color = palette[n % len(palette)]
            painter.setPen(QPen(color, 1))
            painter.setBrush(color)
            painter.drawEllipse(point, 5, 5)
            painter.setPen(text)
            painter.drawText(point + QPointF(8, 4), label)


class SummaryView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("evalSummary")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Widths follow the contents (grown as values get longer, fitted anew for
        # another set of columns), not by the header's ResizeToContents mode, which
        # measured every cell again at each change: ~10 ms a refresh while a run goes.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.resizeColumnsToContents()
        self._labels: list[str] = []  # the configurations shown, to refit for others
        self.agreement = QLabel(self)
        self.agreement.setWordWrap(True)
        self.chart = ScoreCostChart(self)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.table, 1)
        left.addWidget(self.agreement)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 1)
        layout.addWidget(self.chart)

    def set_summaries(self, summaries: list[ConfigSummary], agree: list[Agreement]) -> None:
        labels = [s.label for s in summaries]
        refit = labels != self._labels
        self._labels = labels
        self.table.setRowCount(len(summaries))
        metrics = self.table.fontMetrics()
        for r, s in enumerate(summaries):
            score = "–" if s.mean_score is None else f"{s.mean_score:.2f}"
            if s.score_spread is not None:
                score += f" ± {s.score_spread:.2f}"
            cost = money(s.cost)
            if s.cost is not None and not s.cost_complete:
                cost += " (some unknown)"
            values = (
                s.label,
                _pct(s.pass_rate),
                score,
                "–" if s.mean_ttft_s is None else f"{s.mean_ttft_s * 1000:.0f} ms",
                "–" if s.mean_tokens_per_s is None else f"{s.mean_tokens_per_s:.0f}",
                f"{s.total_tokens:,}",
                cost,
                f"{s.done} / {s.failed} of {s.cells}",
            )
            for c, value in enumerate(values):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(r, c, item)
                if item.text() != value:
                    item.setText(value)
                    wide = metrics.horizontalAdvance(value) + CELL_PADDING
                    if not refit and wide > self.table.columnWidth(c):
                        self.table.setColumnWidth(c, wide)
        if refit:
            self.table.resizeColumnsToContents()
        self.table.setFixedHeight(
            self.table.horizontalHeader().height()
            + sum(self.table.rowHeight(r) for r in range(len(summaries)))
            + 4
        )
        self.agreement.setText(
            " · ".join(
                f"Judge {a.judge} agrees with you on {a.agreed} of {a.graded} cells "
                f"({_pct(a.rate)})"
                for a in agree
            )
        )
        self.chart.set_summaries(summaries)
