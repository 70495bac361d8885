"""Flush spacing between views, the cached scroll bar and idle-slice budgets."""

from __future__ import annotations

import time
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollBar, QWidget
from pytestqt.qtbot import QtBot

from ui.render.idle_worker import IdleWorker
from ui.transcript.flush_slots import MAX_DELAY_MS, SPACING_MS, FlushSlots, FlushTimer
from ui.transcript.groove_cache_scroll_bar import GrooveCacheScrollBar


def test_another_view_waits_out_the_spacing_after_a_flush() -> None:
    slots = FlushSlots()
    a, b = object(), object()
    assert slots.delay_ms(a, 0) == 0
    slots.flushed(a)
    assert slots.delay_ms(a, 0) == 0  # the same view is never held back
    assert 0 < slots.delay_ms(b, 0) <= SPACING_MS
    assert slots.delay_ms(b, MAX_DELAY_MS) == 0  # held back long enough already
    time.sleep(SPACING_MS / 1000)
    assert slots.delay_ms(b, 0) == 0


def test_flush_timers_of_two_views_fire_apart(qtbot: QtBot) -> None:
    fired: list[tuple[str, float]] = []
    first, second = FlushTimer(), FlushTimer()
    first.due.connect(lambda: (fired.append(("a", time.perf_counter())), first.flushed()))
    second.due.connect(lambda: (fired.append(("b", time.perf_counter())), second.flushed()))
    first.start(5)
    second.start(5)
    qtbot.waitUntil(lambda: len(fired) == 2, timeout=1000)
    assert {name for name, _ in fired} == {"a", "b"}
    assert (fired[1][1] - fired[0][1]) * 1000 >= SPACING_MS - 1


def _grab(bar: QScrollBar, value: int) -> list[int]:
    bar.setValue(value)
    QApplication.processEvents()
    image = bar.grab().toImage()
    return [image.pixel(x, y) for y in range(image.height()) for x in range(image.width())]


def test_cached_scroll_bar_looks_like_the_plain_one(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    plain = QScrollBar(Qt.Orientation.Vertical, host)
    cached = GrooveCacheScrollBar(Qt.Orientation.Vertical, host)
    for bar, x in ((plain, 0), (cached, 30)):
        bar.setGeometry(x, 0, 16, 400)
        bar.setRange(0, 3000)
        bar.setPageStep(400)
    host.resize(60, 400)
    host.show()
    qtbot.waitExposed(host)
    for value in (0, 1200, 3000):
        a, b = _grab(plain, value), _grab(cached, value)
        channels = [
            abs(((p >> shift) & 0xFF) - ((q >> shift) & 0xFF))
            for p, q in zip(a, b, strict=True)
            for shift in (0, 8, 16, 24)
        ]
        assert max(channels) <= 6  # rounding of the pixmap's premultiplied alpha


def test_idle_slice_does_not_start_a_step_that_would_overrun_it(qtbot: QtBot) -> None:
    worker = IdleWorker(slice_ms=4.0)
    steps: list[float] = []

    def job() -> Iterator[None]:
        for _ in range(6):
            time.sleep(0.003)
            steps.append(time.perf_counter())
            yield None

    slices = []
    worker.slice_finished.connect(lambda: slices.append(len(steps)))
    worker.submit("job", job())
    qtbot.waitUntil(worker.is_idle, timeout=2000)
    assert len(steps) == 6
    assert slices[0] == 1  # a second 3 ms step would have passed the 4 ms slice
