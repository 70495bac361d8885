"""Soak: the whole app used for ``--minutes`` as a person would, memory watched throughout.

The benchmark gateway (bench/stream_gateway.py) in its own process streams at 500
tokens/s, one event per network write; the app is ``ui.app.build`` in this process on a
qasync loop, run as ``ui.app.main()`` runs it (glibc's malloc limited to 2 arenas, the
GUI-thread garbage collector told when answers stream, keys in memory, a temp
CHORUS_DATA_DIR seeded with a few chats). Round after round it runs the scenarios of
bench/soak_actions.py in turn: a chat answer, a comparison of four columns, regenerate,
Stop mid-stream, errors (429, 500, a stream cut short), a temperature sweep, an answer
looked at in the Sampling tab; between them it switches to saved chats and back,
searches, filters the chat list, opens the model picker, flips the theme and scrolls,
and deletes its oldest chats beyond a dozen.

Every ``--sample`` seconds it records the resident size (VmRSS), RssAnon and glibc's
heap counters. The warm-up is the first quarter of the run, at most 5 minutes (caches
fill: rendered rows, lexers, fonts, glyphs; the heaps reach their working size). The
figure is the **slope** of RSS over the rest, a least-squares line through every sample,
in MB per hour (a leak grows without bound; memory in use at one moment does not move a
slope). Open file descriptors, Python objects (tracked ones plus those frozen at
start-up) and live QWidgets are counted at the start, after the warm-up and at the end,
each after a full collection. ``crashes`` = exceptions that reached the loop's handler or
sys.excepthook (Qt slots) + scenarios that ended otherwise than they should.

Prints a summary and, last, one JSON line: {"rss_slope_mb_per_h": …, "rss_growth_mb": …,
"crashes": …, "fds": [start, end], "objects": [start, end]}. Goal (reported, not asserted):
slope ≤ 2 MB/h, no crash, no growth of descriptors or objects.

Usage: .venv/bin/python bench/soak.py [--minutes 3] [--rate 500] [--sample 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter as TypeCounts
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gateway_process import free_port, start_gateway, stop_gateway
from memory import heap_mb, malloc_trim, rss_mb, status_mb
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication
from sample_text import answer, question
from shiboken6 import isValid
from soak_actions import SCENARIOS, prune, pump, ui_actions

from core import paths
from core.chat import Chat, Message
from core.params import default_values
from core.storage.chat_store import ChatStore
from tests.ui.app_support import memory_secrets
from ui.app import build
from ui.common.event_loop import EventLoop
from ui.common.gc_guard import GarbageCollector
from ui.common.memory_trim import limit_malloc_arenas


def quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    """Drop the offscreen plugin's "This plugin does not support …" lines; print the rest."""
    if not text.startswith("This plugin does not support"):
        print(text, file=sys.stderr)


def _stop_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks


def seed_chats(data_dir: Path, count: int = 5) -> None:
    store = ChatStore(paths.chats_dir({"CHORUS_DATA_DIR": str(data_dir)}), fsync=False)
    for i in range(count):
        user = Message(role="user", content=question(i))
        reply = Message(
            role="assistant", parent=user.id, model="gpt-4o", content=answer(1500, seed=i)
        )
        store.save(
            Chat(
                title=f"Seed {i}",
                model="gpt-4o",
                params=default_values(),
                messages=[user, reply],
                leaf=reply.id,
            )
        )


class Counter:
    def __init__(self) -> None:
        self.loop_errors: list[str] = []
        self.slot_errors: list[str] = []
        self.failed: list[str] = []

    @property
    def total(self) -> int:
        return len(self.loop_errors) + len(self.slot_errors) + len(self.failed)

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        text = context.get("message", "")
        if exc is not None:
            text += ": " + "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.loop_errors.append(text)

    def excepthook(self, kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        self.slot_errors.append("".join(traceback.format_exception(kind, exc, tb))[-600:])


def census(app: QApplication, types: TypeCounts[str] | None = None) -> dict[str, int]:
    """Descriptors, Python objects and QWidgets now, after a full collection; ``types``
    gets the count of tracked objects by type."""
    gc.collect()
    objects = gc.get_objects()
    if types is not None:
        types.update(type(o).__qualname__ for o in objects)
    return {
        "fds": len(os.listdir("/proc/self/fd")),
        "objects": len(objects) + gc.get_freeze_count(),
        "widgets": len(app.allWidgets()),
    }


def heap_sample() -> dict[str, float]:
    return {"anon": status_mb().get("RssAnon", 0.0), **(heap_mb() or {})}


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, MB) points, in MB per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return cov / var * 3600


class Record:
    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (seconds, RSS MB)
        self.heap: list[tuple[float, dict[str, float]]] = []
        self.census: dict[str, dict[str, int]] = {}
        self.types: dict[str, TypeCounts[str]] = {"warm": TypeCounts(), "end": TypeCounts()}
        self.done: dict[str, int] = {}  # scenario name: times run
        self.warmup = 0.0
        self.seconds = 0.0
        self.after_trim = 0.0


