import gc

from pytestqt.qtbot import QtBot

from ui.common.gc_guard import GarbageCollector


def _make_cycles(count: int) -> None:
    for _ in range(count):
        cycle: list[object] = []
        cycle.append(cycle)


def test_collects_on_the_gui_thread_with_python_thresholds(qtbot: QtBot) -> None:
    collector = GarbageCollector(interval_ms=10, freeze=False)
    try:
        assert not gc.isenabled()
        _make_cycles(gc.get_threshold()[0] + 50)
        qtbot.waitUntil(lambda: collector.collections > 0, timeout=2000)
        assert gc.get_count()[0] < gc.get_threshold()[0]
    finally:
        collector.stop()
        gc.disable()  # the suite's own fixture re-enables it after the test


def test_the_first_check_freezes_the_start_up_objects_and_collection_goes_on(
    qtbot: QtBot,
) -> None:
    collector = GarbageCollector(interval_ms=10)
    try:
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=2000)

        def collected() -> bool:
            _make_cycles(gc.get_threshold()[0] // 4)  # young garbage keeps coming
            return collector.collections > 0

        qtbot.waitUntil(collected, timeout=2000)
    finally:
        collector.stop()
        gc.disable()
    assert gc.get_freeze_count() == 0  # stop() gives the objects back to the collector


def test_a_full_collection_waits_while_answers_stream(qtbot: QtBot) -> None:
    collector = GarbageCollector(interval_ms=10, freeze=False)
    busy = [True]
    collector.busy = lambda: busy[0]
    full: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(note)
    try:
        # Past the oldest generation's threshold: a full collection is due.
        for _ in range(gc.get_threshold()[2] + 1):
            gc.collect(1)
        qtbot.wait(100)
        assert not full
        busy[0] = False
        qtbot.waitUntil(lambda: bool(full), timeout=2000)
    finally:
        gc.callbacks.remove(note)
        collector.stop()
        gc.disable()
