"""Process start to main window shown: Chorus vs a bare PySide6 window, in one run.

Each sample starts a fresh Python process (offscreen Qt, an empty data directory) and
measures the wall time from just before the process is spawned to the moment the window
has been shown and painted once. Chorus is started as a person starts it (``main.py``),
with ``CHORUS_STARTUP_PROBE=1`` (``ui/common/startup_probe.py``): it prints when its window
first painted (placed, themed and split, before the rest is imported: ``ui/launch.py``)
and when it is ready (every page built, the assembled window painted, the keyring and
profiles known), then closes. Both start from cached bytecode, as an installed app
does: a warm-up run of each writes it (to a private directory, whatever
PYTHONDONTWRITEBYTECODE says), so no sample pays for compiling Python sources. Prints a
summary and, last, one JSON line: {"chorus_s": …, "bare_s": …, "ratio": …, "ready_s": …,
"ready_ratio": …}. Goal: ratio (first paint) ≤ 1.5.

Usage: .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
window.resize(1280, 800)
window.show()
window.grab()
print("chorus-startup first_paint", time.time(), flush=True)
"""
BARE_COMMAND = ["-c", BARE]

CHORUS = [str(ROOT / "main.py")]  # as a person starts it, with CHORUS_STARTUP_PROBE=1


def sample(command: list[str], data_dir: str, pycache_dir: str) -> dict[str, float]:
    """Seconds from just before the process is spawned to each stage it printed."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CHORUS_DATA_DIR=data_dir,
        CHORUS_STARTUP_PROBE="1",
        PYTHONPYCACHEPREFIX=pycache_dir,
    )
    env.pop("OPENAI_BASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    out = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    stages: dict[str, float] = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "chorus-startup":
            stages[words[1]] = float(words[2]) - started
    return stages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bare: list[float] = []
    chorus: list[float] = []
    ready: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir, tempfile.TemporaryDirectory() as pycache:
        # Warm the OS file cache, write first-run files and the bytecode of both.
        sample(BARE_COMMAND, data_dir, pycache)
        sample(CHORUS, data_dir, pycache)
        for _ in range(args.runs):  # alternate so machine noise hits both alike
            bare.append(sample(BARE_COMMAND, data_dir, pycache)["first_paint"])
            stages = sample(CHORUS, data_dir, pycache)
            chorus.append(stages["first_paint"])
            ready.append(stages["ready"])
    bare_s = statistics.median(bare)
    chorus_s = statistics.median(chorus)
    ready_s = statistics.median(ready)
    ratio = chorus_s / bare_s
    print(f"bare PySide6 window:          median {bare_s * 1000:.0f} ms over {args.runs} runs")
    print(f"Chorus window, first paint:   median {chorus_s * 1000:.0f} ms")
    print(f"Chorus ready (all built, painted, keyring known): median {ready_s * 1000:.0f} ms")
    print(f"ratio {ratio:.2f} (goal ≤ 1.5); ready {ready_s / bare_s:.2f}×")
    print(
        json.dumps(
            {
                "chorus_s": round(chorus_s, 3),
                "bare_s": round(bare_s, 3),
                "ratio": round(ratio, 2),
                "ready_s": round(ready_s, 3),
                "ready_ratio": round(ready_s / bare_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
