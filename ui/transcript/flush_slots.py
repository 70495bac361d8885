"""Spaces the streaming flushes of several chat views apart in time.

Every ChatView flushes its streamed text on its own timer (about 30 Hz). When several
views stream at once (the columns of a comparison) their timers fall into the same
event-loop pass, and that pass runs every view's flush and then repaints every column:
one stall as long as all of them together. A view's :class:`FlushTimer` asks
:meth:`FlushSlots.delay_ms` before it signals that a flush is due: while another view
flushed less than ``SPACING_MS`` ago it waits out the rest (never more than
``MAX_DELAY_MS`` in all), so the flushes and the repaints they cause land in separate
passes.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

SPACING_MS = 8.0  # least time between the end of one view's flush and another's
MAX_DELAY_MS = 33.0  # a flush is never held back longer than this in all


class FlushSlots:
    """The time and view of the latest flush; see the module docstring."""

    def __init__(self) -> None:
        self._last = -math.inf
        self._owner = 0

    def delay_ms(self, owner: object, waited_ms: float) -> int:
        """How long ``owner`` should wait before flushing (0: flush now)."""
        if id(owner) == self._owner:
            return 0
        wait = SPACING_MS - (time.perf_counter() - self._last) * 1000
        if wait <= 0 or waited_ms + wait > MAX_DELAY_MS:
            return 0
        return math.ceil(wait)

    def flushed(self, owner: object) -> None:
        """``owner`` has just flushed."""
        self._last = time.perf_counter()
        self._owner = id(owner)


FLUSH_SLOTS = FlushSlots()  # shared by every view of the application


class FlushTimer(QTimer):
    """A single-shot precise timer whose ``due`` signal waits for a free flush slot."""

    due = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSingleShot(True)
        self.setTimerType(Qt.TimerType.PreciseTimer)
        self._waited = 0  # ms this flush has been held back for other views
        self.timeout.connect(self._on_timeout)

    def flushed(self) -> None:
        """The view has just flushed (from ``due`` or called directly)."""
        self._waited = 0
        FLUSH_SLOTS.flushed(self)

    def _on_timeout(self) -> None:
        delay = FLUSH_SLOTS.delay_ms(self, self._waited)
        if delay:
            self._waited += delay
            self.start(delay)
        else:
            self._waited = 0
            self.due.emit()
