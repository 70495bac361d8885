"""The app's loop (ui/common/event_loop.py): a cancelled timer is gone at once, and timers
and callbacks still run as asyncio promises. The UI tests run on this loop."""

from __future__ import annotations

import asyncio

import pytest

from ui.common.event_loop import EventLoop


def loop_now() -> EventLoop:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, EventLoop)
    return loop


async def test_cancelled_timers_leave_no_qt_timer_behind() -> None:
    loop = loop_now()
    before = loop.pending_timers()
    handles = [loop.call_later(90, lambda: None) for _ in range(200)]
    assert loop.pending_timers() == before + 200
    for handle in handles:
        handle.cancel()
    assert loop.pending_timers() == before
    handles[0].cancel()  # cancelling twice is harmless
    assert loop.pending_timers() == before


async def test_a_read_timeout_that_did_not_fire_is_gone_with_its_scope() -> None:
    loop = loop_now()
    before = loop.pending_timers()
    for _ in range(50):
        async with asyncio.timeout(90):  # what each network read runs under
            await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert loop.pending_timers() <= before + 1


async def test_timers_and_callbacks_still_run_in_order() -> None:
    loop = loop_now()
    ran: list[str] = []
    loop.call_later(0.02, ran.append, "later")
    loop.call_soon(ran.append, "soon 1")
    loop.call_soon(ran.append, "soon 2")
    cancelled = loop.call_soon(ran.append, "cancelled")
    cancelled.cancel()
    await asyncio.sleep(0.05)
    assert ran == ["soon 1", "soon 2", "later"]


async def test_a_timeout_still_fires() -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.02):
            await asyncio.sleep(10)
