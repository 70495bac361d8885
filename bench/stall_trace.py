"""Where the GUI thread is while the heartbeat is late: a sampling watchdog for profiling.

A background thread wakes every millisecond; when the heartbeat (bench/heartbeat.py) has
not ticked for ``threshold_ms``, it records the GUI thread's Python stack. The most
frequent stacks are where the stalls are spent (each sample is about a millisecond).
The watchdog needs the GIL to sample, so work that holds the GIL in C++ for a long time
shows as the Python line that called into it. For diagnosis only: the thread itself
costs some time of the measured process.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from types import FrameType


class StallTracer:
    def __init__(self, threshold_ms: float = 8.0, depth: int = 14) -> None:
        self.threshold = threshold_ms / 1000
        self.depth = depth
        self.samples: Counter[tuple[str, ...]] = Counter()
        self._last = time.perf_counter()
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-tracer", daemon=True)

    def start(self) -> StallTracer:
        self._last = time.perf_counter()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> None:
        """The heartbeat ticked (call from its timer)."""
        self._last = time.perf_counter()

    def _watch(self) -> None:
        while not self._stop.wait(0.001):
            if time.perf_counter() - self._last < self.threshold:
                continue
            frame = sys._current_frames().get(self._main)  # type: ignore[arg-type]
            if frame is not None:
                self.samples[self._stack(frame)] += 1

    def _stack(self, frame: FrameType | None) -> tuple[str, ...]:
        lines: list[str] = []
        while frame is not None and len(lines) < self.depth:
            code = frame.f_code
            path = code.co_filename
            for marker in ("/wt-bench/", "/site-packages/", "/lib/python3"):
                if marker in path:
                    path = path.split(marker, 1)[1]
                    break
            lines.append(f"{path}:{frame.f_lineno} {code.co_name}")
            frame = frame.f_back
        return tuple(lines)

    def report(self, top: int = 12) -> str:
        total = sum(self.samples.values())
        out = [f"stall samples (GUI thread stack while the heartbeat was late): {total}"]
        by_leaf: Counter[str] = Counter()
        for stack, n in self.samples.items():
            by_leaf[stack[0]] += n
        out.append("  innermost lines:")
        out += [f"    {n:5d}  {leaf}" for leaf, n in by_leaf.most_common(top)]
        out.append("  whole stacks:")
        for stack, n in self.samples.most_common(top):
            out.append(f"    {n:5d}")
            out += [f"           {line}" for line in stack]
        return "\n".join(out)
