"""The evaluation workbench filling its matrix: 20 rows × 4 configurations × 3 repeats.

240 answers stream from the loopback gateway (a separate process) at 200 tokens/s each
(5 ms between tokens), 4 at a time, through the real app (``ui.app.build``, offscreen by
default, with the garbage collector and malloc arenas set up as ``ui.app.main`` does).
A 1 ms heartbeat timer on the window's event loop records the gaps between its
ticks while the matrix fills; a gap is the longest the window could not respond.

``efficiency``: the ideal wall time (every answer's tokens at 200 tok/s, 4 at a time, no
overhead) divided by the measured one. ``rss_growth_mb``: resident memory after the run
less before it.

The heartbeat runs from the press of Run until the last cell is in, and first, for
``--idle-s``, in the same window with nothing to do: ``idle_max_stall_ms`` and
``idle_p99_stall_ms`` are what this machine's scheduler alone costs (on a shared machine
the OS runs other processes for tens of ms). ``max_stall_cpu_ms`` is the most CPU time
the GUI thread itself spent inside one gap: the app's own longest piece of work.

``--ceiling`` then sends the same requests with a bare httpx client on a plain asyncio
loop (no app): ``ceiling_efficiency`` is what the gateway and this machine allow at all.

Prints a summary and, as the last line, one JSON object
{"max_stall_ms", "p99_stall_ms", "efficiency", "rss_growth_mb", "max_stall_cpu_ms",
"idle_max_stall_ms", "idle_p99_stall_ms", "load_average", ...}.
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

from gateway_process import free_port, start_gateway, stop_gateway
from memory import rss_mb
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core.eval.model import Config, Row, TestSet
from tests.ui.app_support import memory_secrets
from ui.app import build
from ui.common.event_loop import EventLoop
from ui.common.gc_guard import GarbageCollector
from ui.common.memory_trim import limit_malloc_arenas

TOKENS_PER_S = 200


def _testset(rows: int, words: int) -> TestSet:
    filler = " ".join(f"w{i}" for i in range(words))
    return TestSet(
        name="Benchmark",
        rows=[Row(prompt=f"Question {{{{n}}}}: {filler}", vars={"n": str(n)}) for n in range(rows)],
    )


class Heartbeat:
    """A 1 ms timer on the window's event loop: the gaps between its ticks, and how much
    of each gap the GUI thread itself spent on the CPU (the rest, the OS ran other
    processes: on a shared machine a stall is not always the app's own work)."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.cpu: list[float] = []
        self._timer = QTimer()
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._beat)
        self._last = (0.0, 0.0)

    def start(self) -> None:
        self.gaps.clear()
        self.cpu.clear()
        self._last = (time.perf_counter(), time.thread_time())
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append((now - self._last[0]) * 1000.0)
        self.cpu.append((cpu - self._last[1]) * 1000.0)
        self._last = (now, cpu)

    def stalls(self) -> tuple[float, float, float]:
        """(max, p99, the most CPU the GUI thread used within one gap), in ms."""
        stalls = sorted(max(0.0, g - 1.0) for g in self.gaps)
        p99 = stalls[int(len(stalls) * 0.99) - 1] if stalls else 0.0
        return max(stalls, default=0.0), p99, max(self.cpu, default=0.0)


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
    heartbeat = Heartbeat()
    await asyncio.sleep(0.5)
    heartbeat.start()  # the same window with nothing to do: this machine's own stalls
    await asyncio.sleep(args.idle_s)
    heartbeat.stop()
    idle_max, idle_p99, _ = heartbeat.stalls()
    before = rss_mb()
    load = os.getloadavg()[0]
    controller = assembly.evaluations
    idle = asyncio.Event()
    controller.progressed.connect(lambda: idle.set() if not controller.busy() else None)
    heartbeat.start()  # from the press of Run: starting is part of filling the matrix
    started = time.perf_counter()
    page.start_run(confirm=False)
    idle.clear()  # setting the run up said "not busy" before the first cell went out
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
    worst, p99, worst_cpu = heartbeat.stalls()
    return {
        "answers": done,
        "failed": failed,
        "total": total,
        "mean_completion_tokens": round(statistics.fmean(tokens), 1) if tokens else 0,
        "wall_s": round(wall, 2),
        "ideal_s": round(ideal, 2),
        "max_stall_ms": round(worst, 1),
        "p99_stall_ms": round(p99, 1),
        "efficiency": round(ideal / wall, 3) if wall else 0.0,
        "rss_growth_mb": round(after - before, 1),
        "max_stall_cpu_ms": round(worst_cpu, 1),
        "idle_max_stall_ms": round(idle_max, 1),
        "idle_p99_stall_ms": round(idle_p99, 1),
        "load_average": round(load, 2),
    }


