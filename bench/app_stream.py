"""Event-loop stalls of the whole app while answers stream in at 500 tokens/s each.

The whole path, as a person uses it: the benchmark gateway (bench/stream_gateway.py) in
its own process streams one SSE event (a token of 4 characters) per network write at
``--rate`` events a second; the app is ``ui.app.build`` in this process, on a qasync
loop, in its real main window (offscreen by default), with glibc's malloc limited to 2
arenas and the GUI-thread garbage collector, as ``ui.app.main()`` runs it (keys in
memory; OPENAI_BASE_URL = the gateway; a temp CHORUS_DATA_DIR). The message goes in
through the composer (``composer.send_requested``), and each answer takes the real path:
httpx, ``ChatClient``, the SSE decoder, the accumulator, ``run_answer``, the throttled
saver writing the chat file, the controller, the view's 30 Hz flush and the paint.

``--columns 1`` (the default): a chat with 20 messages above the answer, in a 1280×800
window. ``--columns 4``: a comparison of 4 columns asked at once, in a 1920×1080 window.
Each answer is a Markdown text (paragraphs, lists, tables, headings, fenced code, some
long) of ``--seconds`` × rate × 4 characters.

A 1 ms heartbeat records the gaps between its ticks from the send until a second after
the last answer ended (see bench/heartbeat.py); the same heartbeat runs 2 s before,
idle, for the machine's own noise. RSS is read before the send and 2 s after the end.

Prints a summary and, as the last line, {"max_stall_ms": …, "p99_stall_ms": …,
"max_cpu_stall_ms": …, "tok_per_s": …, "rss_growth_mb": …}. Goals: max ≤ 16 ms,
p99 ≤ 5 ms.

    .venv/bin/python bench/app_stream.py --columns 4 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gateway_process import free_port, start_gateway, stop_gateway
from heartbeat import Beats, Heartbeat
from loop_trace import LoopTrace, traced_app
from memory import rss_mb
from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication
from sample_text import answer, question
from shiboken6 import isValid
from stall_trace import StallTracer

from core import paths
from core.chat import Chat, Message
from core.params import default_values
from core.storage.chat_store import ChatStore
from tests.ui.app_support import memory_secrets
from ui.app import Assembly, build
from ui.common.event_loop import EventLoop
from ui.common.gc_guard import GarbageCollector
from ui.common.memory_trim import limit_malloc_arenas
from ui.transcript.chat_view import ChatView

CHARS_PER_TOKEN = 4
TIMEOUT_S = 300.0


def quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    if not text.startswith("This plugin does not support"):
        print(text, file=sys.stderr)


def seed_history(data_dir: Path, count: int) -> None:
    """One saved chat of ``count`` messages (what the window opens first)."""
    store = ChatStore(paths.chats_dir({"CHORUS_DATA_DIR": str(data_dir)}), fsync=False)
    messages: list[Message] = []
    parent = None
    for i in range(count):
        if i % 2 == 0:
            message = Message(role="user", content=question(i), parent=parent)
        else:
            message = Message(
                role="assistant", content=answer(1200, i), model="bench-model", parent=parent
            )
        messages.append(message)
        parent = message.id
    chat = Chat(
        title="History",
        model="bench-model",
        params=default_values(),
        messages=messages,
        leaf=parent,
    )
    store.save(chat)


class Run:
    """What one streaming run measured."""

    def __init__(self) -> None:
        self.idle = Beats()
        self.stream = Beats()
        self.flushes: list[float] = []
        self.answers: list[Message] = []
        self.seconds = 0.0
        self.cpu_s = 0.0
        self.rss_before = 0.0
        self.rss_after = 0.0
        self.writes = 0
        self.trace = ""


def views_of(assembly: Assembly, columns: int) -> list[ChatView]:
    if columns == 1:
        return [assembly.chat_page.view]
    return [column.view for column in assembly.compare_page.view.columns()]


async def stream(
    app: QApplication,
    args: argparse.Namespace,
    env: dict[str, str],
    collector: GarbageCollector,
    trace: LoopTrace | None,
) -> Run:
    run = Run()
    assembly = build(app, env, secrets=memory_secrets())
    collector.busy = assembly.runner.streaming  # as ui.app.run() does
    window = assembly.window
    window.resize(*((1280, 800) if args.columns == 1 else (1920, 1080)))
    window.show()
    await asyncio.sleep(0)
    assembly.finish_start()
    if args.columns > 1:
        models = [f"bench-model-{i}" for i in range(args.columns)]
        if assembly.comparisons.new_comparison(models, window.params_panel.values()) is None:
            raise RuntimeError("the comparison could not be made")
        window.show_page(window.compare_page)
    else:
        window.set_model("bench-model")
    await asyncio.sleep(1.0)  # the window settles: first layouts, background measuring

    views = views_of(assembly, args.columns)

    tracer = StallTracer(args.trace_stalls) if args.trace_stalls else None

    def on_beat() -> None:
        if tracer is not None:
            tracer.beat()
        for view in views:
            if view.last_flush_ms:
                run.flushes.append(view.last_flush_ms)
                view.last_flush_ms = 0.0

    probe = Heartbeat(on_beat)
    probe.start()
    await asyncio.sleep(2.0)
    run.idle = probe.stop()

    chars = int(args.seconds * args.rate * CHARS_PER_TOKEN)
    text = f"{question(99)} [[markdown {chars} seed 7]]"
    writes_before = assembly.runner.saver.writes
    run.rss_before = rss_mb()
    run.stream = probe.start()
    if tracer is not None:
        tracer.start()
    if trace is not None:
        trace.enabled = True
    started, cpu_started = time.perf_counter(), time.process_time()
    window.composer.set_text(text)
    window.composer.send_requested.emit(text, [])
    if not window.page.is_generating():
        raise RuntimeError("the message was not sent")
    while window.page.is_generating():
        if time.perf_counter() - started > TIMEOUT_S:
            window.page.stop()
            raise RuntimeError("the answers did not end in time")
        await asyncio.sleep(0.05)
    run.seconds = time.perf_counter() - started
    run.cpu_s = time.process_time() - cpu_started
    await asyncio.sleep(1.0)
    probe.stop()
    if tracer is not None:
        tracer.stop()
        run.trace = tracer.report()
    if trace is not None:
        trace.enabled = False
        run.trace += "\n" + trace.report(run.stream, args.trace_loop)
    run.writes = assembly.runner.saver.writes - writes_before
    await asyncio.sleep(1.0)  # the app's malloc_trim runs a second after the work ends
    run.rss_after = rss_mb()
    if args.columns == 1:
        chat = assembly.controller.chat
        run.answers = [chat.branch()[-1]] if chat is not None else []
    else:
        cmp = assembly.comparisons.comparison
        run.answers = [col.branch()[-1] for col in cmp.columns] if cmp is not None else []
    if isValid(window):
        window.close()
        window.deleteLater()
    await assembly.close()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=1, help="1: a chat; more: a comparison")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each answer")
    parser.add_argument("--rate", type=float, default=500.0, help="tokens a second per answer")
    parser.add_argument("--history", type=int, default=20, help="messages above (a chat)")
    parser.add_argument(
        "--trace-loop",
        type=float,
        default=0.0,
        metavar="MS",
        help="list the Qt events and asyncio callbacks that ran in gaps longer than MS "
        "(bench/loop_trace.py)",
    )
    parser.add_argument(
        "--trace-stalls",
        type=float,
        default=0.0,
        metavar="MS",
        help="print where the GUI thread was during gaps longer than MS (bench/stall_trace.py)",
    )
    args = parser.parse_args()

    limit_malloc_arenas()  # as ui.app.main() does, before any thread starts
    port = free_port()
    gateway = start_gateway(port, args.rate)
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            if args.columns == 1:
                seed_history(Path(data_dir), args.history)
            env = {"CHORUS_DATA_DIR": data_dir, "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1"}
            trace = LoopTrace() if args.trace_loop else None
            if trace is not None:
                trace.install_asyncio()
                app = traced_app(sys.argv[:1], trace)
            else:
                app = QApplication(sys.argv[:1])
            app.setQuitOnLastWindowClosed(False)
            qInstallMessageHandler(quiet_offscreen)
            collector = GarbageCollector(app)  # as ui.app.main() runs the app
            loop = EventLoop(app)
            asyncio.set_event_loop(loop)
            with loop:
                run = loop.run_until_complete(stream(app, args, env, collector, trace))
            collector.stop()
    finally:
        stop_gateway(gateway)

    chars = int(args.seconds * args.rate * CHARS_PER_TOKEN)
    got = [len(a.content) for a in run.answers]
    statuses = sorted({a.status for a in run.answers})
    tokens = sum(got) / CHARS_PER_TOKEN
    rate = tokens / max(1e-9, run.seconds) / max(1, len(run.answers))
    what = "a chat" if args.columns == 1 else f"a comparison of {args.columns} columns"
    print(
        f"{what}: {len(got)} answers of {chars:,} chars asked at {args.rate:g} tok/s each; "
        f"received {sum(got):,} chars (statuses {', '.join(statuses)}) in {run.seconds:.1f} s: "
        f"{rate:.0f} tok/s per answer"
    )
    for a in run.answers:
        if a.error is not None:
            print(f"  {a.model}: {a.error.message}")
    print(f"idle event loop, same window:  {run.idle.summary()}")
    print(f"while streaming:               {run.stream.summary()}")
    print(f"  {run.stream.own_summary()}")
    if run.flushes:
        flushes = sorted(run.flushes)
        print(
            f"view flushes: {len(flushes)}; median {flushes[len(flushes) // 2]:.2f} ms, "
            f"p95 {flushes[int(len(flushes) * 0.95) - 1]:.2f} ms, max {flushes[-1]:.2f} ms"
        )
    print(
        f"app CPU {run.cpu_s:.1f} s in {run.seconds:.1f} s ({100 * run.cpu_s / run.seconds:.0f}% "
        f"of one core); chat file writes while streaming: {run.writes}"
    )
    print(f"RSS {run.rss_before:.1f} MB before the send, {run.rss_after:.1f} MB after")
    if run.trace:
        print(run.trace)
    print(
        json.dumps(
            {
                "max_stall_ms": round(run.stream.max_gap, 2),
                "p99_stall_ms": round(run.stream.p99_gap, 2),
                "max_cpu_stall_ms": round(run.stream.max_cpu, 2),
                "max_own_stall_ms": round(run.stream.max_own, 2),
                "p99_own_stall_ms": round(run.stream.p99_own, 2),
                "tok_per_s": round(rate),
                "rss_growth_mb": round(run.rss_after - run.rss_before, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
