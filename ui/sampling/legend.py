"""The legend of the heat map: the scale of the measure shown and the low-token mark."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.token_heat import LOW_PROBABILITY, PROBABILITY, Measure
from ui.sampling.heatmap import LOW_MARK, STEPS, is_dark, tints

BAR_WIDTH = 120
BAR_HEIGHT = 10
GAP = 6


class HeatLegend(QWidget):
    """ "likely ▭▭▭▭ unlikely · underlined: under 20%" (or the entropy scale in bits)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._measure: Measure = PROBABILITY
        self._ceiling = 1.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Heat map legend")
        self._describe()

    def set_scale(self, measure: Measure, ceiling: float) -> None:
        if (measure, ceiling) != (self._measure, self._ceiling):
            self._measure, self._ceiling = measure, ceiling
            self._describe()
            self.update()

    def ceiling(self) -> float:
        return self._ceiling

    def ends(self) -> tuple[str, str]:
        """The labels at the cold and the hot end of the scale."""
        if self._measure == PROBABILITY:
            return "100% likely", "0%"
        return "0 bits (sure)", f"{self._ceiling:.1f} bits"

    def low_text(self) -> str:
        return f"underlined: under {LOW_PROBABILITY:.0%}"

    def _describe(self) -> None:
        cold, hot = self.ends()
        self.setAccessibleDescription(f"From {cold} to {hot}; {self.low_text()} as generated")
        self.setToolTip(
            "Tint: how unlikely the token was as generated (probability), or how evenly the "
            "model was split between the candidates the server returned (entropy)."
        )

    def sizeHint(self) -> QSize:
        return QSize(BAR_WIDTH + 320, self.fontMetrics().height() + 6)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        metrics = self.fontMetrics()
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        text = palette.color(QPalette.ColorRole.WindowText)
        mid = self.height() / 2
        cold, hot = self.ends()
        x = 0.0
        painter.setPen(muted)
        painter.drawText(
            QRectF(x, 0, metrics.horizontalAdvance(cold) + 2, self.height()),
            Qt.AlignmentFlag.AlignVCenter,
            cold,
        )
        x += metrics.horizontalAdvance(cold) + GAP
        fills = tints(self._measure, is_dark(palette))
        step_width = BAR_WIDTH / (STEPS + 1)
        base = palette.color(QPalette.ColorRole.Base)
        painter.fillRect(QRectF(x, mid - BAR_HEIGHT / 2, BAR_WIDTH, BAR_HEIGHT), base)
        for step, fill in enumerate(fills):
            painter.fillRect(
                QRectF(x + step * step_width, mid - BAR_HEIGHT / 2, step_width + 0.5, BAR_HEIGHT),
                fill,
            )
        painter.setPen(QPen(muted, 1))
        painter.drawRect(QRectF(x, mid - BAR_HEIGHT / 2, BAR_WIDTH, BAR_HEIGHT))
        x += BAR_WIDTH + GAP
        painter.drawText(
            QRectF(x, 0, metrics.horizontalAdvance(hot) + 2, self.height()),
            Qt.AlignmentFlag.AlignVCenter,
            hot,
        )
        x += metrics.horizontalAdvance(hot) + 3 * GAP
        sample = "abc"
        sample_width = metrics.horizontalAdvance(sample) + 2
        painter.setPen(text)
        painter.drawText(
            QRectF(x, 0, sample_width, self.height()), Qt.AlignmentFlag.AlignVCenter, sample
        )
        painter.setPen(QPen(QColor(LOW_MARK[1 if is_dark(palette) else 0]), 2))
        underline = mid + metrics.height() / 2 - 1
        painter.drawLine(int(x), int(underline), int(x + sample_width), int(underline))
        x += sample_width + GAP
        painter.setPen(muted)
        low = metrics.elidedText(
            self.low_text().removeprefix("underlined: "),
            Qt.TextElideMode.ElideRight,
            max(int(self.width() - x), 0),
        )
        painter.drawText(
            QRectF(x, 0, self.width() - x, self.height()), Qt.AlignmentFlag.AlignVCenter, low
        )
        painter.end()
