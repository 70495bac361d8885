"""The event-loop stall probe of the UI benchmarks: a 1 ms timer recording its ticks.

A gap between two ticks is the longest the GUI could not respond. Each tick also records
this process's CPU time and (Linux) how long the GUI thread has waited, runnable, for a
CPU (``/proc/self/task/<tid>/schedstat``): on a shared machine other processes take the
CPU from the app for tens of milliseconds at a time, and a gap minus that wait (its
*own* part) is what the same gap would have been with the CPUs free: the app's work,
its waits for the GIL, the disk and the page cache.

:func:`heartbeat` drives the loop itself (``processEvents``) for view-only benchmarks;
:class:`Heartbeat` only starts the timer, for benchmarks whose loop already runs (qasync).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication


class Beats:
    """Heartbeat tick times (wall clock and this process's CPU time)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cpu: list[float] = []
        self.waits: list[float] = []  # the GUI thread's run-queue wait so far (seconds)

    def gaps(self) -> list[tuple[float, float]]:
        """(wall ms, CPU ms) between consecutive ticks."""
        return [
            ((b - a) * 1000, (cb - ca) * 1000)
            for a, b, ca, cb in zip(
                self.times, self.times[1:], self.cpu, self.cpu[1:], strict=False
            )
        ]

    def own_gaps(self) -> list[float]:
        """The gaps in ms without the time the GUI thread waited for a CPU."""
        if len(self.waits) != len(self.times):
            return [wall for wall, _ in self.gaps()]
        return [
            max(0.0, (b - a - (wb - wa)) * 1000)
            for a, b, wa, wb in zip(
                self.times, self.times[1:], self.waits, self.waits[1:], strict=False
            )
        ]

    @property
    def max_own(self) -> float:
        return max(self.own_gaps(), default=0.0)

    @property
    def p99_own(self) -> float:
        owns = sorted(self.own_gaps())
        return owns[int(len(owns) * 0.99) - 1] if owns else 0.0

    @property
    def max_gap(self) -> float:
        return max((wall for wall, _ in self.gaps()), default=0.0)

    @property
    def p99_gap(self) -> float:
        walls = sorted(wall for wall, _ in self.gaps())
        return walls[int(len(walls) * 0.99) - 1] if walls else 0.0

    @property
    def max_cpu(self) -> float:
        """The longest gap counting only time this process was running."""
        return max((min(wall, cpu) for wall, cpu in self.gaps()), default=0.0)

    @property
    def p99_cpu(self) -> float:
        """The 99th percentile of the gaps counting only time this process ran."""
        cpus = sorted(min(wall, cpu) for wall, cpu in self.gaps())
        return cpus[int(len(cpus) * 0.99) - 1] if cpus else 0.0

    def summary(self) -> str:
        walls = [wall for wall, _ in self.gaps()]
        if not walls:
            return "no ticks"
        return (
            f"{len(walls):,} ticks; gap median {statistics.median(walls):.2f} ms, "
            f"p99 {self.p99_gap:.2f} ms, max {self.max_gap:.2f} ms "
            f"(CPU time in the worst gap: {self.max_cpu:.2f} ms); "
            f"gaps > 16 ms: {sum(w > 16 for w in walls)}, > 8 ms: {sum(w > 8 for w in walls)}"
        )

    def own_summary(self) -> str:
        owns = self.own_gaps()
        if not owns or len(self.waits) != len(self.times):
            return "(no run-queue figures on this system)"
        waited = (self.waits[-1] - self.waits[0]) * 1000
        return (
            f"without the GUI thread's waits for a CPU ({waited:,.0f} ms in all): "
            f"p99 {self.p99_own:.2f} ms, max {self.max_own:.2f} ms; CPU time in the gaps: "
            f"p99 {self.p99_cpu:.2f} ms, max {self.max_cpu:.2f} ms; "
            f"gaps > 16 ms: {sum(w > 16 for w in owns)}, > 8 ms: {sum(w > 8 for w in owns)}"
        )


class RunQueueClock:
    """How long the calling thread has waited, runnable, for a CPU (Linux schedstat)."""

    def __init__(self) -> None:
        path = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        try:
            self._fd: int | None = os.open(path, os.O_RDONLY)
        except OSError:
            self._fd = None

    def read(self) -> float | None:
        if self._fd is None:
            return None
        return int(os.pread(self._fd, 128, 0).split()[1]) / 1e9


class Heartbeat(QObject):
    """A 1 ms precise timer appending to ``beats`` while started (the loop runs elsewhere)."""

    def __init__(self, on_beat: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.beats = Beats()
        self._on_beat = on_beat
        self._waits = RunQueueClock()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._beat)

    def start(self) -> Beats:
        """Start a fresh record; returns it (it fills until :meth:`stop`)."""
        self.beats = Beats()
        self._timer.start()
        return self.beats

    def stop(self) -> Beats:
        self._timer.stop()
        return self.beats

    def _beat(self) -> None:
        self.beats.times.append(time.perf_counter())
        self.beats.cpu.append(time.process_time())
        wait = self._waits.read()
        if wait is not None:
            self.beats.waits.append(wait)
        if self._on_beat is not None:
            self._on_beat()


def heartbeat(
    app: QApplication, seconds: float, on_beat: Callable[[], None] | None = None
) -> Beats:
    """Run the event loop for ``seconds`` with a 1 ms timer recording its ticks."""
    probe = Heartbeat(on_beat)
    beats = probe.start()
    settle(app, seconds)
    probe.stop()
    return beats


def settle(app: QApplication, seconds: float) -> None:
    """Run the event loop (``processEvents``) for ``seconds``."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
