"""Process start to main window shown: Chorus vs a bare PySide6 window, in one run.

Each sample starts a fresh Python process (offscreen Qt, an empty data directory) and
measures the wall time from just before the process is spawned to the moment the window
has been shown and painted once. Both start from cached bytecode, as an installed app
does: a warm-up run of each writes it (to a private directory, whatever
PYTHONDONTWRITEBYTECODE says), so no sample pays for compiling Python sources. Prints a
summary and, last, one JSON line: {"chorus_s": …, "bare_s": …, "ratio": …}. Goal: ratio ≤ 1.5.

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
print(time.time(), flush=True)
"""

CHORUS = """
import asyncio, sys, time
import qasync
from PySide6.QtWidgets import QApplication
from ui.app import build
app = QApplication(sys.argv[:1])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)

async def start() -> None:
    assembly = build(app)
    assembly.window.show()
    assembly.window.grab()
    print(time.time(), flush=True)
    await assembly.close()

with loop:
    loop.run_until_complete(start())
"""


def sample(code: str, data_dir: str, pycache_dir: str) -> float:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CHORUS_DATA_DIR=data_dir,
        PYTHONPYCACHEPREFIX=pycache_dir,
    )
    env.pop("OPENAI_BASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    shown = float(out.strip().splitlines()[-1])
    return shown - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bare: list[float] = []
    chorus: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir, tempfile.TemporaryDirectory() as pycache:
        # Warm the OS file cache, write first-run files and the bytecode of both.
        sample(BARE, data_dir, pycache)
        sample(CHORUS, data_dir, pycache)
        for _ in range(args.runs):  # alternate so machine noise hits both alike
            bare.append(sample(BARE, data_dir, pycache))
            chorus.append(sample(CHORUS, data_dir, pycache))
    bare_s = statistics.median(bare)
    chorus_s = statistics.median(chorus)
    ratio = chorus_s / bare_s
    print(f"bare PySide6 window: median {bare_s * 1000:.0f} ms over {args.runs} runs")
    print(f"Chorus main window:  median {chorus_s * 1000:.0f} ms over {args.runs} runs")
    print(f"ratio {ratio:.2f} (goal ≤ 1.5)")
    print(
        json.dumps(
            {"chorus_s": round(chorus_s, 3), "bare_s": round(bare_s, 3), "ratio": round(ratio, 2)}
        )
    )


if __name__ == "__main__":
    main()
