"""ui/common/memory_trim.py: malloc_trim(0) shortly after work ends, rate-limited."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.common.memory_trim import MemoryTrimmer, _find_trim, limit_malloc_arenas


class FakeTrim:
    def __init__(self) -> None:
        self.calls: list[tuple[float, int]] = []

    def __call__(self, pad: int) -> int:
        self.calls.append((time.monotonic(), pad))
        return 1


def test_trims_once_after_a_burst_of_pokes(qtbot: QtBot) -> None:
    fake = FakeTrim()
    trimmer = MemoryTrimmer(delay_ms=30, min_interval_s=0, trim=fake)
    started = time.monotonic()
    for _ in range(5):
        trimmer.poke("row")
    qtbot.waitUntil(lambda: trimmer.trims == 1, timeout=2000)
    assert fake.calls[0][1] == 0  # malloc_trim(0): keep no padding
    assert fake.calls[0][0] - started >= 0.025
    qtbot.wait(80)
    assert len(fake.calls) == 1  # one trim for the whole burst


def test_steady_pokes_do_not_postpone_the_trim(qtbot: QtBot) -> None:
    fake = FakeTrim()
    trimmer = MemoryTrimmer(delay_ms=60, min_interval_s=0, trim=fake)
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline and not fake.calls:
        trimmer.poke()
        qtbot.wait(10)
    assert fake.calls, "a poke every 10 ms must not keep pushing the trim back"


def test_trims_at_most_once_per_interval(qtbot: QtBot) -> None:
    fake = FakeTrim()
    trimmer = MemoryTrimmer(delay_ms=1, min_interval_s=0.3, trim=fake)
    trimmer.poke()
    qtbot.waitUntil(lambda: trimmer.trims == 1, timeout=2000)
    trimmer.poke()
    qtbot.wait(100)
    assert trimmer.trims == 1
    qtbot.waitUntil(lambda: trimmer.trims == 2, timeout=2000)
    assert fake.calls[1][0] - fake.calls[0][0] >= 0.28


def test_without_malloc_trim_it_does_nothing(qtbot: QtBot, monkeypatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    trimmer = MemoryTrimmer(delay_ms=1)
    assert not trimmer.available
    trimmer.poke()
    trimmer.trim_now()
    qtbot.wait(20)
    assert trimmer.trims == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_finds_glibc_malloc_trim() -> None:
    trim = _find_trim()
    assert trim is not None
    assert trim(0) in (0, 1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_limits_glibc_arenas() -> None:
    assert limit_malloc_arenas() is True  # mallopt returns 1 on success


def test_arena_limit_is_a_no_op_without_glibc(monkeypatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert limit_malloc_arenas() is False


def test_another_c_library_on_linux_gets_no_glibc_calls(monkeypatch) -> None:
    from ui.common import memory_trim

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(memory_trim.os, "confstr", lambda name: None)  # musl: not defined
    assert memory_trim._glibc_function("malloc_trim") is None
    assert not memory_trim.limit_malloc_arenas()


async def test_the_app_trims_after_an_answer_ends(gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        trimmer = window.findChild(MemoryTrimmer)
        assert trimmer is not None
        fake = FakeTrim()
        trimmer._trim = fake
        trimmer._timer.stop()  # a poke from the chat opened at start
        trimmer.delay_ms = 10
        window.composer.set_text("hello")
        window.composer._submit()
        await wait_until(lambda: gateway.requests and not assembly.controller.is_generating())
        await wait_until(lambda: fake.calls)
