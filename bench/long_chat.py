"""Opening a 2,000-message chat, and what streaming costs at its end.

1. ``set_rows`` with 2,000 messages (questions, and answers with paragraphs, lists,
   tables and code) in a shown (offscreen) window, until the view has painted once
   (a synchronous repaint, then pending events). Goal: ≤ 300 ms.
2. The per-token append cost — ``stream_text`` + the flush + the paint it causes — when
   the live answer is message #2,000 of the chat vs message #1 of an empty chat, same
   text, same flushes. Goal: ratio ≤ 1.2.

Prints a summary and, as the last line, {"open_ms": …, "append_ratio": …}.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/long_chat.py
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import windows
from PySide6.QtWidgets import QApplication
from sample_text import answer, question

from core.chat import Message, Stats, Usage
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow

CHARS_PER_FLUSH = 70  # about 500 tok/s × 4 chars at 30 Hz
TOKENS_PER_FLUSH = CHARS_PER_FLUSH / 4


def make_chat(count: int) -> list[MessageRow]:
    rows = []
    for i in range(count):
        if i % 2 == 0:
            rows.append(MessageRow(Message(role="user", content=question(i))))
        else:
            size = (300, 900, 1800, 3500)[i % 4]
            stats = Stats(
                model="bench-model",
                ttft_s=0.4,
                tokens_per_s=40.0,
                usage=Usage(prompt_tokens=20, completion_tokens=size // 4),
                finish_reason="stop",
            )
            message = Message(
                role="assistant", model="bench-model", content=answer(size, i), stats=stats
            )
            rows.append(MessageRow(message, sibling_index=0, sibling_count=1 + (i % 7 == 1)))
    return rows


def open_chat(app: QApplication, view: ChatView, rows: list[MessageRow]) -> float:
    start = time.perf_counter()
    view.set_rows(rows)
    view.view.viewport().repaint()
    app.processEvents()
    return (time.perf_counter() - start) * 1000


def append_costs(
    app: QApplication, views: list[ChatView], text: str, warmup: int, flushes: int
) -> list[tuple[list[float], list[float]]]:
    """Per view: the cost of stream_text + flush, and of that plus the paint it causes.

    The views stream the same text, taking turns flush by flush (so a busy moment on the
    machine hits all of them alike). The first ``warmup`` flushes are not timed: by then
    the answer is taller than the viewport in every view, so all of them follow it by
    scrolling, as a long answer does.
    """
    ids = []
    for view in views:
        live = Message(role="assistant", model="bench-model")
        view.start_stream(MessageRow(live))
        ids.append(live.id)
    _drain(app)
    results: list[tuple[list[float], list[float]]] = [([], []) for _ in views]
    for k in range(1, warmup + flushes + 1):
        chunk = text[: k * CHARS_PER_FLUSH]
        order = list(range(len(views))) if k % 2 else list(reversed(range(len(views))))
        for i in order:
            start = time.perf_counter()
            views[i].stream_text(ids[i], chunk)
            views[i].flush_stream()
            flushed = time.perf_counter()
            app.processEvents()
            done = time.perf_counter()
            if k > warmup:
                results[i][0].append((flushed - start) * 1000)
                results[i][1].append((done - start) * 1000)
    for view, message_id in zip(views, ids, strict=True):
        view.finish_stream(MessageRow(Message(id=message_id, role="assistant", content=text)))
    _drain(app)
    return results


def _drain(app: QApplication, seconds: float = 0.3) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--flushes", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=60, help="flushes before timing starts")
    parser.add_argument("--repeat", type=int, default=3, help="open the chat this many times")
    args = parser.parse_args()

    app = QApplication(sys.argv)
    shown_windows = []
    views = []
    for _ in range(2):
        chat = ChatView("light")
        shown_windows.append(windows.shown(chat, 1000, 900))
        views.append(chat)
    view = views[1]
    _drain(app)

    rows = make_chat(args.messages)
    opens = []
    for _ in range(args.repeat):
        view.set_rows([])
        _drain(app, 0.2)
        opens.append(open_chat(app, view, rows))
        _drain(app, 0.5)
    open_ms = statistics.median(opens)

    text = answer((args.warmup + args.flushes) * CHARS_PER_FLUSH + 100, seed=99)
    views[0].set_rows([])
    view.set_rows(rows[: args.messages - 1])
    _drain(app, 1.0)
    for chat in views:
        chat.worker.run_all()
    _drain(app)
    (first, first_paint), (last, last_paint) = append_costs(
        app, views, text, args.warmup, args.flushes
    )
    ratio = statistics.median(last) / statistics.median(first)
    paint_ratio = statistics.median(last_paint) / statistics.median(first_paint)

    per_token = 1000 / TOKENS_PER_FLUSH

    def line(name: str, costs: list[float], painted: list[float]) -> str:
        median = statistics.median(costs)
        return (
            f"append as {name}: stream_text+flush median {median:.3f} ms/flush "
            f"({median * per_token / 1000:.4f} ms/token), p95 {_p95(costs):.3f} ms; "
            f"with the paint: median {statistics.median(painted):.2f} ms, "
            f"p95 {_p95(painted):.2f} ms"
        )

    print(
        f"open {args.messages:,} messages: median {open_ms:.1f} ms "
        f"(runs: {', '.join(f'{x:.1f}' for x in opens)})"
    )
    print(line("message #1    ", first, first_paint))
    print(line(f"message #{args.messages:,}", last, last_paint))
    print(f"ratio #{args.messages:,} / #1: {ratio:.2f} (with the paint: {paint_ratio:.2f})")
    windows.close(app, shown_windows)
    print(json.dumps({"open_ms": round(open_ms, 1), "append_ratio": round(ratio, 3)}))


def _p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95)]


if __name__ == "__main__":
    main()
