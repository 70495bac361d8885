"""Soak: 8 concurrent streams, round after round, with UI actions between rounds.

A standalone fake gateway process (``python -m tests.gateway`` with a small ``--delay``)
and the app assembled in this process (``ui.app.build`` on a qasync loop, as
tests/ui/app_support.py does; keys in memory; OPENAI_BASE_URL = the gateway; a temp
CHORUS_DATA_DIR seeded with a few chats). For ``--minutes``: a comparison with 8 columns
sends a message; when all 8 answers are done it sends again (a fresh comparison every
``--turns`` rounds, so the growth of one ever-longer conversation does not hide or fake a
leak). Between rounds: switch to a saved chat and back, open the search panel and type,
open the model picker and close it, toggle the theme, scroll the columns
(bench/soak_actions.py; the gateway process: bench/gateway_process.py).

The app runs as ``ui.app.main()`` runs it: glibc's malloc limited to 2 arenas
(ui/common/memory_trim.py; ``--default-arenas`` to compare), the GUI-thread garbage collector of
ui/common/gc_guard.py, and whatever ``build`` sets up (the malloc_trim after work ends;
``--no-trim`` to compare).

RSS (VmRSS of this process) is sampled every ``--sample`` seconds. The warm-up is the
first minute (or 20% of the run when that is shorter): the caches fill (rendered rows,
lexers, fonts, glyphs) and the allocator's heaps reach their working size. Growth = the
mean of the last 5 samples − the mean of the first 5 samples after the warm-up (single
samples swing by a few MB with the streams in flight; the sample-to-sample figure is
printed too). ``crashes`` = exceptions that reached the loop's exception handler or
sys.excepthook (Qt slots) + failed rounds (an answer not done, or a round timing out).
For telling a leak from allocator retention, the summary also gives the live QWidget
count after the warm-up and at the end, the growth of RssAnon and of glibc's malloc
counters (mallinfo2: bytes in use — a real leak grows these — and bytes freed but kept),
and the RSS after gc.collect() and after a final malloc_trim(0) (memory freed but kept by
the C allocator comes back there).

Prints a summary and, last, one JSON line: {"rss_growth_mb": …, "crashes": …}.
Goal (reported, not asserted): no crash, growth ≤ 5 MB.

Usage: .venv/bin/python bench/soak.py [--minutes 5] [--delay 0.01] [--tracemalloc 8]
(``--tracemalloc N`` also prints where Python allocations grew after the warm-up.)
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
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from gateway_process import free_port, start_gateway, stop_gateway
from memory import heap_mb, malloc_trim, rss_mb, status_mb
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication
from sample_text import answer, question
from shiboken6 import isValid
from soak_actions import pump, ui_actions

from core import paths
from core.chat import Chat, Message
from core.storage.chat_store import ChatStore
from tests.ui.app_support import memory_secrets
from ui.app import build
from ui.common import memory_trim
from ui.common.gc_guard import GarbageCollector
from ui.common.memory_trim import MemoryTrimmer, limit_malloc_arenas

MODELS = [
    "gpt-4o",
    "gpt-4o-mini",
    "deepseek-v3-2",
    "claude-3-5-sonnet",
    "llama-3.1-70b",
    "mistral-large",
    "qwen-2.5-72b",
    "gemini-1.5-pro",
]
ROUND_TIMEOUT_S = 120.0
WINDOW = 5  # samples averaged at each end of the measured span


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
        store.save(Chat(title=f"Seed {i}", model="gpt-4o", messages=[user, reply], leaf=reply.id))


class Counter:
    def __init__(self) -> None:
        self.loop_errors: list[str] = []
        self.slot_errors: list[str] = []
        self.failed_rounds: list[str] = []

    @property
    def total(self) -> int:
        return len(self.loop_errors) + len(self.slot_errors) + len(self.failed_rounds)

    def loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        text = context.get("message", "")
        if exc is not None:
            text += ": " + "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.loop_errors.append(text)

    def excepthook(self, kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        self.slot_errors.append("".join(traceback.format_exception(kind, exc, tb))[-600:])


async def soak(app: QApplication, args: argparse.Namespace, gateway_url: str, data_dir: Path):
    counter = Counter()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(counter.loop_handler)
    old_hook = sys.excepthook
    sys.excepthook = counter.excepthook
    env = {"CHORUS_DATA_DIR": str(data_dir), "OPENAI_BASE_URL": gateway_url}
    collector = GarbageCollector(app)  # as ui.app.main() runs the app
    if args.no_trim:
        memory_trim._find_trim = lambda: None
    assembly = build(app, env, secrets=memory_secrets())
    assembly.window.show()
    assembly.finish_start()
    samples: list[tuple[float, float]] = []
    heap: list[tuple[float, dict[str, float]]] = []  # (seconds, RssAnon + glibc's counters)
    rounds = 0
    streams = 0
    streamed_chars = 0
    round_times: list[float] = []
    duration = args.minutes * 60
    warmup = min(60.0, 0.2 * duration)
    t0 = time.monotonic()

    snapshots: list[tracemalloc.Snapshot] = []
    widgets: list[tuple[float, int]] = []  # (seconds, live QWidgets)

    async def sampler() -> None:
        while True:
            now = time.monotonic() - t0
            samples.append((now, rss_mb()))
            heap.append((now, heap_sample()))
            widgets.append((now, len(app.allWidgets())))
            if args.tracemalloc and not snapshots and now >= warmup:
                snapshots.append(tracemalloc.take_snapshot())
            await asyncio.sleep(args.sample)

    if args.tracemalloc:
        tracemalloc.start(args.tracemalloc)

    sampling = asyncio.ensure_future(sampler())
    comparisons = assembly.comparisons
    cmp: Chat | None = None
    try:
        while time.monotonic() - t0 < duration:
            if cmp is None or rounds % args.turns == 0:
                params = assembly.window.params_panel.values()
                cmp = comparisons.new_comparison(list(MODELS), params)
                if cmp is None:
                    counter.failed_rounds.append("new_comparison refused")
                    break
                assembly.window.show_page(assembly.window.compare_page)
            text = f"Round {rounds}. " + answer(args.prompt_chars, seed=rounds)
            started = time.monotonic()
            if not comparisons.send(text):
                counter.failed_rounds.append(f"round {rounds}: send refused")
                await pump(app, 1.0)
                rounds += 1
                continue
            while comparisons.is_generating():
                if time.monotonic() - started > ROUND_TIMEOUT_S:
                    counter.failed_rounds.append(f"round {rounds}: timed out")
                    comparisons.stop()
                    break
                await asyncio.sleep(0.05)
            round_times.append(time.monotonic() - started)
            streams += len(cmp.columns)
            for col in cmp.columns:
                last = col.branch()[-1]
                streamed_chars += len(last.content)
                if last.role != "assistant" or last.status != "done":
                    counter.failed_rounds.append(
                        f"round {rounds}: column {col.model} ended {last.status!r}"
                        + (f" ({last.error.message})" if last.error else "")
                    )
            rounds += 1
            await ui_actions(app, assembly, cmp, rounds)
    finally:
        sampling.cancel()
        samples.append((time.monotonic() - t0, rss_mb()))
        heap.append((samples[-1][0], heap_sample()))
        collector.stop()
        gc.collect()
        after_gc = rss_mb()
        trim_started = time.perf_counter()
        malloc_trim()
        trim_ms = (time.perf_counter() - trim_started) * 1000
        after_trim = rss_mb()
        trimmer = assembly.window.findChild(MemoryTrimmer)
        if trimmer is not None:
            print(f"the app's malloc_trim ran {trimmer.trims} times")
        print_heap(heap, warmup)
        after_warm = [n for t, n in widgets if t >= warmup] or [n for _, n in widgets[-1:]]
        if after_warm:
            print(f"live QWidgets: after warm-up {after_warm[0]}, at the end {after_warm[-1]}")
        print(
            f"RSS after gc.collect {after_gc:.1f} MB; after malloc_trim(0) {after_trim:.1f} MB "
            f"(memory freed but kept by the C allocator comes back here; the trim took "
            f"{trim_ms:.1f} ms)"
        )
        if args.tracemalloc and snapshots:
            diff = tracemalloc.take_snapshot().compare_to(snapshots[0], "traceback")
            print("Python allocations grown since the warm-up (tracemalloc):")
            for stat in diff[:10]:
                print(f"  {stat.size_diff / 1024:+8.0f} KiB {stat.count_diff:+7d} blocks")
                for line in stat.traceback.format()[-6:]:
                    print("      " + line)
            tracemalloc.stop()
        window = assembly.window
        if isValid(window):
            window.close()
            window.deleteLater()
        await assembly.close()
        sys.excepthook = old_hook
    print(f"streamed: {streamed_chars / max(1, streams):.0f} chars per answer on average")
    return counter, samples, warmup, rounds, streams, round_times, after_gc


def heap_sample() -> dict[str, float]:
    return {"anon": status_mb().get("RssAnon", 0.0), **(heap_mb() or {})}


def window_mean(values: list[float], first: bool, n: int = WINDOW) -> float:
    part = values[:n] if first else values[-n:]
    return sum(part) / len(part)


def print_heap(heap: list[tuple[float, dict[str, float]]], warmup: float) -> None:
    """Growth after the warm-up of RssAnon and of glibc's counters: ``in_use`` grows with
    a real leak (C++ or Python objects); ``free`` is memory freed but kept by malloc."""
    after = [h for t, h in heap if t >= warmup] or [heap[-1][1]]
    if "in_use" not in after[0]:
        print("(no glibc mallinfo2: heap counters not available)")
        return
    parts = []
    for key in ("anon", "in_use", "free", "system"):
        values = [h[key] for h in after]
        parts.append(
            f"{key} {window_mean(values, True):.1f} → {window_mean(values, False):.1f} "
            f"({window_mean(values, False) - window_mean(values, True):+.1f})"
        )
    print("after the warm-up, MB (RssAnon; malloc: in use, free but kept, from the OS):")
    print("  " + "; ".join(parts))
    step = max(1, len(heap) // 12)
    trail = ", ".join(f"{t:.0f}s:{h['anon']:.0f}/{h['in_use']:.0f}" for t, h in heap[::step])
    print(f"  RssAnon/in use (s:MB): {trail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--delay", type=float, default=0.01, help="gateway seconds per chunk")
    parser.add_argument("--sample", type=float, default=3.0, help="seconds between RSS samples")
    parser.add_argument("--turns", type=int, default=5, help="rounds per comparison")
    parser.add_argument("--prompt-chars", type=int, default=2000, help="the echo's length")
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="trace Python allocations (this many frames) and print the top growth",
    )
    parser.add_argument(
        "--no-trim",
        action="store_true",
        help="without the app's malloc_trim after work ends (to compare)",
    )
    parser.add_argument(
        "--default-arenas",
        action="store_true",
        help="leave glibc's malloc arenas at its default (main() limits them to 2)",
    )
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, _stop_on_signal)
    if not args.default_arenas:
        limit_malloc_arenas()  # as ui.app.main() does, before any thread starts
    port = free_port()
    gateway = start_gateway(port, 1.0 / args.delay)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            seed_chats(Path(data_dir))
            app = QApplication(sys.argv[:1])
            app.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop
            qInstallMessageHandler(quiet_offscreen)
            loop = qasync.QEventLoop(app)
            asyncio.set_event_loop(loop)
            with loop:
                result = loop.run_until_complete(
                    soak(app, args, f"http://127.0.0.1:{port}/v1", Path(data_dir))
                )
    finally:
        stop_gateway(gateway)
    counter, samples, warmup, rounds, streams, round_times, after_gc = result

    after = [(t, r) for t, r in samples if t >= warmup] or samples[-1:]
    first, last = after[0][1], after[-1][1]
    # Mean of the first WINDOW samples after the warm-up vs the last WINDOW (about 15 s
    # each): single samples swing by a few MB with the streams in flight.
    values = [r for _, r in after]
    growth = window_mean(values, False) - window_mean(values, True)
    peak = max(r for _, r in samples)
    print(
        f"{args.minutes:g} min: {rounds} rounds, {streams} streams "
        f"(8 at a time, gateway delay {args.delay * 1000:.0f} ms/chunk)"
    )
    if round_times:
        mean = sum(round_times) / len(round_times)
        print(f"round time: mean {mean:.2f} s, max {max(round_times):.2f} s")
    print(
        f"RSS: start {samples[0][1]:.1f} MB, first after warm-up ({warmup:.0f} s) "
        f"{first:.1f} MB, last {last:.1f} MB, peak {peak:.1f} MB, after gc.collect "
        f"{after_gc:.1f} MB"
    )
    trail = ", ".join(f"{t:.0f}s:{r:.1f}" for t, r in samples[:: max(1, len(samples) // 12)])
    print(f"samples (s:MB): {trail}")
    print(
        f"RSS growth after warm-up: {growth:+.1f} MB (mean of the last {WINDOW} samples − "
        f"mean of the first {WINDOW} after the warm-up; sample to sample "
        f"{last - first:+.1f}) (goal ≤ 5)"
    )
    print(
        f"crashes: {counter.total} (loop handler {len(counter.loop_errors)}, Qt slots "
        f"{len(counter.slot_errors)}, failed rounds {len(counter.failed_rounds)}) (goal 0)"
    )
    for text in (counter.loop_errors + counter.slot_errors + counter.failed_rounds)[:5]:
        print("  " + text.replace("\n", "\n  "))
    print(json.dumps({"rss_growth_mb": round(growth, 1), "crashes": counter.total}))


if __name__ == "__main__":
    main()
