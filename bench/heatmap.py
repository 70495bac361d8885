"""The heat map of a 4,000-token answer (5 candidates per token): painted and scrolled
from top to bottom, then streamed in.

A SamplingView as wide as the window's right panel, in a real (offscreen by default)
window. The answer is shown whole (as a saved one opens: heat, layout and the first
paint are timed), then a 1 ms heartbeat timer records the event loop's gaps while a
timer scrolls the map from top to bottom a few lines every 10 ms, then page by page
(each page a full repaint), then with the measure switched to entropy. Every paint
of the map is timed. Last, the same answer streams into the view at 250 tokens/s
(the view's live updates, shown at most 20 times a second) under the same heartbeat.

Before all this, the heartbeat runs 1 s with nothing happening: the machine's own noise.
Python's garbage is collected on a GUI-thread timer, as the app does
(ui/common/gc_guard.py); each collection's pause is recorded. Each heartbeat tick also
records this process's CPU time, so a long gap in which the process hardly ran (other
programs had the CPUs) can be told apart from work done by the view.

Prints a summary and, as the last line,
{"max_stall_ms": …, "paint_ms": …, "max_cpu_stall_ms": …, ...}: the longest gap of the
heartbeat while the map painted, scrolled or streamed, the longest paint of the view,
and the longest gap counting only this process's CPU time (goal: max_stall_ms ≤ 16).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/heatmap.py
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import windows
from heartbeat import Beats, heartbeat
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QApplication

from core.chat import ChoiceSnapshot, Message, TokenLogprob, TopLogprob
from core.token_heat import ENTROPY
from ui.common.gc_guard import GarbageCollector
from ui.sampling.heatmap import HeatMap
from ui.sampling.sampling_view import SamplingView

_TEXT = (
    "the model samples each word from a small list of candidates with some randomness "
    "and care here again today slowly while tokens arrive one after another in order"
)
WORDS = _TEXT.split()
PAINTS: list[float] = []  # ms of each paint of the heat map
GC_PAUSES: list[float] = []  # ms of each garbage collection
_gc_started = [0.0]


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    else:
        GC_PAUSES.append((time.perf_counter() - _gc_started[0]) * 1000)


class TimedHeatMap(HeatMap):
    def paintEvent(self, event: QPaintEvent) -> None:
        start = time.perf_counter()
        super().paintEvent(event)
        PAINTS.append((time.perf_counter() - start) * 1000)


def answer(tokens: int, candidates: int, seed: int = 1) -> list[TokenLogprob]:
    """``tokens`` tokens of word-like text (a newline now and then), each with
    ``candidates`` candidates whose probabilities are spread like a model's."""
    rng = random.Random(seed)
    out = []
    for i in range(tokens):
        word = rng.choice(WORDS)
        token = ("" if i == 0 else " ") + word + ("\n" if rng.random() < 0.03 else "")
        weights = sorted((rng.random() ** 3 for _ in range(candidates)), reverse=True)
        total = sum(weights)
        chosen = rng.randrange(min(3, candidates))
        names = [token, *(f" {rng.choice(WORDS)}{j}" for j in range(1, candidates))]
        names[0], names[chosen] = names[chosen], names[0]
        top = [TopLogprob(n, math.log(w / total)) for n, w in zip(names, weights, strict=True)]
        out.append(TokenLogprob(token=token, logprob=top[chosen].logprob, top=top))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4000)
    parser.add_argument("--candidates", type=int, default=5)
    parser.add_argument("--width", type=int, default=420)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()

    app = QApplication(sys.argv)
    collector = GarbageCollector(app)  # as ui.app.main() runs the app
    gc.callbacks.append(_on_gc)
    import ui.sampling.sampling_view as view_module

    view_module.HeatMap = TimedHeatMap  # type: ignore[misc]
    view = SamplingView()
    window = windows.shown(view, args.width, args.height)
    _settle(app, 0.5)
    baseline = heartbeat(app, 1.0)

    entries = answer(args.tokens, args.candidates)
    text = "".join(e.token for e in entries)
    message = Message(
        role="assistant",
        model="bench-model",
        content=text,
        choices=[ChoiceSnapshot(content=text, logprobs=entries)],
        params={"temperature": 0.8},
    )
    start = time.perf_counter()
    view.set_answer(message)
    set_ms = (time.perf_counter() - start) * 1000
    PAINTS.clear()
    start = time.perf_counter()
    view.heatmap.viewport().repaint()
    first_paint_ms = (time.perf_counter() - start) * 1000
    _settle(app, 0.3)
    heat = view.heatmap
    bar = heat.verticalScrollBar()
    lines = bar.maximum() // max(bar.singleStep(), 1)

    PAINTS.clear()
    scroll = _drive(app, lambda: _step(bar, 3 * bar.singleStep()), 10, bar)
    step_paints = list(PAINTS)
    PAINTS.clear()
    bar.setValue(0)
    pages = _drive(app, lambda: _step(bar, bar.pageStep()), 16, bar)
    view.set_measure(ENTROPY)
    bar.setValue(0)
    entropy = _drive(app, lambda: _step(bar, bar.pageStep()), 16, bar)
    page_paints = list(PAINTS)

    streamed = _stream(app, view, message, entries)

    windows.close(app, [window])
    gc.callbacks.remove(_on_gc)
    collector.stop()
    gc_max = max(GC_PAUSES, default=0.0)
    full = sorted(page_paints)
    worst = max(full + step_paints, default=0.0)
    stalls = [scroll, pages, entropy, streamed]
    print(
        f"{args.tokens:,} tokens × {args.candidates} candidates, {lines:,} lines of "
        f"{bar.singleStep()} px in a {args.width}×{args.height} view"
    )
    print(f"idle event loop:           {baseline.summary()}")
    print(f"shown whole (set_answer):  {set_ms:.1f} ms; first full paint {first_paint_ms:.2f} ms")
    print(f"scrolling 3 lines a tick:  {scroll.summary()}")
    print(f"scrolling page by page:    {pages.summary()}")
    print(f"same, entropy measure:     {entropy.summary()}")
    print(f"streaming at 250 tok/s:    {streamed.summary()}")
    if step_paints:
        print(
            f"paints while scrolling by lines: {len(step_paints)}, median "
            f"{statistics.median(step_paints):.2f} ms, max {max(step_paints):.2f} ms"
        )
    if full:
        print(
            f"full-view paints (pages): {len(full)}, median {statistics.median(full):.2f} ms, "
            f"p95 {full[int(len(full) * 0.95) - 1]:.2f} ms, max {full[-1]:.2f} ms"
        )
    if GC_PAUSES:
        print(
            f"garbage collections: {len(GC_PAUSES)}, longest {gc_max:.2f} ms "
            "(the app's whole heap, not the heat map's alone)"
        )
    print(
        "(a gap's CPU time is what this process used during it; a long gap with little "
        "CPU time is the process waiting for the machine, not work of the view)"
    )
    print(
        json.dumps(
            {
                "max_stall_ms": round(max(b.max_gap for b in stalls), 2),
                "p99_stall_ms": round(max(b.p99_gap for b in stalls), 2),
                "max_cpu_stall_ms": round(max(b.max_cpu for b in stalls), 2),
                "paint_ms": round(worst, 2),
                "median_page_paint_ms": round(statistics.median(full), 2) if full else None,
                "set_answer_ms": round(set_ms, 1),
                "idle_max_gap_ms": round(baseline.max_gap, 2),
                "gc_max_ms": round(gc_max, 2),
            }
        )
    )