async def soak(
    app: QApplication, args: argparse.Namespace, gateway_url: str, data_dir: Path
) -> tuple[Counter, Record]:
    counter, record = Counter(), Record()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(counter.loop_handler)
    old_hook = sys.excepthook
    sys.excepthook = counter.excepthook
    env = {"CHORUS_DATA_DIR": str(data_dir), "OPENAI_BASE_URL": gateway_url}
    collector = GarbageCollector(app)  # as ui.app.main() runs the app
    assembly = build(app, env, secrets=memory_secrets())
    collector.busy = assembly.runner.streaming  # as ui.app.run() does
    window = assembly.window
    window.show()
    await asyncio.sleep(0)
    assembly.finish_start()
    await pump(1.0)
    record.census["start"] = census(app)
    duration = args.minutes * 60
    record.warmup = min(300.0, 0.25 * duration)
    t0 = time.monotonic()

    async def sampler() -> None:
        while True:
            now = time.monotonic() - t0
            record.samples.append((now, rss_mb()))
            record.heap.append((now, heap_sample()))
            if "warm" not in record.census and now >= record.warmup:
                record.census["warm"] = census(app, record.types["warm"])
            await asyncio.sleep(args.sample)

    sampling = asyncio.ensure_future(sampler())
    own: list[str] = []  # the soak's chats and comparisons, oldest first
    step = 0
    try:
        while time.monotonic() - t0 < duration:
            scenario = SCENARIOS[step % len(SCENARIOS)]
            problem = await scenario(assembly, step)
            name = scenario.__name__
            record.done[name] = record.done.get(name, 0) + 1
            if problem:
                counter.failed.append(f"step {step} ({name}): {problem}")
            for chat_id in (window.page.shown_chat_id(),):
                if chat_id and chat_id not in own:
                    own.append(chat_id)
            step += 1
            await ui_actions(app, assembly, step)
            await prune(assembly, own)
    finally:
        sampling.cancel()
        record.seconds = time.monotonic() - t0
        record.samples.append((record.seconds, rss_mb()))
        record.heap.append((record.seconds, heap_sample()))
        record.census["end"] = census(app, record.types["end"])
        malloc_trim()
        record.after_trim = rss_mb()
        if isValid(window):
            window.close()
            window.deleteLater()
        await assembly.close()
        collector.stop()
        sys.excepthook = old_hook
    return counter, record


def window_mean(values: list[float], first: bool, n: int = 5) -> float:
    part = values[:n] if first else values[-n:]
    return sum(part) / len(part)


def report(args: argparse.Namespace, counter: Counter, record: Record) -> None:
    after = [(t, r) for t, r in record.samples if t >= record.warmup] or record.samples[-2:]
    values = [r for _, r in after]
    slope = slope_per_hour(after)
    growth = window_mean(values, False) - window_mean(values, True)
    runs = ", ".join(f"{name} {n}" for name, n in record.done.items())
    print(f"{record.seconds / 60:.1f} min at {args.rate:g} tok/s a stream; scenarios run: {runs}")
    peak = max(r for _, r in record.samples)
    print(
        f"RSS: start {record.samples[0][1]:.1f} MB, after the warm-up ({record.warmup:.0f} s) "
        f"{after[0][1]:.1f} MB, end {record.samples[-1][1]:.1f} MB, peak {peak:.1f} MB; "
        f"after a final malloc_trim(0) {record.after_trim:.1f} MB"
    )
    step = max(1, len(record.samples) // 12)
    trail = ", ".join(f"{t:.0f}s:{r:.1f}" for t, r in record.samples[::step])
    print(f"  samples (s:MB): {trail}")
    print(
        f"RSS slope after the warm-up: {slope:+.2f} MB/h (least squares over {len(after)} "
        f"samples; goal ≤ 2); mean of the last 5 − first 5 samples: {growth:+.1f} MB"
    )
    heap = [h for t, h in record.heap if t >= record.warmup] or [record.heap[-1][1]]
    if "in_use" in heap[0]:
        times = [t for t, _ in record.heap if t >= record.warmup] or [record.heap[-1][0]]
        parts = []
        for key, label in (("anon", "RssAnon"), ("in_use", "malloc in use"), ("free", "free")):
            points = list(zip(times, [h[key] for h in heap], strict=True))
            parts.append(f"{label} {slope_per_hour(points):+.2f}")
        print(
            "  slopes, MB/h (a leak of C++ or Python objects grows malloc in use): "
            + "; ".join(parts)
        )
    for key in ("fds", "objects", "widgets"):
        counts = [record.census.get(when, {}).get(key) for when in ("start", "warm", "end")]
        print(f"{key}: start {counts[0]}, after the warm-up {counts[1]}, end {counts[2]}")
    grown = record.types["end"].copy()
    grown.subtract(record.types["warm"])
    top = [(name, n) for name, n in grown.most_common(8) if n > 0]
    if top:
        print(
            "  objects grown since the warm-up, by type: " + ", ".join(f"{k} +{n}" for k, n in top)
        )
    print(
        f"crashes: {counter.total} (loop handler {len(counter.loop_errors)}, Qt slots "
        f"{len(counter.slot_errors)}, scenarios that ended wrong {len(counter.failed)}) (goal 0)"
    )
    for text in (counter.loop_errors + counter.slot_errors + counter.failed)[:8]:
        print("  " + text.replace("\n", "\n  "))
    start, end = record.census["start"], record.census["end"]
    print(
        json.dumps(
            {
                "rss_slope_mb_per_h": round(slope, 2),
                "rss_growth_mb": round(growth, 1),
                "crashes": counter.total,
                "fds": [start["fds"], end["fds"]],
                "objects": [start["objects"], end["objects"]],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=500.0, help="tokens a second a stream")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, _stop_on_signal)
    limit_malloc_arenas()  # as ui.app.main() does, before any thread starts
    port = free_port()
    gateway = start_gateway(port, args.rate)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            seed_chats(Path(data_dir))
            app = QApplication(sys.argv[:1])
            app.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop
            qInstallMessageHandler(quiet_offscreen)
            loop = EventLoop(app)
            asyncio.set_event_loop(loop)
            with loop:
                counter, record = loop.run_until_complete(
                    soak(app, args, f"http://127.0.0.1:{port}/v1", Path(data_dir))
                )
    finally:
        stop_gateway(gateway)
    report(args, counter, record)


if __name__ == "__main__":
    main()
