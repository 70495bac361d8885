"""The main window's dialogs and files: model picker, endpoints, keys, export, import.

Every dialog is opened with ``open()``/``show()`` and answered through signals: the app
runs asyncio on the Qt loop, where a nested ``exec()`` would stall every stream. The
dialog modules are imported when a dialog is first opened, not before the window shows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog

from core.profiles import Profile, resolve_endpoint
from core.storage.atomic import atomic_write_bytes
from core.storage.format import summarize
from ui.common.services import Services

if TYPE_CHECKING:
    from ui.model_picker.picker import ModelPicker
    from ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)


class WindowDialogs:
    def __init__(self, window: MainWindow, services: Services) -> None:
        self.window = window
        self.services = services
        self.picker: ModelPicker | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- models --------------------------------------------------------------------------

    def choose_model(self, on_chosen: Callable[[str], object] | None = None) -> None:
        """The model picker; the choice goes to ``on_chosen`` (default: the open chat)."""
        from ui.model_picker.picker import ModelPicker

        services = self.services
        settings = services.settings
        profile = services.settings.active_profile
        picker = ModelPicker(
            services.catalog.cached(profile),
            settings.favourite_models,
            settings.recent_models,
            self.window.current_model(),
            self.window,
        )
        picker.model_chosen.connect(on_chosen or self.window.set_model)
        picker.favourite_toggled.connect(self._favourite)
        picker.refresh_requested.connect(lambda: self._spawn(self._refresh(picker), "models"))
        picker.finished.connect(picker.deleteLater)
        header = self.window.header.model_button
        picker.move(header.mapToGlobal(header.rect().bottomLeft()))
        self.picker = picker
        picker.open()
        last = services.catalog.last_refreshed(profile)
        if last is None or time.time() - last > 3600:
            self._spawn(self._refresh(picker), "models")
        else:
            picker.set_status(f"Updated {time.strftime('%H:%M', time.localtime(last))}")

    async def _refresh(self, picker: ModelPicker) -> None:
        services = self.services
        profile = services.profile()
        picker.set_status("Refreshing the model list…")
        try:
            endpoint = resolve_endpoint(profile, services.secrets, services.env)
        except Exception as exc:
            picker.set_status(f"Showing the bundled list: {exc}", True)
            return
        result = await services.catalog.refresh(
            profile.name, lambda: services.client.list_models(endpoint)
        )
        settings = services.settings
        if picker.isVisible():
            picker.set_models(result.models, settings.favourite_models, settings.recent_models)
            if result.error:
                picker.set_status(
                    f"Could not refresh: {result.error} Showing the last good list.", True
                )
            else:
                picker.set_status(f"Updated {time.strftime('%H:%M')} · {len(result.models)} models")

    def _favourite(self, model: str, on: bool) -> None:
        favourites = [m for m in self.services.settings.favourite_models if m != model]
        if on:
            favourites.insert(0, model)
        self.services.settings.favourite_models = favourites
        self.services.save_settings()

    # --- endpoints and keys -----------------------------------------------------------------

    def open_endpoints(self) -> None:
        from ui.endpoints.endpoints_dialog import EndpointsDialog

        services = self.services
        dialog = EndpointsDialog(
            services.settings.profiles,
            services.env,
            services.settings.active_profile,
            services.secrets,
            services.tester(),
            self.window,
        )
        dialog.profiles_changed.connect(self._profiles_changed)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _profiles_changed(self, profiles: list[Profile], active: str) -> None:
        self.services.settings.profiles = list(profiles)
        self.services.settings.active_profile = active
        self.services.save_settings()
        self.window.profiles_changed()

    def open_key_dialog(self, profile_name: str = "") -> None:
        from ui.endpoints.key_dialog import KeyDialog

        profile = self.services.profile(profile_name)
        dialog = KeyDialog(profile, self.services.secrets, self.services.tester(), self.window)
        dialog.key_saved.connect(lambda _name: self.window.profiles_changed())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def endpoint_problem(self, profile_name: str, text: str) -> None:
        self.window.notice_bar.show_notice(
            "error", text, ("Set API key…", lambda: self.open_key_dialog(profile_name))
        )

    def welcome(self) -> None:
        from ui.endpoints.welcome_dialog import WelcomeDialog

        services = self.services
        dialog = WelcomeDialog(
            services.secrets, services.tester(), services.settings.profiles, self.window
        )
        dialog.profile_ready.connect(self._welcomed)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _welcomed(self, profile: Profile) -> None:
        settings = self.services.settings
        if not profile.builtin and settings.profile(profile.name) is None:
            settings.profiles = [*settings.profiles, profile]
        settings.active_profile = profile.name
        self.services.save_settings()
        self.window.profiles_changed()

    # --- files -------------------------------------------------------------------------------

    def export_chat(self, chat_id: str, kind: str) -> None:
        from core.export import chat_to_json, chat_to_markdown

        shown = [self.window.controller.chat, self.window.compare.controller.comparison]
        open_chat = next((c for c in shown if c is not None and c.id == chat_id), None)
        try:
            chat = open_chat if open_chat is not None else self.services.store.load(chat_id)
        except Exception as exc:
            self.window.notice_bar.show_notice("error", str(exc))
            return
        suffix = ".md" if kind == "markdown" else ".json"
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in chat.title)[:60] or "chat"
        dialog = QFileDialog(self.window, "Export chat", str(Path.home() / f"{name}{suffix}"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Markdown (*.md)" if kind == "markdown" else "JSON (*.json)")

        def write(path: str) -> None:
            data = chat_to_markdown(chat).encode() if kind == "markdown" else chat_to_json(chat)
            try:
                atomic_write_bytes(Path(path), data)
            except OSError as exc:
                self.window.notice_bar.show_notice(
                    "error", f"Could not write {path}: {exc.strerror}."
                )
                return
            self.window.statusBar().showMessage(f"Exported to {path}", 6000)

        dialog.fileSelected.connect(write)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def import_chat(self) -> None:
        dialog = QFileDialog(self.window, "Import chat", str(Path.home()))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter("Chat JSON (*.json)")
        dialog.fileSelected.connect(self.import_file)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def import_file(self, path: str) -> None:
        from core.export import ChatImportError, import_chat_json

        try:
            chat = import_chat_json(Path(path).read_bytes())
        except OSError as exc:
            self.window.notice_bar.show_notice("error", f"Could not read {path}: {exc.strerror}.")
            return
        except ChatImportError as exc:
            self.window.notice_bar.show_notice("error", str(exc))
            return
        self.services.store.save(chat)
        self.window.sidebar.upsert(summarize(chat))
        self.window.open_chat(chat.id)
        self.window.statusBar().showMessage(f"Imported “{chat.title}”", 6000)
