"""What the event loop ran during each stall: a timing trace of Qt events and asyncio
callbacks, for profiling the UI benchmarks.

:class:`LoopTrace` times every event Qt delivers (by overriding
``QApplication.notify``: make the application with :func:`traced_app`) and every
asyncio callback (by wrapping ``asyncio.events.Handle._run``). After a run,
:meth:`LoopTrace.report` takes the heartbeat's gaps (bench/heartbeat.py) longer than a
threshold and lists what ran inside them, and sums up, over all the stalls, which kinds
of work filled them. The tracing itself costs time (a Python call per event): use it to
find where stalls come from, not to report figures.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from typing import Any

from heartbeat import Beats
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class LoopTrace:
    def __init__(self, min_ms: float = 0.3) -> None:
        self.min_s = min_ms / 1000
        self.records: list[tuple[float, float, int, str]] = []  # start, end, depth, what
        self.enabled = False
        self._depth = 0

    def record(self, start: float, end: float, what: str) -> None:
        if self.enabled and end - start >= self.min_s:
            self.records.append((start, end, self._depth, what))

    def install_asyncio(self) -> None:
        trace = self
        original = asyncio.events.Handle._run

        def timed(handle: asyncio.Handle) -> None:
            trace._depth += 1
            start = time.perf_counter()
            try:
                original(handle)
            finally:
                trace._depth -= 1
                if trace.enabled:
                    trace.record(start, time.perf_counter(), "asyncio " + _callback(handle))

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]

    def report(self, beats: Beats, stall_ms: float = 16.0, show: int = 8) -> str:
        times = beats.times
        owns = beats.own_gaps()
        stalls = [
            (a, b)
            for (a, b), own in zip(itertools.pairwise(times), owns, strict=False)
            if own > stall_ms
        ]
        out = [
            f"{len(stalls)} gaps > {stall_ms:g} ms without the waits for a CPU; what ran in "
            "them (outermost work):"
        ]
        totals: dict[str, float] = defaultdict(float)
        for a, b in stalls:
            inside = [r for r in self.records if r[1] > a and r[0] < b]
            top = min((r[2] for r in inside), default=0)
            for start, end, depth, what in inside:
                if depth == top:
                    totals[what] += min(end, b) - max(start, a)
        gap_total = sum(b - a for a, b in stalls)
        covered = sum(totals.values())
        out.append(
            f"  stalls total {gap_total * 1000:.0f} ms, of which traced work "
            f"{covered * 1000:.0f} ms (the rest: Qt itself between events, or the process "
            "not running)"
        )
        for what, total in sorted(totals.items(), key=lambda kv: -kv[1])[:15]:
            out.append(f"    {total * 1000:8.1f} ms  {what}")
        out.append("  all traced work while streaming (count, total, max), outermost and nested:")
        kinds: dict[str, list[float]] = defaultdict(list)
        for start, end, _depth, what in self.records:
            kinds[what].append(end - start)
        for what, spans in sorted(kinds.items(), key=lambda kv: -sum(kv[1]))[:20]:
            total, worst = sum(spans) * 1000, max(spans) * 1000
            out.append(f"    {len(spans):7d} {total:8.1f} ms {worst:7.2f} ms  {what}")
        worst = sorted(stalls, key=lambda ab: ab[0] - ab[1])[:show]
        for a, b in worst:
            out.append(f"  gap {(b - a) * 1000:.1f} ms:")
            inside = sorted((r for r in self.records if r[1] > a and r[0] < b), key=lambda r: r[0])
            for start, end, depth, what in inside[:25]:
                out.append(
                    f"    +{(start - a) * 1000:6.1f} {(end - start) * 1000:6.2f} ms "
                    f"{'  ' * depth}{what}"
                )
        return "\n".join(out)


def _callback(handle: asyncio.Handle) -> str:
    callback: Any = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return f"task {owner.get_name()}"
    name = getattr(callback, "__qualname__", None) or repr(callback)
    return str(name)


_EVENT_NAMES: dict[int, str] = {}


def _event_name(kind: QEvent.Type) -> str:
    value = int(kind.value) if hasattr(kind, "value") else int(kind)
    name = _EVENT_NAMES.get(value)
    if name is None:
        name = getattr(kind, "name", str(value))
        _EVENT_NAMES[value] = name
    return name


def traced_app(argv: list[str], trace: LoopTrace) -> QApplication:
    """A QApplication whose ``notify`` times every event into ``trace``."""

    class TracedApplication(QApplication):
        def notify(self, receiver: QObject, event: QEvent) -> bool:
            if not trace.enabled:
                return super().notify(receiver, event)
            trace._depth += 1
            start = time.perf_counter()
            try:
                return super().notify(receiver, event)
            finally:
                trace._depth -= 1
                end = time.perf_counter()
                if end - start >= trace.min_s:
                    name = receiver.objectName() or type(receiver).__name__
                    parent = receiver.parent()
                    if parent is not None:
                        name += f" in {parent.objectName() or type(parent).__name__}"
                    trace.record(start, end, f"{_event_name(event.type())} → {name}")

    return TracedApplication(argv)
