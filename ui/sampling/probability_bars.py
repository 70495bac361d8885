"""A painted bar chart of one token's candidates as they would be sampled.

One horizontal bar per :class:`core.sampling.Bar`, most likely first: the token (with
its whitespace made visible) on the left, a bar as long as its final probability, and
the percentage on the right. The chosen token's row is highlighted; tokens the nucleus
cutoff leaves out are greyed, their ghost bar as long as their probability before the
cutoff. A dashed line under the last included bar marks the cutoff, labelled with the
top_p. Every colour comes from the widget's palette, so the chart reads on light and
dark themes alike.

A candidate that was not chosen can be clicked (or reached with the arrow keys and
taken with Enter) when branching is on: :attr:`ProbabilityBars.candidate_clicked`
names its token, for an answer that continues with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from core.sampling import Bar, display_token, nucleus_cutoff

ROW_HEIGHT = 24
CUTOFF_GAP = 18  # the band between the last included bar and the first excluded one
MARGIN = 8
LABEL_WIDTH = 120
PERCENT_WIDTH = 72
GAP = 8
BAR_HEIGHT = 14
CUTOFF_COLOUR = "#d9480f"  # an orange that reads on light and dark backgrounds


def percent(probability: float) -> str:
    """``0.621`` → ``62.1%``; a tiny positive probability reads ``<0.1%``."""
    if 0 < probability < 0.0005:
        return "<0.1%"
    return f"{probability:.1%}"


def _with_alpha(colour: QColor, alpha: float) -> QColor:
    result = QColor(colour)
    result.setAlphaF(alpha)
    return result


class ProbabilityBars(QWidget):
    """The candidates of one token as horizontal bars with the nucleus cutoff."""

    candidate_clicked = Signal(str)  # the token of a candidate that was not chosen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[Bar] = []
        self._top_p = 1.0
        self._branching = ""  # "" off; else the tooltip line of a clickable candidate
        self._hover = -1
        self._focus_row = -1
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Candidate probabilities")
        self.setFixedHeight(self._content_height())

    # --- data -----------------------------------------------------------------------

    def set_bars(self, bars: Sequence[Bar], top_p: float) -> None:
        """Show ``bars`` (as :func:`core.sampling.reshape` gives them) cut at ``top_p``."""
        changed = len(bars) != len(self._bars)
        self._bars = list(bars)
        self._top_p = top_p
        if changed:
            self._hover = self._focus_row = -1
        self.setAccessibleDescription(self._describe())
        if changed:
            self.setFixedHeight(self._content_height())
        self.update()

    def bars(self) -> list[Bar]:
        return list(self._bars)

    def set_branching(self, hint: str) -> None:
        """Let candidates that were not chosen be clicked ("" turns it off); ``hint`` is
        their tooltip's last line."""
        self._branching = hint
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if hint else Qt.FocusPolicy.NoFocus)
        self.update()

    def branching(self) -> bool:
        return bool(self._branching)

    def clickable(self, index: int) -> bool:
        return (
            bool(self._branching) and 0 <= index < len(self._bars) and not self._bars[index].chosen
        )

    def click(self, index: int) -> None:
        """Take the candidate of row ``index`` (as a click does)."""
        if self.clickable(index):
            self.candidate_clicked.emit(self._bars[index].token)

    def top_p(self) -> float:
        return self._top_p

    def cutoff(self) -> int:
        """The index of the last included bar, under which the line is drawn; -1 for none."""
        return nucleus_cutoff(self._bars)

    def _describe(self) -> str:
        parts = []
        for bar in self._bars:
            state = "" if bar.included else " (excluded)"
            chosen = " (chosen)" if bar.chosen else ""
            parts.append(f"{display_token(bar.token)} {percent(bar.probability)}{chosen}{state}")
        return "; ".join(parts)

    # --- geometry -------------------------------------------------------------------

    def _content_height(self) -> int:
        if not self._bars:
            return ROW_HEIGHT + 2 * MARGIN
        return 2 * MARGIN + len(self._bars) * ROW_HEIGHT + CUTOFF_GAP

    def sizeHint(self) -> QSize:
        return QSize(LABEL_WIDTH + PERCENT_WIDTH + 240, self._content_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(LABEL_WIDTH + PERCENT_WIDTH + 80, self._content_height())

    def _row_top(self, index: int) -> float:
        """The top of row ``index``: rows below the cutoff sit one band lower."""
        top = MARGIN + index * ROW_HEIGHT
        if index > self.cutoff():
            top += CUTOFF_GAP
        return float(top)

    def _row_at(self, y: float) -> int:
        for index in range(len(self._bars)):
            top = self._row_top(index)
            if top <= y < top + ROW_HEIGHT:
                return index
        return -1

    def _bar_span(self) -> tuple[float, float]:
        """The left edge and full width (100%) of the bar area."""
        left = MARGIN + LABEL_WIDTH + GAP
        width = max(self.width() - left - GAP - PERCENT_WIDTH - MARGIN, 20)
        return float(left), float(width)

    # --- painting -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        if not self._bars:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No candidates")
            painter.end()
            return
        for index, bar in enumerate(self._bars):
            self._paint_row(painter, palette, index, bar)
        self._paint_cutoff(painter)
        painter.end()

    def _paint_row(self, painter: QPainter, palette: QPalette, index: int, bar: Bar) -> None:
        top = self._row_top(index)
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        row = QRectF(MARGIN / 2, top + 1, self.width() - MARGIN, ROW_HEIGHT - 2)
        if bar.chosen:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_with_alpha(accent, 0.14))
            painter.drawRoundedRect(row, 4, 4)
        elif self.clickable(index) and index in (self._hover, self._focus_row):
            painter.setPen(QPen(_with_alpha(accent, 0.8), 1.2))
            painter.setBrush(_with_alpha(accent, 0.06))
            painter.drawRoundedRect(row, 4, 4)

        font = QFont(self.font())
        font.setBold(bar.chosen)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        label = metrics.elidedText(
            display_token(bar.token), Qt.TextElideMode.ElideRight, LABEL_WIDTH
        )
        painter.setPen(text_colour if bar.included else muted)
        label_rect = QRectF(MARGIN, top, LABEL_WIDTH, ROW_HEIGHT)
        align_right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(label_rect, align_right, label)

        left, width = self._bar_span()
        bar_top = top + (ROW_HEIGHT - BAR_HEIGHT) / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_with_alpha(palette.color(QPalette.ColorRole.Mid), 0.35))
        painter.drawRoundedRect(QRectF(left, bar_top, width, BAR_HEIGHT), 3, 3)
        if bar.included:
            share = bar.probability
            fill = accent if bar.chosen else _with_alpha(accent, 0.5)
        else:
            share = bar.probability_before_top_p
            fill = _with_alpha(muted, 0.45)
        if share > 0:
            length = max(width * min(share, 1.0), 2.0)
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(left, bar_top, length, BAR_HEIGHT), 3, 3)

        painter.setPen(text_colour if bar.included else muted)
        number = percent(bar.probability) if bar.included else "excluded"
        number_rect = QRectF(left + width + GAP, top, PERCENT_WIDTH, ROW_HEIGHT)
        painter.drawText(number_rect, Qt.AlignmentFlag.AlignVCenter, number)

    def _paint_cutoff(self, painter: QPainter) -> None:
        cutoff = self.cutoff()
        if cutoff < 0:
            return
        y = MARGIN + (cutoff + 1) * ROW_HEIGHT + CUTOFF_GAP / 2
        colour = QColor(CUTOFF_COLOUR)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
        painter.setFont(font)
        text = f"top_p {self._top_p:.2f}"
        text_width = painter.fontMetrics().horizontalAdvance(text)
        left, width = self._bar_span()
        right = left + width
        pen = QPen(colour, 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(MARGIN, y), QPointF(right - text_width - GAP, y))
        painter.setPen(colour)
        box = QRectF(right - text_width, y - CUTOFF_GAP / 2, text_width + GAP, CUTOFF_GAP)
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    # --- tooltips -------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self._row_at(event.pos().y())
            if index >= 0:
                QToolTip.showText(event.globalPos(), self._tooltip(self._bars[index]), self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _tooltip(self, bar: Bar) -> str:
        lines = [f"“{display_token(bar.token)}”" + ("  (the chosen token)" if bar.chosen else "")]
        lines.append(f"Sampling probability: {percent(bar.probability)}")
        lines.append(f"Before the top_p cutoff: {percent(bar.probability_before_top_p)}")
        lines.append(f"Cumulative: {percent(bar.cumulative)}")
        if not bar.included:
            lines.append(f"Outside the nucleus of top_p {self._top_p:.2f}")
        if self._branching and not bar.chosen:
            lines.append(self._branching)
        return "\n".join(lines)

    # --- clicking -------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        row = self._row_at(event.position().y())
        hover = row if self.clickable(row) else -1
        if hover != self._hover:
            self._hover = hover
            shape = Qt.CursorShape.PointingHandCursor if hover >= 0 else Qt.CursorShape.ArrowCursor
            self.setCursor(shape)
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover >= 0:
            self._hover = -1
            self.update()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.click(self._row_at(event.position().y()))
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        rows = [i for i in range(len(self._bars)) if self.clickable(i)]
        key = event.key()
        if rows and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            position = rows.index(self._focus_row) + step if self._focus_row in rows else 0
            self._focus_row = rows[min(max(position, 0), len(rows) - 1)]
            self.update()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self.clickable(
            self._focus_row
        ):
            self.click(self._focus_row)
            return
        super().keyPressEvent(event)

    def focused_row(self) -> int:
        return self._focus_row
