import gc

from pytestqt.qtbot import QtBot

from ui.common.gc_guard import GarbageCollector, settle_garbage


def test_collects_on_the_gui_thread_with_python_thresholds(qtbot: QtBot) -> None:
    collector = GarbageCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        for _ in range(gc.get_threshold()[0] + 50):
            cycle: list[object] = []
            cycle.append(cycle)
        qtbot.waitUntil(lambda: collector.collections > 0, timeout=2000)
        assert gc.get_count()[0] < gc.get_threshold()[0]
    finally:
        collector.stop()
        gc.disable()  # the suite's own fixture re-enables it after the test


def test_settling_freezes_what_starting_made_until_the_guard_stops() -> None:
    settle_garbage()  # no guard running (as in tests): nothing frozen
    assert gc.get_freeze_count() == 0
    collector = GarbageCollector(interval_ms=10)
    try:
        settle_garbage()
        assert gc.get_freeze_count() > 0
        assert gc.get_count()[0] < gc.get_threshold()[0]
    finally:
        collector.stop()
        gc.disable()
    assert gc.get_freeze_count() == 0
