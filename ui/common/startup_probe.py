"""``CHORUS_STARTUP_PROBE=1``: print when the window is first painted and when it is
ready, then close it (``bench/startup.py`` starts the app this way)."""

from __future__ import annotations

import os
import time


def probing() -> bool:
    return os.environ.get("CHORUS_STARTUP_PROBE") == "1"


def mark(stage: str) -> None:
    """Print ``chorus-startup <stage> <wall time>`` when probing."""
    if probing():
        print(f"chorus-startup {stage} {time.time():.6f}", flush=True)
