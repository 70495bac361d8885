"""Waiting inside async UI tests.

``qtbot.waitUntil`` spins a nested Qt event loop, which re-enters the qasync task that
is running the test; async tests await this instead, so the loop keeps running normally.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(predicate: Callable[[], object], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {seconds} s")
        await asyncio.sleep(0.005)
