"""Event-loop stalls while one answer streams into a ChatView at 500 tokens/s.

A ChatView in a real (offscreen by default) window, with a short chat above. One answer
(paragraphs, lists, tables, headings, several fenced code blocks, some long) streams in:
every 10 ms a timer passes ``stream_text`` the whole text so far, at 500 tokens/s
(4 characters a token). A 1 ms heartbeat timer records the gaps between its ticks;
a gap is the longest the GUI could not respond. The stream then finishes (the final
render is part of the measurement) and the heartbeat runs one more second.

Before streaming, the same heartbeat runs for 2 s with nothing happening: its gaps are
the machine's own noise (other processes on the same CPUs). Each tick also records this
process's CPU time, so a long gap in which the process hardly ran can be told apart
from work done by the view.

Prints a summary and, as the last line,
{"max_stall_ms": …, "p99_stall_ms": …, "max_cpu_stall_ms": …}. Goal: max ≤ 16 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_stream.py --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import windows
from heartbeat import heartbeat, settle
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sample_text import answer, question

from core.chat import Message, Stats, Usage
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow

TOKENS_PER_S = 500
CHARS_PER_TOKEN = 4
FEED_MS = 10


BEATS: list[float] = []  # heartbeat tick times of the last run, for tracing tools


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--history", type=int, default=20, help="messages above the answer")
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()

    app = QApplication(sys.argv)
    view = ChatView("light")
    window = windows.shown(view, args.width, args.height)
    windows.preload_lexers(app)

    history = []
    for i in range(args.history):
        if i % 2 == 0:
            message = Message(role="user", content=question(i))
        else:
            message = Message(role="assistant", content=answer(1200, i), model="bench-model")
        history.append(MessageRow(message))
    view.set_rows(history)
    settle(app, 1.0)
    baseline = heartbeat(app, 2.0)

    total_chars = int(args.seconds * TOKENS_PER_S * CHARS_PER_TOKEN)
    text = answer(total_chars + 200, seed=7, long_code_every=4)[:total_chars]
    live = Message(role="assistant", model="bench-model", status="streaming")
    view.start_stream(MessageRow(live))

    flushes: list[float] = []
    done = [False]
    t0 = time.perf_counter()

    def on_beat() -> None:
        if view.last_flush_ms:
            flushes.append(view.last_flush_ms)
            view.last_flush_ms = 0.0

    def feed() -> None:
        elapsed = time.perf_counter() - t0
        n = min(total_chars, int(elapsed * TOKENS_PER_S * CHARS_PER_TOKEN))
        view.stream_text(live.id, text[:n])
        if n >= total_chars and not done[0]:
            done[0] = True
            feeder.stop()
            final = Message(
                id=live.id,
                role="assistant",
                model="bench-model",
                content=text,
                stats=Stats(
                    model="bench-model",
                    ttft_s=0.4,
                    tokens_per_s=TOKENS_PER_S,
                    usage=Usage(prompt_tokens=100, completion_tokens=total_chars // 4),
                    finish_reason="stop",
                ),
            )
            QTimer.singleShot(50, lambda: view.finish_stream(MessageRow(final)))

    feeder = QTimer()
    feeder.setTimerType(Qt.TimerType.PreciseTimer)
    feeder.setInterval(FEED_MS)
    feeder.timeout.connect(feed)
    feeder.start()
    stream = heartbeat(app, args.seconds + 1.5, on_beat)
    settle(app, 0.2)
    BEATS.extend(stream.times)

    flushes.sort()
    print(f"streamed {total_chars:,} chars in {args.seconds:g} s at {TOKENS_PER_S} tok/s")
    print(f"idle event loop, same window:  {baseline.summary()}")
    print(f"while streaming:               {stream.summary()}")
    print(f"  {stream.own_summary()}")
    if flushes:
        print(
            f"flushes: {len(flushes)}; median {statistics.median(flushes):.2f} ms, "
            f"p95 {flushes[int(len(flushes) * 0.95) - 1]:.2f} ms, max {flushes[-1]:.2f} ms"
        )
    print(
        "(a gap's CPU time is what this process used during it; a long gap with little "
        "CPU time is the process waiting for the machine, not work of the view)"
    )
    windows.close(app, [window])
    print(
        json.dumps(
            {
                "max_stall_ms": round(stream.max_gap, 2),
                "p99_stall_ms": round(stream.p99_gap, 2),
                "max_own_stall_ms": round(stream.max_own, 2),
                "p99_own_stall_ms": round(stream.p99_own, 2),
                "max_cpu_stall_ms": round(stream.max_cpu, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
