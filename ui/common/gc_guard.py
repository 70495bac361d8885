"""Collect Python garbage on the GUI thread only.

Python's cyclic garbage collector runs in whichever thread happens to allocate. When a
cycle holds Qt objects and the collection runs in a worker thread (a disk write, the
HTTP pool), Qt objects are destroyed off their thread: "Timers cannot be stopped from
another thread", or a crash. The guard turns automatic collection off and collects from
a timer on the GUI thread, with the same thresholds Python would use.

Once the window is up, :func:`settle_garbage` collects once and freezes what survived
(``gc.freeze``): the modules, widgets and services made while starting live as long as
the app, and a full collection that walked them each time took tens of ms of the GUI
thread (a visible stall while answers stream).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 100
_running: list[GarbageCollector] = []


class GarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.collections = 0
        gc.disable()
        _running.append(self)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                self.collections += 1
                return

    def stop(self) -> None:
        self._timer.stop()
        if self in _running:
            _running.remove(self)
        gc.unfreeze()
        gc.enable()


def settle_garbage() -> None:
    """The app has started: collect once and keep what survives out of later
    collections. Nothing happens when no :class:`GarbageCollector` runs (tests)."""
    if _running:
        gc.collect()
        gc.freeze()
