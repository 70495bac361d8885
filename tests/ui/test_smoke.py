import asyncio

from pytestqt.qtbot import QtBot

from ui.app import build_window


def test_main_window_opens(qtbot: QtBot) -> None:
    window = build_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Chorus"


async def test_async_test_runs_on_qasync_loop(qtbot: QtBot) -> None:
    loop = asyncio.get_running_loop()
    assert type(loop).__module__.startswith("qasync")
    window = build_window()
    qtbot.addWidget(window)
    window.show()
    await asyncio.sleep(0.01)
    assert window.isVisible()
