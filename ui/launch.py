"""Start Chorus: the window on screen first, then everything else.

Before the window's first paint only Qt and a few standard modules are loaded: the
settings file is read for the window's place, size, theme and panel widths
(``ui.shell.first_look``), and the window is shown with its panels still empty. Then the
rest (asyncio and the event loop, the settings model, stores, pages, HTTP client) is
imported and built into that same window (``ui.app.build``), and the app runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication

from core import paths
from ui.common.app_theme import apply_theme
from ui.common.icon import app_icon
from ui.common.memory_trim import limit_malloc_arenas
from ui.common.startup_probe import mark
from ui.shell.first_look import read_first_look
from ui.shell.main_window import MainWindow

APP_NAME = "Chorus"
FIRST_PAINT_WAIT_MS = 300  # at most: a window manager that never exposes it waits no more


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chorus", description="A desktop chat client for OpenAI-compatible endpoints."
    )
    parser.add_argument("prompt", nargs="?", help="start a new chat and send this message")
    parser.add_argument("--model", help="the model for a new chat")
    parser.add_argument("--eval", metavar="PATH", help="open a saved evaluation run (JSON file)")
    parser.add_argument(
        "--run", action="store_true", help="with --eval: send its cells without an answer"
    )
    return parser.parse_args(list(argv))


class _FirstPaint(QObject):
    """Ends ``waiting`` when the window has painted once."""

    def __init__(self, waiting: QEventLoop) -> None:
        super().__init__()
        self._waiting = waiting

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._waiting.quit)  # after this paint is done
        return False


def show_first(app: QApplication, env: Mapping[str, str] | None = None) -> MainWindow:
    """The main window, placed and themed as the settings say, shown and painted."""
    look = read_first_look(paths.settings_path(env))
    apply_theme(app, look.theme, quick=True)
    window = MainWindow(look)
    waiting = QEventLoop()
    painted = _FirstPaint(waiting)
    window.installEventFilter(painted)
    window.show()
    QTimer.singleShot(FIRST_PAINT_WAIT_MS, waiting.quit)
    waiting.exec()
    window.removeEventFilter(painted)
    return window


def _quit_on_signals(app: QApplication) -> None:
    """SIGTERM and SIGINT quit like closing the window (chats are saved first)."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: app.quit())
    # Python runs signal handlers between bytecodes; a timer lets it run while Qt waits.
    timer = QTimer(app)
    timer.start(250)
    timer.timeout.connect(lambda: None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(argv if argv is not None else sys.argv)
    # Arguments are checked before any window shows (--help, a mistake); without any,
    # argparse (~7 ms) is made after the first paint.
    args = parse_args(argv[1:]) if argv[1:] else None
    limit_malloc_arenas()  # before Qt's and asyncio's threads start (ui/common/memory_trim.py)
    app = QApplication(argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName("chorus")
    app.setWindowIcon(app_icon())
    # run() ends when the last window closes and then shuts down (stops streams, saves,
    # closes connections); Qt quitting by itself first would stop the loop under it.
    app.setQuitOnLastWindowClosed(False)
    window = show_first(app)
    mark("first_paint")
    if args is None:
        args = parse_args([])

    import asyncio
    import logging

    logging.basicConfig(
        level=logging.DEBUG if os.environ.get("CHORUS_DEBUG") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    from ui.app import run
    from ui.common.event_loop import EventLoop
    from ui.common.gc_guard import GarbageCollector

    collector = GarbageCollector(app)
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    _quit_on_signals(app)
    code = 0
    with loop:
        try:
            code = loop.run_until_complete(run(app, args, collector, window))
        except RuntimeError as exc:  # the app quit from outside; chats were saved
            logging.getLogger(__name__).info("stopped: %s", exc)
    collector.stop()
    return code
