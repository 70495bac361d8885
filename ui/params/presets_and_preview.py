"""The main window's parameter presets and the live request preview."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.request import build_body, to_api_messages
from ui.common.services import Services

if TYPE_CHECKING:
    from ui.shell.main_window import MainWindow


class WindowParams:
    def __init__(self, window: MainWindow, services: Services) -> None:
        self.window = window
        self.services = services

    def save_preset(self, name: str) -> None:
        self.services.settings.presets[name] = self.window.params_panel.values()
        self.services.save_settings()
        self.window.params_panel.set_presets(sorted(self.services.settings.presets))

    def load_preset(self, name: str) -> None:
        values = self.services.settings.presets.get(name)
        if values is not None:
            self.window.params_panel.set_values(values)
            self.window.apply_params(self.window.params_panel.values())

    def delete_preset(self, name: str) -> None:
        self.services.settings.presets.pop(name, None)
        self.services.save_settings()
        self.window.params_panel.set_presets(sorted(self.services.settings.presets))

    def update_preview(self) -> None:
        chat = self.window.controller.chat
        if chat is None or not self.window.ready:
            return
        history = to_api_messages(chat.branch(), chat.system_prompt)
        history.append(
            {"role": "user", "content": self.window.composer.text() or "(your next message)"}
        )
        try:
            built = build_body(chat.model or "model", history, chat.params)
        except ValueError as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        try:
            endpoint = self.services.endpoint_for(chat)
        except Exception:
            endpoint = None
        self.window.preview.set_request(endpoint, built)
