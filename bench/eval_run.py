"""The evaluation workbench filling its matrix: 20 rows × 4 configurations × 3 repeats.

240 answers stream from the loopback gateway (a separate process) at 200 tokens/s each
(5 ms between tokens), 4 at a time, through the real app (``ui.app.build``, offscreen by
default). A 1 ms heartbeat timer on the window's event loop records the gaps between its
ticks while the matrix fills; a gap is the longest the window could not respond.

``efficiency``: the ideal wall time (every answer's tokens at 200 tok/s, 4 at a time, no
overhead) divided by the measured one. ``rss_growth_mb``: resident memory after the run
less before it.

Prints a summary and, as the last line, one JSON object
{"max_stall_ms", "p99_stall_ms", "efficiency", "rss_growth_mb", ...}.
Goals: max ≤ 16 ms, p99 ≤ 5 ms, efficiency ≥ 0.9.

    .venv/bin/python bench/eval_run.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from gateway_process import free_port, start_gateway, stop_gateway
from memory import rss_mb
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.eval.model import Config, Row, TestSet
from tests.ui.app_support import memory_secrets
from ui.app import build

TOKENS_PER_S = 200


def _testset(rows: int, words: int) -> TestSet:
    filler = " ".join(f"w{i}" for i in range(words))
    return TestSet(
        name="Benchmark",
        rows=[Row(prompt=f"Question {{{{n}}}}: {filler}", vars={"n": str(n)}) for n in range(rows)],
    )


async def bench(app: QApplication, args: argparse.Namespace, url: str, data: Path) -> dict:
    env = {"CHORUS_DATA_DIR": str(data), "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-bench"}
    assembly = build(app, env, secrets=memory_secrets())
    window = assembly.window
    window.resize(1280, 800)
    window.show()
    assembly.finish_start()
    window.new_evaluation()
    page = assembly.eval_page
    page.set_testset(
        _testset(args.rows, args.words),
        [Config(name=f"model {c}", model=f"model-{c}") for c in "abcd"[: args.configs]],
    )
    page.repeats.setValue(args.repeats)
    page.concurrency.setValue(args.concurrency)
    await asyncio.sleep(0.5)
    before = rss_mb()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000.0)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(beat)
    controller = assembly.evaluations
    started = time.perf_counter()
    page.start_run(confirm=False)
    last[0] = time.perf_counter()
    heartbeat.start()
    idle = asyncio.Event()
    controller.progressed.connect(lambda: idle.set() if not controller.busy() else None)
    if controller.busy():
        await idle.wait()
    wall = time.perf_counter() - started
    await asyncio.sleep(0.3)  # the last summary refresh
    heartbeat.stop()
    await controller.flush()
    after = rss_mb()
    run = controller.run
    assert run is not None
    tokens = [
        c.answer.stats.usage.completion_tokens or 0
        for c in run.cells
        if c.answer and c.answer.stats and c.answer.stats.usage
    ]
    done, failed, total = controller.counts()
    ideal = sum(t / TOKENS_PER_S for t in tokens) / args.concurrency
    await assembly.close()
    window.close()
    stalls = sorted(max(0.0, g - 1.0) for g in gaps)
    p99 = stalls[int(len(stalls) * 0.99) - 1] if stalls else 0.0
    return {
        "answers": done,
        "failed": failed,
        "total": total,
        "mean_completion_tokens": round(statistics.fmean(tokens), 1) if tokens else 0,
        "wall_s": round(wall, 2),
        "ideal_s": round(ideal, 2),
        "max_stall_ms": round(max(stalls, default=0.0), 1),
        "p99_stall_ms": round(p99, 1),
        "efficiency": round(ideal / wall, 3) if wall else 0.0,
        "rss_growth_mb": round(after - before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--configs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--words", type=int, default=40, help="words per prompt (echoed)")
    args = parser.parse_args()
    port = free_port()
    gateway = start_gateway(port, 1.0 / TOKENS_PER_S)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with tempfile.TemporaryDirectory() as data, loop:
            result = loop.run_until_complete(
                bench(app, args, f"http://127.0.0.1:{port}/v1", Path(data))
            )
    finally:
        stop_gateway(gateway)
    print(
        f"{result['answers']} answers ({result['failed']} failed) in {result['wall_s']} s; "
        f"ideal {result['ideal_s']} s; efficiency {result['efficiency']}"
    )
    print(f"event-loop stalls: max {result['max_stall_ms']} ms, p99 {result['p99_stall_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
