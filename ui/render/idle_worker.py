"""Runs generator jobs on the GUI thread in short time slices.

A job is an iterator: each ``next()`` does one bounded step of work (build one
document, highlight a few hundred tokens…). The worker runs steps while the event loop
is otherwise idle, for at most ``slice_ms`` per turn, so input and painting go on in
between; a turn ends early when a step as long as the previous one would overrun it.
Lower ``priority`` numbers run first. A step that yields a number of seconds parks its
job for that long (e.g. while a lexer loads on another thread). The workers of several
views space their slices apart (``SLICE_SPACING_S``), so they do not add up in one pass.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Hashable, Iterator

from PySide6.QtCore import QObject, QTimer, Signal

URGENT = 0  # rows on screen
NORMAL = 1  # highlighting, rows just off screen
BACKGROUND = 2  # measuring rows far from the viewport
# A slice never follows another worker's (every view has one) closer than this: the
# columns of a comparison would otherwise run their slices in one pass of the loop.
SLICE_SPACING_S = 0.002
_last_slice_end = -1.0


class _Entry:
    __slots__ = ("job", "not_before", "priority", "seq")

    def __init__(self, priority: int, seq: int, job: Iterator[object]) -> None:
        self.priority = priority
        self.seq = seq
        self.job = job
        self.not_before = 0.0


class IdleWorker(QObject):
    """A queue of generator jobs run in slices; see the module docstring."""

    slice_finished = Signal()

    def __init__(self, slice_ms: float = 4.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.slice_ms = slice_ms
        self._jobs: dict[Hashable, _Entry] = {}
        self._seq = itertools.count()
        self._paused_from: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run_slice)

    def submit(self, key: Hashable, job: Iterator[object], priority: int = NORMAL) -> None:
        """Queue ``job`` under ``key``, replacing a job queued under the same key."""
        self._jobs[key] = _Entry(priority, next(self._seq), job)
        self._schedule()

    def has(self, key: Hashable) -> bool:
        return key in self._jobs

    def cancel(self, key: Hashable) -> None:
        self._jobs.pop(key, None)

    def cancel_where(self, predicate: Callable[[Hashable], bool]) -> None:
        for key in [k for k in self._jobs if predicate(k)]:
            del self._jobs[key]

    def set_priority(self, key: Hashable, priority: int) -> None:
        entry = self._jobs.get(key)
        if entry is not None:
            entry.priority = priority

    def pause_from(self, priority: int | None) -> None:
        """Hold back jobs of ``priority`` and above (None: run everything)."""
        self._paused_from = priority
        self._schedule()

    def is_idle(self) -> bool:
        return not self._active()

    def run(self, key: Hashable, budget_ms: float) -> bool:
        """Run one job now for up to ``budget_ms``; True when it has finished."""
        entry = self._jobs.get(key)
        if entry is None:
            return True
        deadline = time.perf_counter() + budget_ms / 1000
        while entry.not_before <= time.perf_counter():
            if self._step(key, entry):
                return True
            if time.perf_counter() >= deadline:
                break
        self._schedule()
        return False

    def run_all(self) -> None:
        """Run every job to the end, waiting out parked ones (tests and benchmarks)."""
        while self._jobs:
            now = time.perf_counter()
            ready = [(k, e) for k, e in self._jobs.items() if e.not_before <= now]
            if not ready:
                time.sleep(max(0.0, min(e.not_before for e in self._jobs.values()) - now))
                continue
            key, entry = min(ready, key=lambda item: (item[1].priority, item[1].seq))
            self._step(key, entry)

    def _step(self, key: Hashable, entry: _Entry) -> bool:
        """One step of a job; True when it has finished."""
        try:
            value = next(entry.job)
        except StopIteration:
            if self._jobs.get(key) is entry:
                del self._jobs[key]
            return True
        if isinstance(value, float) and value > 0:
            entry.not_before = time.perf_counter() + value
        return False

    def _active(self) -> list[tuple[Hashable, _Entry]]:
        limit = self._paused_from
        return [(k, e) for k, e in self._jobs.items() if limit is None or e.priority < limit]

    def _schedule(self) -> None:
        active = self._active()
        if not active:
            self._timer.stop()
            return
        now = time.perf_counter()
        wait = min(e.not_before for _, e in active) - now
        interval = 0 if wait <= 0 else max(1, int(wait * 1000 + 0.999))
        if not self._timer.isActive() or self._timer.interval() > interval:
            self._timer.start(interval)

    def _run_slice(self) -> None:
        global _last_slice_end
        if time.perf_counter() - _last_slice_end < SLICE_SPACING_S:
            self._timer.start(1)  # another view's worker just ran: not in the same pass
            return
        deadline = time.perf_counter() + self.slice_ms / 1000
        ran = False
        last_step = 0.0
        while True:
            now = time.perf_counter()
            if now + last_step > deadline:
                break
            ready = [(k, e) for k, e in self._active() if e.not_before <= now]
            if not ready:
                break
            key, entry = min(ready, key=lambda item: (item[1].priority, item[1].seq))
            ran = True
            self._step(key, entry)
            last_step = time.perf_counter() - now
        if ran:
            _last_slice_end = time.perf_counter()
            self.slice_finished.emit()
        self._schedule()
