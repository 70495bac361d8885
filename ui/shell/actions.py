"""Every action of the main window, in menus, with its keyboard shortcut."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

if TYPE_CHECKING:
    from ui.shell.main_window import MainWindow

ABOUT = (
    "<b>Chorus</b><br>A desktop chat client for AnyFast and any OpenAI-compatible endpoint."
    "<br><br>Keys live in your system keyring; chats are saved on your disk as they stream."
)


class WindowActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.actions: dict[str, QAction] = {}
        bar = window.menuBar()
        w = window

        chat_menu = bar.addMenu("&File")
        self._add(chat_menu, "new_chat", "&New chat", w.new_chat, QKeySequence.StandardKey.New)
        self._add(chat_menu, "compare", "New &comparison", w.compare.new_comparison, "Ctrl+Shift+N")
        self._add(chat_menu, "import", "&Import chat…", w.dialogs.import_chat, "Ctrl+O")
        self._add(
            chat_menu, "export_md", "Export as &Markdown…", self._export("markdown"), "Ctrl+E"
        )
        self._add(
            chat_menu, "export_json", "Export as &JSON…", self._export("json"), "Ctrl+Shift+E"
        )
        chat_menu.addSeparator()
        self._add(chat_menu, "quit", "&Quit", w.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        self._add(edit, "copy_all", "Copy &whole chat", w.chat_view.copy_all, "Ctrl+Shift+C")
        self._add(edit, "find_chats", "&Find chat", self._find_chats, QKeySequence.StandardKey.Find)
        self._add(edit, "search_all", "&Search all chats", w.show_search, "Ctrl+Shift+F")

        conv = bar.addMenu("&Chat")
        self._add(conv, "model", "Choose &model…", w.dialogs.choose_model, "Ctrl+K")
        self._add(conv, "stop", "&Stop generating", w.stop, "Ctrl+.")
        self._add(conv, "regenerate", "&Regenerate last answer", self._regenerate, "Ctrl+R")
        self._add(conv, "focus", "&Write a message", w.composer.focus_input, "Ctrl+L")
        self._add(conv, "system", "System &prompt", w.header.system_button.toggle, "Ctrl+Shift+S")
        self.actions["stop"].setEnabled(False)

        view = bar.addMenu("&View")
        self._add(view, "sidebar", "Chat &list", self._toggle_sidebar, "Ctrl+B")
        self._add(view, "params", "&Parameters", self._toggle_params, "Ctrl+Shift+P")
        self._add(view, "request", "&Request preview", self._show_request, "Ctrl+Shift+R")
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(window)
        for value, label in (
            ("system", "Follow the &system"),
            ("light", "&Light"),
            ("dark", "&Dark"),
        ):
            action = theme_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(window.services.settings.theme == value)
            action.triggered.connect(lambda _=False, v=value: self._set_theme(v))
            group.addAction(action)
            self.actions[f"theme_{value}"] = action

        settings_menu = bar.addMenu("&Settings")
        self._add(
            settings_menu, "endpoints", "&Endpoints and keys…", w.dialogs.open_endpoints, "Ctrl+,"
        )
        self._add(settings_menu, "key", "Set API &key…", lambda: w.dialogs.open_key_dialog(""))
        send = settings_menu.addAction("Send with Ctrl+&Enter (Enter adds a line)")
        send.setCheckable(True)
        send.setChecked(window.services.settings.send_with == "ctrl_enter")
        send.toggled.connect(self._send_with)
        self.actions["send_with"] = send

        help_menu = bar.addMenu("&Help")
        self._add(help_menu, "about", "&About Chorus", self._about)

    def _add(
        self,
        menu: QMenu,
        name: str,
        text: str,
        slot: Callable[[], object],
        shortcut: str | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)
        self.actions[name] = action
        return action

    def set_generating(self, generating: bool) -> None:
        self.actions["stop"].setEnabled(generating)
        self.actions["regenerate"].setEnabled(not generating)

    def _export(self, kind: str) -> Callable[[], None]:
        def run() -> None:
            window = self.window
            shown = window.compare.controller.comparison if window.compare.active else None
            chat = shown or window.controller.chat
            if chat is not None and (chat.messages or any(c.messages for c in chat.columns)):
                self.window.dialogs.export_chat(chat.id, kind)
            else:
                self.window.statusBar().showMessage("Nothing to export yet.", 4000)

        return run

    def _find_chats(self) -> None:
        self.window.hide_search()
        self.window.left.show()
        self.window.sidebar.focus_filter()

    def _regenerate(self) -> None:
        if self.window.compare.active:  # every column that has an answer and is idle
            comparisons = self.window.compare.controller
            cmp = comparisons.comparison
            for col in cmp.columns if cmp is not None else []:
                branch = col.branch()
                if branch and branch[-1].role == "assistant":
                    comparisons.regenerate(col.id)
            return
        chat = self.window.controller.chat
        if chat is None:
            return
        branch = chat.branch()
        if branch and branch[-1].role == "assistant":
            self.window.controller.regenerate(branch[-1].id)

    def _toggle_sidebar(self) -> None:
        left = self.window.left
        left.setVisible(not left.isVisible())
        self.window.services.settings.sidebar_visible = left.isVisible()

    def _toggle_params(self) -> None:
        right = self.window.right
        right.setVisible(not right.isVisible())
        self.window.services.settings.params_panel_visible = right.isVisible()

    def _show_request(self) -> None:
        self.window.right.show()
        self.window.right.setCurrentWidget(self.window.preview)

    def _set_theme(self, value: str) -> None:
        from ui.common.app_theme import apply_theme

        settings = self.window.services.settings
        settings.theme = value  # type: ignore[assignment]
        self.window.services.save_settings()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.window.chat_view.set_theme(apply_theme(app, value))

    def _send_with(self, ctrl_enter: bool) -> None:
        settings = self.window.services.settings
        settings.send_with = "ctrl_enter" if ctrl_enter else "enter"
        self.window.composer.set_send_with(settings.send_with)
        self.window.services.save_settings()

    def _about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "About Chorus", ABOUT, parent=self.window)
        box.finished.connect(box.deleteLater)
        box.open()
