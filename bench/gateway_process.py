"""The benchmarks' gateway as a child process: ``bench/stream_gateway.py`` (the suite's
fake gateway, paced and scripted by the message) on a free loopback port, waited for until
it listens, and stopped (or killed) at the end. In its own process, its work never holds
the app's GIL.

On Linux the child is also sent SIGTERM when the benchmark dies, however it dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the gateway child (Linux): be sent SIGTERM when this process dies, however it
    dies (even SIGKILL), so no gateway is ever left behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_gateway(port: int, rate: float) -> subprocess.Popen[str]:
    """The gateway on ``port``, streaming ``rate`` events a second."""
    script = ROOT / "bench" / "stream_gateway.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), "--port", str(port), "--rate", str(rate)],
        cwd=ROOT,
        preexec_fn=_die_with_parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the gateway exited ({proc.returncode})") from None
            time.sleep(0.1)
    raise RuntimeError("the gateway did not start listening")


def stop_gateway(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
