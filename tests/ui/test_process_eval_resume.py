"""Kill the app with SIGKILL mid-run, start it again, Resume: only the cells without a
finished answer are sent (checked in the gateway's request log)."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

from core.eval.model import Config, Row, Run, TestSet
from core.eval.runs import new_run, prompt_of
from core.eval.store import EvalStore
from tests.ui.process_support import app_env, poll, start_app, stop


def _load(store: EvalStore, run_id: str) -> Run | None:
    try:
        return store.load(Run, run_id)
    except Exception:
        return None


def _wanted(run: Run) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for cell in run.cells:
        if not cell.finished:
            row, config = run.row(cell.row_id), run.config(cell.config_id)
            assert row is not None and config is not None
            out[(prompt_of(row), config.model)] += 1
    return out


def test_sigkill_mid_run_then_resume_sends_only_unfinished_cells(gateway, tmp_path: Path) -> None:
    gateway.delay = 0.02
    filler = " ".join(f"w{i}" for i in range(25))
    rows = [Row(prompt=f"Question {n} {{{{x}}}} {filler}", vars={"x": str(n)}) for n in range(5)]
    configs = [Config(name=m, model=m) for m in ("model-a", "model-b", "model-c")]
    run = new_run(TestSet(rows=rows), configs, 2)
    run.concurrency = 2
    store = EvalStore(tmp_path / "evals", fsync=False)
    path = store.save(run)
    env = app_env(tmp_path, gateway.url)
    env["OPENAI_API_KEY"] = "sk-test"
    log = tmp_path / "app.log"

    process = start_app(["--eval", str(path), "--run"], env, log)
    try:

        def some_finished() -> Run | None:
            saved = _load(store, run.id)
            done = saved and sum(c.finished for c in saved.cells)
            return saved if done and done >= 4 else None

        assert poll(some_finished, 60, every=0.05), log.read_text(errors="replace")
        process.send_signal(signal.SIGKILL)
    finally:
        stop(process, 20)
    after_kill = store.load(Run, run.id)
    wanted = _wanted(after_kill)
    assert 0 < sum(wanted.values()) < 30
    gateway.requests.clear()

    process = start_app(["--eval", str(path), "--run"], env, log)
    try:

        def all_finished() -> Run | None:
            saved = _load(store, run.id)
            return saved if saved and all(c.finished for c in saved.cells) else None

        assert poll(all_finished, 90, every=0.1), log.read_text(errors="replace")
        process.send_signal(signal.SIGTERM)
    finally:
        code = stop(process, 20)
    assert code == 0, log.read_text(errors="replace")
    sent: Counter[tuple[str, str]] = Counter()
    for request in gateway.chat_requests():
        messages = request.body["messages"]
        sent[(messages[-1]["content"], request.body["model"])] += 1
    assert sent == wanted
    final = store.load(Run, run.id)
    assert all(c.answer is not None and c.answer.status == "done" for c in final.cells)