async def ceiling(url: str, args: argparse.Namespace) -> float:
    """The efficiency of a bare client (httpx on a plain asyncio loop, no app) sending the
    same questions to the same gateway as many at a time: what this machine and the
    gateway allow at all."""
    import httpx

    testset = _testset(args.rows, args.words)
    questions = [row.prompt.replace("{{n}}", row.vars["n"]) for row in testset.rows]
    models = [f"model-{c}" for c in "abcd"[: args.configs]]
    bodies = [
        {
            "model": model,
            "messages": [{"role": "user", "content": question}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        for question in questions
        for model in models
        for _ in range(args.repeats)
    ]
    gate = asyncio.Semaphore(args.concurrency)
    tokens: list[int] = []

    async def one(client: httpx.AsyncClient, body: dict) -> None:
        async with gate, client.stream("POST", f"{url}/chat/completions", json=body) as answer:
            async for line in answer.aiter_lines():
                if line.startswith("data: {") and '"usage": {' in line:
                    usage = json.loads(line[6:]).get("usage") or {}
                    tokens.append(int(usage.get("completion_tokens") or 0))

    async with httpx.AsyncClient(timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client, body) for body in bodies))
        wall = time.perf_counter() - started
    ideal = sum(tokens) / TOKENS_PER_S / args.concurrency
    return round(ideal / wall, 3) if wall else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--configs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--words", type=int, default=40, help="words per prompt (echoed)")
    parser.add_argument(
        "--idle-s", type=float, default=3.0, help="seconds of heartbeat before the run"
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="then send the same requests with a bare httpx client (ceiling_efficiency)",
    )
    args = parser.parse_args()
    port = free_port()
    gateway = start_gateway(port, TOKENS_PER_S)
    limit_malloc_arenas()  # as ui.app.main does: the app as a person starts it
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    collector = GarbageCollector(app)  # garbage collected on the GUI thread only
    loop = EventLoop(app)  # the app's loop (ui.app.main)
    asyncio.set_event_loop(loop)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        with tempfile.TemporaryDirectory() as data, loop:
            result = loop.run_until_complete(bench(app, args, url, Path(data)))
        if args.ceiling:
            asyncio.set_event_loop(None)
            result["ceiling_efficiency"] = asyncio.run(ceiling(url, args))
    finally:
        collector.stop()
        stop_gateway(gateway)
    print(
        f"{result['answers']} answers ({result['failed']} failed) in {result['wall_s']} s; "
        f"ideal {result['ideal_s']} s; efficiency {result['efficiency']}"
    )
    print(
        f"event-loop stalls: max {result['max_stall_ms']} ms, p99 {result['p99_stall_ms']} ms "
        f"(at most {result['max_stall_cpu_ms']} ms of GUI-thread CPU in one); with nothing "
        f"to do: max {result['idle_max_stall_ms']} ms, p99 {result['idle_p99_stall_ms']} ms "
        f"(load average {result['load_average']})"
    )
    if "ceiling_efficiency" in result:
        print(f"a bare httpx client, same requests: efficiency {result['ceiling_efficiency']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
