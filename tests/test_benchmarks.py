"""Every benchmark under bench/ still runs to the end and prints its figures.

The benchmarks are not run by CI for their numbers (timings on a shared machine are
noise); this runs each one, made as small as its options allow, as its own process and
checks it ends well and its last line is the JSON object its docstring promises. A
benchmark that cannot start (a moved import) or never ends (a gateway paced wrong) fails
here instead of at the next measurement.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# script, its smallest arguments, keys its last line must hold
CASES: list[tuple[str, list[str], set[str]]] = [
    (
        "eval_run.py",
        ["--rows", "2", "--configs", "2", "--repeats", "1", "--idle-s", "0.2"],
        {"max_stall_ms", "p99_stall_ms", "efficiency", "rss_growth_mb", "answers", "total"},
    ),
    ("app_stream.py", ["--seconds", "1"], {"max_stall_ms", "p99_stall_ms", "rss_growth_mb"}),
    (
        "app_stream.py",
        ["--columns", "2", "--seconds", "1"],
        {"max_stall_ms", "p99_stall_ms", "rss_growth_mb"},
    ),
    ("compare_stream.py", ["--seconds", "1"], {"max_stall_ms", "p99_stall_ms", "rss_growth_mb"}),
    ("ui_stream.py", ["--seconds", "1"], {"max_stall_ms", "p99_stall_ms"}),
    ("heatmap.py", ["--tokens", "300"], {"max_stall_ms", "paint_ms"}),
    ("startup.py", ["--runs", "1"], {"chorus_s", "bare_s", "ratio", "ready_s", "ready_ratio"}),
    ("stream_parse.py", [], {"ratio_vs_floor", "per_event_ratio_vs_floor"}),
    (
        "long_chat.py",
        ["--messages", "60", "--flushes", "20", "--warmup", "5", "--repeat", "1"],
        set(),
    ),
    (
        "history_scale.py",
        ["--chats", "60", "--runs", "1", "--search-runs", "1", "--cold-runs", "1"],
        set(),
    ),
    ("soak.py", ["--minutes", "0.4", "--sample", "1"], {"rss_slope_mb_per_h", "crashes"}),
]


@pytest.mark.slow
@pytest.mark.timeout(420)
@pytest.mark.parametrize(
    ("script", "args", "keys"), CASES, ids=[f"{c[0]}{' '.join(c[1][:2])}" for c in CASES]
)
def test_benchmark_runs_to_its_figures(script: str, args: list[str], keys: set[str]) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "CHORUS_DATA_DIR"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    last = done.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    assert isinstance(figures, dict)
    assert keys <= set(figures), f"{script} printed {sorted(figures)}"
    if script == "eval_run.py":
        assert figures["answers"] == figures["total"] > 0
    if script == "soak.py":
        assert figures["crashes"] == 0, done.stdout[-3000:]
