"""The heat map of a whole answer: every token tinted by how likely it was, or by how
uncertain the model was between its candidates.

:class:`HeatMap` lays the tokens out as text (:class:`TokenLayout`: wrapped at the width
of the view, a newline token ending its line) and paints only the lines on screen, each
token as a tinted box under the line's text. Tokens appended while an answer streams
are laid out from where the last one ended, so a long answer costs its new tokens, not
its length. A token produced with less than
:data:`core.token_heat.LOW_PROBABILITY` is underlined, whichever measure colours the
map. Hovering a token shows its candidates; clicking selects it (the candidate bars
below follow), the arrow keys move the selection. Colours come from the widget's
palette, so the map reads on light and dark themes alike.

Costs are kept per token and small: its probability is one ``exp``, its entropy is
worked out only when it is first drawn or asked for, and each line's text is drawn in
one call (the token boxes are laid out with the same font metrics), so a full paint
of the view costs a few milliseconds however long the answer is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from core.chat import TokenLogprob
from core.sampling import display_token, generated_probability
from core.token_heat import (
    ENTROPY,
    LOW_PROBABILITY,
    PROBABILITY,
    Measure,
    TokenHeat,
    candidate_entropy,
    ceiling_for,
    describe,
)
from ui.sampling.token_layout import TokenLayout

MARGIN = 6
GAP_Y = 2
STEPS = 20  # tints per measure
MAX_ALPHA = 0.72

# The hot end of each measure's scale (a cold token is untinted): (light, dark).
HOT: dict[Measure, tuple[str, str]] = {
    PROBABILITY: ("#e8590c", "#ff922b"),
    ENTROPY: ("#7048e8", "#9775fa"),
}
LOW_MARK = ("#c92a2a", "#ff8787")


def shown_text(token: str) -> tuple[str, int]:
    """How a token is drawn, and how many lines it ends: its text with each newline as
    ↵ (a line break follows), tabs as ⇥, other invisible characters escaped."""
    if token.isprintable():
        return token or "∅", 0
    breaks = token.count("\n")
    pieces = []
    for char in token:
        if char == "\n":
            pieces.append("↵")
        elif char == "\t":
            pieces.append("⇥")
        elif char == " " or char.isprintable():
            pieces.append(char)
        else:
            pieces.append(display_token(char))
    return "".join(pieces) or "∅", breaks


def extends(new: Sequence[TokenLogprob], old: Sequence[TokenLogprob]) -> bool:
    """Whether ``new`` is ``old`` with tokens added (a streaming answer growing): the
    first and the last of ``old`` are where they were (the same objects, or equal)."""
    if len(new) < len(old):
        return False
    if not old:
        return True
    return all(new[i] is old[i] or new[i] == old[i] for i in (0, len(old) - 1))


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def tints(measure: Measure, dark: bool) -> list[QColor]:
    """The ``STEPS + 1`` fills from cold (transparent) to hot."""
    hot = QColor(HOT[measure][1 if dark else 0])
    out = []
    for step in range(STEPS + 1):
        colour = QColor(hot)
        colour.setAlphaF(MAX_ALPHA * step / STEPS)
        out.append(colour)
    return out


class HeatMap(QAbstractScrollArea):
    """Every token of an answer, tinted; see the module docstring."""

    token_selected = Signal(int)  # the selected token changed (click or keys)
    token_activated = Signal(int)  # Enter or a double click on a token

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Answer heat map")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setMouseTracking(True)
        self._entries: list[TokenLogprob] = []
        self._prob: list[float] = []  # as generated
        self._entropy: list[float] = []  # bits; NaN until first needed
        self._texts: list[str] = []
        self._breaks: list[int] = []
        self._line_texts: dict[int, str] = {}
        self._measure: Measure = PROBABILITY
        self._most = 0
        self._selected = -1
        self._widths: dict[str, float] = {}
        self._metrics = QFontMetricsF(self.font())
        self._layout = TokenLayout(self._width_of, MARGIN, self._line_height())
        self.paint_count = 0

    # --- data ------------------------------------------------------------------------

    def set_tokens(self, entries: Sequence[TokenLogprob]) -> None:
        """Show ``entries``; when they extend the tokens shown, only the new ones are
        laid out."""
        old = len(self._entries)
        if not extends(entries, self._entries):
            self.clear()
            old = 0
        new = entries[old:]
        self._entries.extend(new)
        most = self._most
        for entry in new:
            self._prob.append(generated_probability(entry))
            self._entropy.append(math.nan)
            text, breaks = shown_text(entry.token)
            self._texts.append(text)
            self._breaks.append(breaks)
            most = max(most, len(entry.top))
        if most > self._most:
            self._most = most
            self.viewport().update()
        self._lay_out(old)

    def ceiling(self) -> float:
        """The top of the entropy scale: log2 of the most candidates a token has."""
        return ceiling_for(self._most)

    def clear(self) -> None:
        for items in (self._entries, self._prob, self._entropy, self._texts, self._breaks):
            items.clear()
        self._selected = -1
        self._most = 0
        self._reset_layout()
        self.viewport().update()

    def count(self) -> int:
        return len(self._entries)

    def text(self, index: int) -> str:
        """How token ``index`` is drawn."""
        return self._texts[index]

    def entropy(self, index: int) -> float:
        bits = self._entropy[index]
        if bits != bits:  # NaN: not worked out yet
            bits = self._entropy[index] = candidate_entropy(self._entries[index])[0]
        return bits

    def heat(self, index: int) -> TokenHeat:
        entry = self._entries[index]
        bits, count = candidate_entropy(entry)
        return TokenHeat(entry.token, self._prob[index], bits, count)

    def level(self, index: int) -> float:
        """How hot token ``index`` is drawn in the measure shown, 0 to 1."""
        if self._measure == ENTROPY:
            return min(self.entropy(index) / self.ceiling(), 1.0)
        return 1.0 - min(max(self._prob[index], 0.0), 1.0)

    def measure(self) -> Measure:
        return self._measure

    def set_measure(self, measure: Measure) -> None:
        if measure != self._measure:
            self._measure = measure
            self.viewport().update()

    # --- selection --------------------------------------------------------------------

    def selected(self) -> int:
        return self._selected

    def select(self, index: int, *, notify: bool = False) -> None:
        """Select token ``index`` and scroll it into view."""
        if not 0 <= index < len(self._entries):
            return
        previous, self._selected = self._selected, index
        self._update_token(previous)
        self._update_token(index)
        self.ensure_visible(index)
        token = display_token(self._entries[index].token)
        self.setAccessibleDescription(f"Token {index + 1} of {len(self._entries)}: {token}")
        if notify and previous != index:
            self.token_selected.emit(index)

    def ensure_visible(self, index: int) -> None:
        layout = self._layout
        top = layout.line_top(layout.line[index])
        bar = self.verticalScrollBar()
        height = self.viewport().height()
        if top < bar.value():
            bar.setValue(int(top) - MARGIN)
        elif top + layout.line_height > bar.value() + height:
            bar.setValue(int(top + layout.line_height - height) + MARGIN)

    def token_rect(self, index: int) -> QRectF:
        """Token ``index``'s box in viewport coordinates."""
        layout = self._layout
        top = layout.line_top(layout.line[index]) - self.verticalScrollBar().value()
        return QRectF(layout.x[index], top, layout.w[index], layout.line_height - GAP_Y)

    def token_at(self, x: float, y: float) -> int:
        """The token under a viewport point, or -1."""
        return self._layout.token_at(x, y + self.verticalScrollBar().value())

    # --- layout -----------------------------------------------------------------------

    def _line_height(self) -> float:
        return math.ceil(self._metrics.height()) + GAP_Y + 2

    def _width_of(self, text: str) -> float:
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = self._metrics.horizontalAdvance(text)
        return width

    def _reset_layout(self) -> None:
        self._layout.reset(self.viewport().width())
        self._line_texts.clear()
        self._update_scroll_range()

    def _lay_out(self, start: int) -> None:
        """Place tokens from ``start`` on, after the ones already placed."""
        layout = self._layout
        if start == 0 or self.viewport().width() != layout.width:
            self._reset_layout()
            start = 0
        self._line_texts.pop(layout.last_line(), None)  # the last line grows
        layout.extend(self._texts, self._breaks, start)
        self._update_scroll_range()
        if start == 0 or start >= layout.count():
            self.viewport().update()
        else:  # only the lines from the first new token down changed
            top = int(layout.line_top(layout.line[start]) - self.verticalScrollBar().value())
            view = self.viewport()
            view.update(0, max(top - 2, 0), view.width(), view.height())

    def _update_scroll_range(self) -> None:
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setRange(0, max(0, int(self._layout.height()) - page))
        bar.setPageStep(page)
        bar.setSingleStep(int(self._layout.line_height))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.viewport().width() != self._layout.width:
            anchor = self._selected
            self._lay_out(0)
            if anchor >= 0:
                self.ensure_visible(anchor)
        else:
            self._update_scroll_range()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._metrics = QFontMetricsF(self.font())
            self._widths.clear()
            self._layout.line_height = self._line_height()
            self._lay_out(0)

    # --- painting -----------------------------------------------------------------------

    def _line_text(self, line: int) -> str:
        text = self._line_texts.get(line)
        if text is None:
            layout = self._layout
            text = "".join(self._texts[layout.line_first[line] : layout.line_end(line)])
            self._line_texts[line] = text
        return text

    def _update_token(self, index: int) -> None:
        if 0 <= index < self._layout.count():
            self.viewport().update(self.token_rect(index).adjusted(-3, -3, 3, 3).toAlignedRect())

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paint_count += 1
        painter = QPainter(self.viewport())
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.Base))
        layout = self._layout
        if not layout.count():
            painter.end()
            return
        dark = is_dark(palette)
        fills = tints(self._measure, dark)
        scroll = self.verticalScrollBar().value()
        height = layout.line_height
        clip = event.rect()
        first_line = max(0, layout.line_at(clip.top() + scroll))
        last_line = min(layout.line_at(clip.bottom() + scroll), layout.lines() - 1)
        lows: list[QRectF] = []
        for line in range(first_line, last_line + 1):
            top = layout.line_top(line) - scroll
            for index in range(layout.line_first[line], layout.line_end(line)):
                box = QRectF(layout.x[index], top, layout.w[index], height - GAP_Y)
                step = round(self.level(index) * STEPS)
                if step:
                    painter.fillRect(box, fills[step])
                if self._prob[index] < LOW_PROBABILITY:
                    lows.append(box)
        painter.setFont(self.font())
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        ascent = self._metrics.ascent() + 1
        for line in range(first_line, last_line + 1):
            first = layout.line_first[line]
            if first < layout.line_end(line):
                baseline = layout.line_top(line) - scroll + ascent
                painter.drawText(QPointF(layout.x[first], baseline), self._line_text(line))
        painter.setPen(QPen(QColor(LOW_MARK[1 if dark else 0]), 2))
        for box in lows:
            y = box.bottom() - 1
            painter.drawLine(QPointF(box.left() + 1, y), QPointF(box.right() - 1, y))
        if self._selected >= 0 and first_line <= layout.line[self._selected] <= last_line:
            box = self.token_rect(self._selected).adjusted(-1, -1, 1, 1)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 2, 2)
        painter.end()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().scroll(0, dy)

    # --- input ----------------------------------------------------------------------------

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.token_at(event.pos().x(), event.pos().y())
            if index >= 0:
                text = describe(self.heat(index), self._entries[index], index + 1)
                rect = self.token_rect(index).toAlignedRect()
                QToolTip.showText(event.globalPos(), text, self.viewport(), rect)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.token_at(event.position().x(), event.position().y())
            if index >= 0:
                self.select(index, notify=True)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.token_at(event.position().x(), event.position().y())
        if index >= 0:
            self.token_activated.emit(index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.token_at(event.position().x(), event.position().y()) >= 0
        cursor = Qt.CursorShape.PointingHandCursor if hit else Qt.CursorShape.ArrowCursor
        if self.viewport().cursor().shape() != cursor:
            self.viewport().setCursor(cursor)
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        count = len(self._entries)
        if not count:
            super().keyPressEvent(event)
            return
        key = event.key()
        current = max(self._selected, 0)
        target = -1
        if key == Qt.Key.Key_Right:
            target = min(current + 1, count - 1)
        elif key == Qt.Key.Key_Left:
            target = max(current - 1, 0)
        elif key == Qt.Key.Key_Home:
            target = 0
        elif key == Qt.Key.Key_End:
            target = count - 1
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            target = self._layout.neighbour(current, -1 if key == Qt.Key.Key_Up else 1)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._selected >= 0:
                self.token_activated.emit(self._selected)
            return
        if target >= 0:
            self.select(target, notify=True)
            return
        super().keyPressEvent(event)
