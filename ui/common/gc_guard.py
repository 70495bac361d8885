"""Collect Python garbage on the GUI thread only, and never for long while answers stream.

Python's cyclic garbage collector runs in whichever thread happens to allocate. When a
cycle holds Qt objects and the collection runs in a worker thread (a disk write, the
HTTP pool), Qt objects are destroyed off their thread: "Timers cannot be stopped from
another thread", or a crash. The guard turns automatic collection off and collects from
a timer on the GUI thread, with the same thresholds Python would use.

A full collection walks every object the app has (about 90,000 after start-up: modules,
classes, Qt wrappers): 70 to 170 ms during which the window cannot paint. So the first
check, once the window is up, freezes what exists then (``gc.freeze``: those objects are
never walked again), and so does the first idle check ``REFREEZE_S`` later, once what
is loaded after the first paint (the HTTP client, the Markdown parser, the lexers:
another 40,000 objects) is there. While ``busy()`` says answers are streaming a full
collection waits, up to ``MAX_DEFER_S``, for them to end; the younger generations are
collected as usual meanwhile.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
MAX_DEFER_S = 60.0  # the longest a full collection waits for the streams to end
REFREEZE_S = 10.0  # after the first freeze: freeze what the start-up loaded later


def _never_busy() -> bool:
    return False


class GarbageCollector(QObject):
    def __init__(
        self,
        parent: QObject | None = None,
        interval_ms: int = INTERVAL_MS,
        *,
        freeze: bool = True,
    ) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.collections = 0
        self.busy: Callable[[], bool] = _never_busy  # set by the app: answers streaming
        self._freeze = freeze
        self._refreeze_at = math.inf
        self._deferred_since: float | None = None
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds."""
        if self._freeze:
            self._freeze = False
            gc.freeze()  # the first check comes once the window is up
            self._refreeze_at = time.monotonic() + REFREEZE_S
        elif time.monotonic() >= self._refreeze_at and not self.busy():
            self._refreeze_at = math.inf
            gc.freeze()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] <= self.threshold[generation]:
                continue
            if generation == 2 and self._defer_full():
                continue
            gc.collect(generation)
            self.collections += 1
            if generation == 2:
                self._deferred_since = None
            return

    def _defer_full(self) -> bool:
        if not self.busy():
            return False
        now = time.monotonic()
        if self._deferred_since is None:
            self._deferred_since = now
        return now - self._deferred_since < MAX_DEFER_S

    def stop(self) -> None:
        self._timer.stop()
        gc.unfreeze()
        gc.enable()
