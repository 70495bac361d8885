"""A thin "working" bar that costs next to nothing to animate.

An indeterminate QProgressBar animates through the style, each bar on its own timer at
about 30 frames a second, and Fusion paints its gradients each frame (about 2 ms a bar):
with the four columns of a comparison streaming, the window repainted for the bars
alone some 120 times a second (bench/app_stream.py). :class:`BusyBar` paints one flat
chunk sliding across a groove, and every bar on screen moves on one shared timer at
``FPS`` frames a second, so they repaint together, in one pass.
"""

from __future__ import annotations

import time
import weakref

from PySide6.QtCore import QObject, QRectF, QTimer
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

FPS = 20
PERIOD_S = 1.6  # one sweep of the chunk across the bar and back
CHUNK = 0.3  # the chunk's width, as a fraction of the bar's


class _Clock(QObject):
    """The one timer that moves every visible bar."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: weakref.WeakSet[BusyBar] = weakref.WeakSet()
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // FPS)
        self.timer.timeout.connect(self._tick)

    def add(self, bar: BusyBar) -> None:
        self.bars.add(bar)
        if not self.timer.isActive():
            self.timer.start()

    def remove(self, bar: BusyBar) -> None:
        self.bars.discard(bar)
        if not self.bars:
            self.timer.stop()

    def _tick(self) -> None:
        for bar in list(self.bars):
            bar.update()


_clock: _Clock | None = None


def _shared_clock() -> _Clock:
    global _clock
    if _clock is None:
        _clock = _Clock()
    return _clock


class BusyBar(QWidget):
    """An indeterminate progress bar: a chunk in the highlight colour sweeping a groove."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def position(self) -> float:
        """Where the chunk's left edge is now, as a fraction of the free width (0 to 1)."""
        phase = (time.monotonic() % PERIOD_S) / PERIOD_S
        return 2 * phase if phase < 0.5 else 2 - 2 * phase

    def showEvent(self, event: QShowEvent) -> None:
        _shared_clock().add(self)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        _shared_clock().remove(self)
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        painter = QPainter(self)
        rect = QRectF(self.rect())
        groove = QColor(pal.color(QPalette.ColorRole.Mid))
        groove.setAlphaF(0.35)
        painter.fillRect(rect, groove)
        width = rect.width() * CHUNK
        left = (rect.width() - width) * self.position()
        chunk = QRectF(rect.left() + left, rect.top(), width, rect.height())
        painter.fillRect(chunk, pal.color(QPalette.ColorRole.Highlight))
        painter.end()
