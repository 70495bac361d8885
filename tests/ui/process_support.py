"""Starting the real app (``main.py``) as a process for the tests that need one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def app_env(data_dir: Path, base_url: str) -> dict[str, str]:
    """The environment of an app process: offscreen Qt, its own data folder, one endpoint."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CHORUS_DATA_DIR=str(data_dir),
        OPENAI_BASE_URL=base_url,
    )
    env.pop("ANYFAST_API_KEY", None)
    return env


def start_app(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``main.py ARGS``, its output appended to ``log``: a file, not a pipe, so that an
    app logging a lot never blocks on a pipe nobody reads yet."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen[bytes], timeout: float) -> int:
    """Wait for ``process`` to end (killing it after ``timeout``); its exit code."""
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def poll(probe: Callable[[], T | None], seconds: float, every: float = 0.05) -> T | None:
    """Call ``probe`` until it returns something other than None, or the time is up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(every)
    return None