def _step(bar, by: int) -> bool:  # type: ignore[no-untyped-def]
    """Scroll ``by`` pixels; False once at the bottom."""
    if bar.value() >= bar.maximum():
        return False
    bar.setValue(min(bar.value() + by, bar.maximum()))
    return True


def _drive(app: QApplication, step, every_ms: int, bar) -> Beats:  # type: ignore[no-untyped-def]
    """Run ``step`` every ``every_ms`` under the heartbeat until it returns False."""
    done = [False]

    def tick() -> None:
        if not step():
            done[0] = True
            timer.stop()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(every_ms)
    timer.timeout.connect(tick)
    timer.start()
    beats = Beats()
    while not done[0]:
        part = heartbeat(app, 0.5)
        beats.times.extend(part.times)
        beats.cpu.extend(part.cpu)
    return beats


def _stream(app: QApplication, view: SamplingView, message: Message, entries) -> Beats:  # type: ignore[no-untyped-def]
    """Feed the answer's tokens to the view as a stream does (every 20 ms, 250 tok/s)."""
    live = Message(role="assistant", model="bench-model", status="streaming", params=message.params)
    view.set_answer(live, [])
    shown = [0]

    def feed() -> None:
        shown[0] = min(len(entries), shown[0] + 5)
        view.show_live(live, entries[: shown[0]])
        if shown[0] >= len(entries):
            timer.stop()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(20)
    timer.timeout.connect(feed)
    timer.start()
    beats = Beats()
    while shown[0] < len(entries):
        part = heartbeat(app, 0.5)
        beats.times.extend(part.times)
        beats.cpu.extend(part.cpu)
    part = heartbeat(app, 0.2)
    beats.times.extend(part.times)
    beats.cpu.extend(part.cpu)
    return beats


def _settle(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


if __name__ == "__main__":
    main()
