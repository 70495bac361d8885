"""The first paint (``ui.launch``): the window on screen before the rest is loaded, then
built into that same window."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from core import paths
from core.settings import Settings, save_settings
from tests.ui.app_support import memory_secrets
from ui.app import build
from ui.launch import show_first
from ui.shell.actions import MENUS
from ui.shell.first_look import FirstLook, read_first_look
from ui.shell.main_window import MENU_TITLES

ROOT = Path(__file__).resolve().parents[2]


def test_the_first_paint_shows_the_menus_titles() -> None:
    assert tuple(MENUS) == MENU_TITLES


def test_the_first_looks_defaults_are_the_settings_defaults() -> None:
    defaults = Settings()
    for field in dataclasses.fields(FirstLook):
        assert getattr(FirstLook(), field.name) == getattr(defaults, field.name), field.name


def test_the_first_look_reads_what_the_settings_saved(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    saved = Settings(
        theme="dark",
        window_geometry="AdnQywADAAA=",
        sidebar_width=312,
        sidebar_visible=False,
        params_panel_width=401,
        params_panel_visible=False,
    )
    save_settings(saved, path)
    look = read_first_look(path)
    assert look == FirstLook("dark", "AdnQywADAAA=", 312, False, 401, False)


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[1, 2]", "é".encode("latin-1"), json.dumps({"theme": 3}).encode()],
)
def test_an_unreadable_settings_file_gives_the_defaults(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    assert read_first_look(path) == FirstLook()
    assert read_first_look(tmp_path / "absent.json") == FirstLook()


def test_each_value_of_the_wrong_kind_is_its_default_alone(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "theme": "purple",
                "window_geometry": "not base64!",
                "sidebar_width": True,
                "params_panel_width": 99999,
                "sidebar_visible": "no",
                "params_panel_visible": False,
            }
        )
    )
    assert read_first_look(path) == FirstLook(params_panel_visible=False)


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


async def test_the_first_paint_is_the_window_the_app_is_then_built_into(
    qtbot: QtBot, tmp_path: Path
) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    save_settings(Settings(sidebar_width=300, params_panel_visible=False), paths.settings_path(env))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = show_first(app, env)
    try:
        assert window.isVisible()
        frame = window.centralWidget()
        assert isinstance(frame, QWidget)
        left, _centre, right = frame.findChildren(QWidget)[:3]
        assert left.width() == 300
        assert not right.isVisible()  # hidden in the settings: no flash of it
        assert not hasattr(window, "sidebar")  # nothing else is made before the paint
        assert [a.text() for a in window.menuBar().actions()] == list(MENU_TITLES)

        built = build(app, env, secrets=memory_secrets(), window=window)
        try:
            assert built.window is window
            assert window.centralWidget() is window.splitter
            assert not frame.isVisible()  # the first paint's panes are gone (deleted later)
            assert not window.right.isVisible()
            assert window.splitter.sizes()[0] == 300
            assert window.page is built.chat_page
            titles = [a.text() for a in window.menuBar().actions()]
            assert titles == list(MENUS)  # the first paint's menus, filled, none twice
            assert window.menuBar().actions()[0].menu().actions()  # File has its actions
            paints = _Paints()
            window.installEventFilter(paints)
            window.repaint()
            assert paints.count >= 1
            built.finish_start()
            qtbot.keyClicks(built.chat_page.composer.editor, "hello")
            assert built.chat_page.composer.text() == "hello"
        finally:
            window.close()
            await built.close()
    finally:
        if isValid(window):
            window.deleteLater()


def test_a_window_closed_before_it_is_built_just_closes(qtbot: QtBot, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = show_first(app, {"CHORUS_DATA_DIR": str(tmp_path)})
    qtbot.addWidget(window)
    assert window.close()
    assert not window.isVisible()


def _child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CHORUS_DATA_DIR=str(tmp_path))
    env.pop("OPENAI_BASE_URL", None)
    return env


def test_the_first_paint_imports_neither_asyncio_nor_the_settings_model(tmp_path: Path) -> None:
    """What makes it fast: the modules ``ui.launch`` needs before the paint stay light."""
    heavy = ("asyncio", "qasync", "msgspec", "httpx", "core.settings", "ui.app")
    code = f"import sys, ui.launch; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_child_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.strip() == ""


def test_the_app_reports_its_first_paint_then_ready_and_closes(tmp_path: Path) -> None:
    env = _child_env(tmp_path)
    env["CHORUS_STARTUP_PROBE"] = "1"
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    stages = [line.split() for line in done.stdout.splitlines() if line.startswith("chorus-")]
    assert [s[1] for s in stages] == ["first_paint", "ready"]
    assert float(stages[0][2]) <= float(stages[1][2])
