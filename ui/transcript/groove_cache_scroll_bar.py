"""A scroll bar that paints its groove and slider from cached pixmaps.

Fusion fills the groove and the slider of a scroll bar with gradients; for a tall bar
each costs 1–2 ms a paint (the arrows cost a few µs). A view that follows a streaming
answer moves its slider at every flush, so both are painted again and again although
neither has changed, only moved. This bar renders the groove once per size, state and
palette, and the slider once per size and state (at its place, through a translated
painter, with a small margin for its outline), and paints the arrows with the style.
The groove pixmap covers the whole bar, as the style's groove does.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QScrollBar, QStyle, QStyleOptionSlider, QWidget

_CC = QStyle.ComplexControl.CC_ScrollBar
_GROOVE = QStyle.SubControl.SC_ScrollBarGroove
_SLIDER = QStyle.SubControl.SC_ScrollBarSlider
_ARROWS = QStyle.SubControl.SC_ScrollBarAddLine | QStyle.SubControl.SC_ScrollBarSubLine
_EDGE = 2  # the style may draw this far outside the slider's rectangle


class GrooveCacheScrollBar(QScrollBar):
    """A QScrollBar painted from cached pixmaps; see the module docstring."""

    def __init__(
        self, orientation: Qt.Orientation = Qt.Orientation.Vertical, parent: QWidget | None = None
    ) -> None:
        super().__init__(orientation, parent)
        self._cache: dict[QStyle.SubControl, tuple[tuple[object, ...], QPixmap]] = {}

    def paintEvent(self, event: QPaintEvent) -> None:
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        painter = QPainter(self)
        groove = QRect(opt.rect)
        slider = style.subControlRect(_CC, opt, _SLIDER, self).adjusted(
            -_EDGE, -_EDGE, _EDGE, _EDGE
        )
        for control, rect in ((_GROOVE, groove), (_SLIDER, slider)):
            if rect.isValid():
                painter.drawPixmap(rect.topLeft(), self._pixmap(opt, control, rect))
        opt.subControls = _ARROWS
        style.drawComplexControl(_CC, opt, painter, self)
        painter.end()

    def _pixmap(self, opt: QStyleOptionSlider, control: QStyle.SubControl, rect: QRect) -> QPixmap:
        """``control`` drawn by the style, cropped to ``rect`` (from the cache when it can)."""
        ratio = self.devicePixelRatioF()
        key = (
            rect.width(),
            rect.height(),
            ratio,
            opt.state.value,
            bool(opt.activeSubControls & control),
            opt.palette.cacheKey(),
            opt.orientation.value,
            id(self.style()),
        )
        cached = self._cache.get(control)
        if cached is not None and cached[0] == key:
            return cached[1]
        pixmap = QPixmap(int(rect.width() * ratio), int(rect.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        part = QStyleOptionSlider(opt)
        part.subControls = control
        cache_painter = QPainter(pixmap)
        cache_painter.translate(QPoint(-rect.x(), -rect.y()))
        self.style().drawComplexControl(_CC, part, cache_painter, self)
        cache_painter.end()
        self._cache[control] = (key, pixmap)
        return pixmap
