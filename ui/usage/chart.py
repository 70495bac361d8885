"""The chart of the usage view: tokens or cost per day (columns over time) or per model
or endpoint (one bar each, most first).

Tokens are drawn as two stacked parts, prompt (light) and completion (strong); cost as
one bar, with a mark above the groups that hold answers of unknown cost (their cost is
not in the bar). Hovering a bar shows its figures. Colours come from the palette.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from core.usage import GroupBy, UsageRow

Metric = Literal["tokens", "cost"]
MARGIN = 8
AXIS = 54  # room for the value labels left of the columns
BOTTOM = 22  # room for the day labels under the columns
BAR_ROW = 22
LABEL = 150
MAX_BARS = 15


def compact(value: float) -> str:
    """``1234567`` → ``1.2M``; ``4200`` → ``4.2k``."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def nice_top(value: float) -> float:
    """The top of the scale: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next(step * power for step in (1, 2, 5, 10) if step * power >= value))


def money(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}".rstrip("0").rstrip(".")


def describe(row: UsageRow) -> str:
    cost = row.cost_text() or "no answers"
    return (
        f"{row.key}: {row.answers} answer{'' if row.answers == 1 else 's'} · "
        f"{row.prompt:,} prompt + {row.completion:,} completion tokens · cost {cost}"
    )


class UsageChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[UsageRow] = []
        self._by: GroupBy = "day"
        self._metric: Metric = "tokens"
        self._hits: list[tuple[QRectF, UsageRow]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(160)
        self.setAccessibleName("Usage chart")

    def set_rows(self, rows: Sequence[UsageRow], by: GroupBy, metric: Metric) -> None:
        self._rows = list(rows) if by == "day" else list(rows)[:MAX_BARS]
        self._by, self._metric = by, metric
        self.setAccessibleDescription("; ".join(describe(r) for r in self._rows[:40]))
        self.update()

    def rows(self) -> list[UsageRow]:
        return list(self._rows)

    def sizeHint(self) -> QSize:
        return QSize(640, 240)

    def _value(self, row: UsageRow) -> float:
        return float(row.tokens) if self._metric == "tokens" else row.dollars

    def _label(self, value: float) -> str:
        return compact(value) if self._metric == "tokens" else money(value)

    # --- painting -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        self._hits = []
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        if not any(r.answers for r in self._rows):
            painter.setPen(muted)
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "No answers in this period."
            )
            painter.end()
            return
        strong = palette.color(QPalette.ColorRole.Highlight)
        light = QColor(strong)
        light.setAlphaF(0.4)
        if self._by == "day":
            self._paint_columns(painter, strong, light, muted)
        else:
            self._paint_bars(painter, strong, light, muted)
        painter.setPen(muted)
        key = ""
        if self._metric == "tokens":
            key = "light: prompt tokens · strong: completion tokens"
        elif any(r.unknown for r in self._rows):
            key = "?: holds answers of unknown cost (not in the bar)"
        painter.drawText(QRectF(0, 0, self.width() - MARGIN, 16), Qt.AlignmentFlag.AlignRight, key)
        painter.end()

    def _parts(self, row: UsageRow, strong: QColor, light: QColor) -> list[tuple[float, QColor]]:
        if self._metric == "tokens":
            return [(float(row.prompt), light), (float(row.completion), strong)]
        return [(row.dollars, strong)]

    def _paint_columns(
        self, painter: QPainter, strong: QColor, light: QColor, muted: QColor
    ) -> None:
        rows = self._rows
        top_value = nice_top(max((self._value(r) for r in rows), default=0.0))
        metrics = painter.fontMetrics()
        axis = max(AXIS, metrics.horizontalAdvance(self._label(top_value)) + 14)
        area = QRectF(axis, MARGIN + 10, self.width() - axis - MARGIN, 0)
        area.setBottom(self.height() - BOTTOM)
        painter.setPen(muted)
        for fraction in (0.0, 0.5, 1.0):
            y = area.bottom() - fraction * area.height()
            painter.drawLine(QPointF(area.left() - 4, y), QPointF(area.right(), y))
            text = self._label(top_value * fraction)
            painter.drawText(
                QRectF(0, y - 8, axis - 8, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        slot = area.width() / max(len(rows), 1)
        width = max(1.0, slot * 0.75)
        every = max(1, int((metrics.horizontalAdvance("2025-03-01") + 12) // max(slot, 1)) + 1)
        for index, row in enumerate(rows):
            x = area.left() + index * slot + (slot - width) / 2
            bottom = area.bottom()
            for value, colour in self._parts(row, strong, light):
                height = area.height() * value / top_value
                painter.fillRect(QRectF(x, bottom - height, width, height), colour)
                bottom -= height
            if self._metric == "cost" and row.unknown:
                painter.setPen(muted)
                painter.drawText(
                    QRectF(x - 6, bottom - 16, width + 12, 14),
                    Qt.AlignmentFlag.AlignCenter,
                    "?",
                )
            hit = QRectF(area.left() + index * slot, area.top(), slot, area.height())
            self._hits.append((hit, row))
            if index % every == 0:
                painter.setPen(muted)
                painter.drawText(
                    QRectF(x - 40, area.bottom() + 2, width + 80, BOTTOM - 2),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    row.key[5:] if len(rows) > 1 else row.key,
                )

    def _paint_bars(self, painter: QPainter, strong: QColor, light: QColor, muted: QColor) -> None:
        rows = self._rows
        top_value = max((self._value(r) for r in rows), default=0.0) or 1.0
        metrics = painter.fontMetrics()
        left = MARGIN + LABEL + 8
        right = self.width() - MARGIN - 90
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        for index, row in enumerate(rows):
            top = MARGIN + 18 + index * BAR_ROW
            label = metrics.elidedText(row.key, Qt.TextElideMode.ElideMiddle, LABEL)
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(MARGIN, top, LABEL, BAR_ROW),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            x = float(left)
            for value, colour in self._parts(row, strong, light):
                width = (right - left) * value / top_value
                painter.fillRect(QRectF(x, top + 4, width, BAR_ROW - 8), colour)
                x += width
            painter.setPen(muted)
            figure = self._label(self._value(row)) if self._metric == "tokens" else row.cost_text()
            painter.drawText(
                QRectF(x + 6, top, self.width() - x - 6, BAR_ROW),
                Qt.AlignmentFlag.AlignVCenter,
                figure,
            )
            self._hits.append((QRectF(MARGIN, top, self.width() - 2 * MARGIN, BAR_ROW), row))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            point = QPointF(event.pos())
            row = next((r for rect, r in self._hits if rect.contains(point)), None)
            if row is not None:
                QToolTip.showText(event.globalPos(), describe(row), self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
