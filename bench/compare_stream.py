"""Event-loop stalls and memory while 4 compare columns each stream at 500 tokens/s.

A CompareView with four columns in a real (offscreen by default) window. Each column
streams its own answer (Markdown with paragraphs, lists, tables and code) at 500 tokens/s
for the given time, the columns staggered by a few ms as network reads would be. A 1 ms
heartbeat records the gaps between its ticks (see bench/ui_stream.py). RSS is read before
the streams start and after they end (after one more idle second).

Prints a summary and, as the last line,
{"max_stall_ms": …, "p99_stall_ms": …, "rss_growth_mb": …}.
Goals: max ≤ 16 ms, p99 ≤ 5 ms.

    .venv/bin/python bench/compare_stream.py --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import windows
from heartbeat import heartbeat, settle
from loop_trace import LoopTrace, traced_app
from memory import rss_mb
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sample_text import answer, question

from core.chat import Message, Stats, Usage
from ui.compare.view import CompareView
from ui.transcript.message_model import MessageRow

TOKENS_PER_S = 500
CHARS_PER_TOKEN = 4
FEED_MS = 10
COLUMNS = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument(
        "--trace-loop",
        type=float,
        default=0.0,
        metavar="MS",
        help="list the Qt events that ran in gaps longer than MS (bench/loop_trace.py)",
    )
    args = parser.parse_args()

    trace = LoopTrace() if args.trace_loop else None
    app = traced_app(sys.argv, trace) if trace is not None else QApplication(sys.argv)
    view = CompareView("light")
    window = windows.shown(view, args.width, args.height)
    windows.preload_lexers(app)
    ids = [f"col{i}" for i in range(COLUMNS)]
    view.set_columns([(cid, f"bench-model-{i}") for i, cid in enumerate(ids)])
    for i, cid in enumerate(ids):
        column = view.column(cid)
        assert column is not None
        column.view.set_rows([MessageRow(Message(role="user", content=question(i)))])
    settle(app, 1.0)
    baseline = heartbeat(app, 2.0)

    total_chars = int(args.seconds * TOKENS_PER_S * CHARS_PER_TOKEN)
    texts = [
        answer(total_chars + 200, seed=11 + i, long_code_every=4)[:total_chars]
        for i in range(COLUMNS)
    ]
    lives = [
        Message(role="assistant", model=f"bench-model-{i}", status="streaming")
        for i in range(COLUMNS)
    ]
    for cid, live in zip(ids, lives, strict=True):
        column = view.column(cid)
        assert column is not None
        column.view.start_stream(MessageRow(live))
        column.set_generating(True)
    rss_before = rss_mb()

    finished = [False] * COLUMNS
    t0 = time.perf_counter()
    feeders: list[QTimer] = []

    def make_feed(index: int) -> None:
        column = view.column(ids[index])
        assert column is not None
        live = lives[index]

        def feed() -> None:
            elapsed = time.perf_counter() - t0
            n = min(total_chars, int(elapsed * TOKENS_PER_S * CHARS_PER_TOKEN))
            column.view.stream_text(live.id, texts[index][:n])
            if n >= total_chars and not finished[index]:
                finished[index] = True
                timer.stop()
                final = Message(
                    id=live.id,
                    role="assistant",
                    model=live.model,
                    content=texts[index],
                    stats=Stats(
                        model=live.model,
                        ttft_s=0.4,
                        tokens_per_s=TOKENS_PER_S,
                        usage=Usage(prompt_tokens=100, completion_tokens=total_chars // 4),
                        finish_reason="stop",
                    ),
                )
                column.view.finish_stream(MessageRow(final))
                column.set_generating(False)
                column.set_stats(final.stats, None)

        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(FEED_MS)
        timer.timeout.connect(feed)
        # Stagger the columns as independent network reads would be.
        QTimer.singleShot(index * 3, timer.start)
        feeders.append(timer)

    for index in range(COLUMNS):
        make_feed(index)
    if trace is not None:
        trace.enabled = True
    stream = heartbeat(app, args.seconds + 1.5)
    if trace is not None:
        trace.enabled = False
    settle(app, 1.0)
    rss_after = rss_mb()

    rate = f"{TOKENS_PER_S} tok/s each"
    print(f"{COLUMNS} columns × {total_chars:,} chars in {args.seconds:g} s at {rate}")
    print(f"idle event loop, same window:  {baseline.summary()}")
    print(f"while streaming:               {stream.summary()}")
    print(f"  {stream.own_summary()}")
    print(f"RSS {rss_before:.1f} MB before the streams, {rss_after:.1f} MB after")
    if trace is not None:
        print(trace.report(stream, args.trace_loop))
    windows.close(app, [window])
    print(
        json.dumps(
            {
                "max_stall_ms": round(stream.max_gap, 2),
                "p99_stall_ms": round(stream.p99_gap, 2),
                "max_own_stall_ms": round(stream.max_own, 2),
                "p99_own_stall_ms": round(stream.p99_own, 2),
                "rss_growth_mb": round(rss_after - rss_before, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
