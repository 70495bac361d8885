import gc

from pytestqt.qtbot import QtBot

from ui.common.gc_guard import GarbageCollector


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
