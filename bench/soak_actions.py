"""The UI actions the soak (bench/soak.py) runs between rounds: switch to a saved chat and
back, open the search panel and type, open the model picker and close it, toggle the
theme, scroll the columns.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from core.chat import Chat
from ui.app import Assembly


async def pump(app: QApplication, seconds: float) -> None:
    """Let the loop (and with it Qt's events) run for a while. Never processEvents() here:
    that would run other tasks' steps inside this one."""
    del app
    await asyncio.sleep(seconds)


async def ui_actions(app: QApplication, assembly: Assembly, cmp: Chat, step: int) -> None:
    window = assembly.window
    summaries = [s for s in window.sidebar.model.summaries() if s.kind == "chat"]
    # Switch to a saved chat and back to the comparison.
    if summaries:
        window.open_chat(summaries[step % len(summaries)].id)
        await pump(app, 0.1)
        window.chat_page.view.scroll_to_bottom()
        await pump(app, 0.05)
    window.open_chat(cmp.id)
    await pump(app, 0.1)
    # Search: open, type (debounced search runs), close.
    window.show_search()
    panel = window.search_panel
    for text in ("s", "se", "seed", "seed stream"):
        panel.query_edit.setText(text)
        await pump(app, 0.05)
    await pump(app, 0.4)
    window.hide_search()
    # The model picker: open and close.
    window.dialogs.choose_model()
    await pump(app, 0.2)
    picker = getattr(window.dialogs, "picker", None)
    if picker is not None and isValid(picker):
        picker.search.setText("gpt")
        await pump(app, 0.05)
        picker.reject()
    await pump(app, 0.1)
    # The theme: flip between light and dark.
    actions = window.menu_actions
    actions["theme_dark" if step % 2 == 0 else "theme_light"].trigger()
    await pump(app, 0.1)
    # Scroll the columns and the row of columns.
    view = window.compare_page.view
    for column in view.columns():
        column.set_scroll_fraction(0.0)
    await pump(app, 0.05)
    for column in view.columns():
        column.set_scroll_fraction(1.0)
    bar = view.scroll_area.horizontalScrollBar()
    bar.setValue(bar.maximum())
    await pump(app, 0.05)
    bar.setValue(0)
    await pump(app, 0.05)
