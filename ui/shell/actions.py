"""Every action of the window, in menus, with its keyboard shortcut, as a table.

Each row names the window's handler and, for the actions the page on screen may refuse,
the :class:`Command` it needs: :func:`refresh` disables those the page cannot do now and
puts the page's reason in their tooltip (and status tip).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from core.settings import Settings
from ui.shell.page import Command, Page

Shortcut = str | QKeySequence.StandardKey | None
ABOUT = (
    "<b>Chorus</b><br>A desktop chat client for AnyFast and any OpenAI-compatible endpoint."
    "<br><br>Keys live in your system keyring; chats are saved on your disk as they stream."
)


@dataclass(frozen=True, slots=True)
class Spec:
    name: str  # also the handler's key
    text: str
    shortcut: Shortcut = None
    command: Command | None = None  # what the page must be able to do


SEPARATOR = Spec("-", "")
MENUS: dict[str, list[Spec]] = {
    "&File": [
        Spec("new_chat", "&New chat", QKeySequence.StandardKey.New),
        Spec("compare", "New &comparison", "Ctrl+Shift+N"),
        Spec("from_set", "New comparison from &set…", "Ctrl+Alt+N"),
        Spec("save_set", "Save columns as a s&et…"),
        Spec("arena", "New &arena battle", "Ctrl+Shift+A"),
        Spec("leaderboard", "Arena &leaderboard…", "Ctrl+Shift+L"),
        Spec("new_eval", "New e&valuation", "Ctrl+Shift+G"),
        Spec("open_eval", "&Open evaluation…", "Ctrl+Shift+O"),
        Spec("import", "&Import chat…", "Ctrl+O"),
        Spec("export_md", "Export as &Markdown…", "Ctrl+E", Command.EXPORT),
        Spec("export_json", "Export as &JSON…", "Ctrl+Shift+E", Command.EXPORT),
        SEPARATOR,
        Spec("quit", "&Quit", QKeySequence.StandardKey.Quit),
    ],
    "&Edit": [
        Spec("copy_all", "Copy &whole chat", "Ctrl+Shift+C", Command.COPY_ALL),
        Spec("find_chats", "&Find chat", QKeySequence.StandardKey.Find),
        Spec("search_all", "&Search all chats", "Ctrl+Shift+F"),
    ],
    "&Chat": [
        Spec("model", "Choose &model…", "Ctrl+K", Command.CHOOSE_MODEL),
        Spec("stop", "&Stop generating", "Ctrl+.", Command.STOP),
        Spec("regenerate", "&Regenerate last answer", "Ctrl+R", Command.REGENERATE),
        Spec("focus", "&Write a message", "Ctrl+L"),
        Spec("system", "System &prompt", "Ctrl+Shift+S", Command.SYSTEM_PROMPT),
        Spec("model_defaults", "Save parameters as the model's &defaults", "Ctrl+Shift+D"),
        Spec("merge", "&Merge answers…", "Ctrl+Shift+M", Command.MERGE),
    ],
    "&View": [
        Spec("sidebar", "Chat &list", "Ctrl+B"),
        Spec("params", "&Parameters", "Ctrl+Shift+P"),
        Spec("request", "&Request preview", "Ctrl+Shift+R"),
        Spec("usage", "&Usage and cost…", "Ctrl+Shift+U"),
        SEPARATOR,
        Spec("text_larger", "&Larger text", QKeySequence.StandardKey.ZoomIn),
        Spec("text_smaller", "S&maller text", QKeySequence.StandardKey.ZoomOut),
        Spec("text_reset", "&Default text size", "Ctrl+0"),
        SEPARATOR,
    ],
    "&Settings": [
        Spec("endpoints", "&Endpoints and keys…", "Ctrl+,"),
        Spec("key", "Set API &key…"),
        Spec("mcp", "&MCP servers and tools…"),
        Spec("prices", "&Prices…"),
    ],
    "&Help": [Spec("about", "&About Chorus")],
}
THEMES = (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark"))
SEND_WITH_TEXT = "Send with Ctrl+&Enter (Enter adds a line)"


def build_menus(
    window: QMainWindow,
    handlers: Mapping[str, Callable[[], object]],
    settings: Settings,
    set_theme: Callable[[str], object],
    set_send_with: Callable[[bool], object],
) -> dict[str, QAction]:
    """The window's menus; returns every action by name."""
    actions: dict[str, QAction] = {}
    bar = window.menuBar()
    shown = {m.title(): m for m in bar.findChildren(QMenu)}  # titles the first paint drew
    for title, specs in MENUS.items():
        menu = shown.get(title) or bar.addMenu(title)
        menu.setToolTipsVisible(True)  # a disabled action says why
        for spec in specs:
            if spec is SEPARATOR:
                menu.addSeparator()
                continue
            actions[spec.name] = _add(window, menu, spec, handlers[spec.name])
        if title == "&View":
            theme_menu = menu.addMenu("&Theme")
            group = QActionGroup(window)
            for value, label in THEMES:
                action = theme_menu.addAction(label)
                action.setCheckable(True)
                action.setChecked(settings.theme == value)
                action.triggered.connect(lambda _=False, v=value: set_theme(v))
                group.addAction(action)
                actions[f"theme_{value}"] = action
        if title == "&Settings":
            send = menu.addAction(SEND_WITH_TEXT)
            send.setCheckable(True)
            send.setChecked(settings.send_with == "ctrl_enter")
            send.toggled.connect(set_send_with)
            actions["send_with"] = send
    return actions


def _add(window: QMainWindow, menu: QMenu, spec: Spec, slot: Callable[[], object]) -> QAction:
    action = menu.addAction(spec.text)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    action.triggered.connect(lambda _=False: slot())
    window.addAction(action)
    return action


def refresh(actions: Mapping[str, QAction], page: Page) -> None:
    """Enable what ``page`` can do now; the others say why not in their tooltip."""
    for specs in MENUS.values():
        for spec in specs:
            if spec.command is None or spec.name not in actions:
                continue
            action = actions[spec.name]
            reason = page.why_not(spec.command)
            action.setEnabled(reason is None)
            tip = reason or spec.text.replace("&", "").rstrip("…")
            action.setToolTip(tip)
            action.setStatusTip(reason or "")
