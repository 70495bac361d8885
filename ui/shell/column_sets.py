"""Named column sets and per-model parameter defaults, as the window's File and Chat
menus offer them: save the columns on screen under a name, start a comparison from a
set in one step, save the parameters on screen as the model's own defaults."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog, QLineEdit

from core.settings import ColumnSpec
from ui.shell.page import Command

# ``window`` below is the MainWindow (typed loosely: the window imports this module).
MainWindow = Any


def save_model_defaults(window: MainWindow) -> None:
    """The values the page sends (a comparison: the focused column's) become its model's
    own defaults; what on screen does not override them takes them at once."""
    page = window.page
    window.params_panel.flush()
    model, params = page.model_defaults_target()
    if not model or page.why_not(Command.PARAMS) is not None:
        window.notifier.info("Choose a model first: its defaults are the parameters on screen.")
        return
    values = dict(window.services.settings.model_params)
    values[model] = dict(params)
    window.services.prefs.set(model_params=values)
    page.model_defaults_changed(model)
    window.notifier.info(f"Saved these parameters as the defaults of {model}.")
    window.params_panel.set_sources(page.param_sources())


def save_set(window: MainWindow) -> QInputDialog | None:
    columns = window.page.column_set()
    if not columns:
        window.notifier.info("Open a comparison to save its columns as a set.")
        return None
    dialog = QInputDialog(window)
    dialog.setWindowTitle("Save columns as a set")
    dialog.setLabelText(f"Name for these {len(columns)} columns:")
    dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)

    def save(name: str) -> None:
        name = name.strip()
        if not name:
            window.notifier.info("A column set needs a name.")
            return
        sets = dict(window.services.settings.column_sets)
        sets[name] = [ColumnSpec(model=m, params=p) for m, p in columns]
        window.services.prefs.set(column_sets=sets)
        window.notifier.info(f"Saved the column set “{name}” (Ctrl+Alt+N starts it).")

    dialog.textValueSelected.connect(save)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    window.column_set_dialog = dialog
    return dialog


def start_set(window: MainWindow, name: str) -> bool:
    specs = window.services.settings.column_sets.get(name)
    if not specs:
        window.notifier.info(f"There is no column set named “{name}”.")
        return False
    if window.compare_page.new_from_set([(s.model, dict(s.params)) for s in specs]):
        window.show_page(window.compare_page)
        window.composer.focus_input()
        return True
    return False


def choose_set(window: MainWindow) -> QInputDialog | None:
    names = sorted(window.services.settings.column_sets, key=str.casefold)
    if not names:
        window.notifier.info(
            "No column sets yet: set up a comparison and use File › Save columns as a set…"
        )
        return None
    dialog = QInputDialog(window)
    dialog.setWindowTitle("New comparison from set")
    dialog.setLabelText("Column set:")
    dialog.setComboBoxItems(names)
    dialog.textValueSelected.connect(lambda name: start_set(window, name))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    window.column_set_dialog = dialog
    return dialog
