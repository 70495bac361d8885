"""The window's dialogs and files: model picker, endpoints, keys, export, import.

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

from PySide6.QtCore import QObject, QPoint, Signal
from PySide6.QtWidgets import QFileDialog, QWidget
from shiboken6 import isValid

from core.chat import Chat
from core.endpoint import EndpointUnusable
from core.profiles import Profile, resolve_endpoint
from core.storage.atomic import atomic_write_bytes
from ui.common.notifier import Notifier
from ui.common.services import Services

if TYPE_CHECKING:
    from ui.model_picker.picker import ModelPicker

log = logging.getLogger(__name__)


class Dialogs(QObject):
    profiles_changed = Signal()  # endpoints, keys or the active profile changed
    imported = Signal(object)  # Chat: read from a file and saved

    def __init__(self, parent: QWidget, services: Services, notifier: Notifier) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.services = services
        self.notifier = notifier
        self.picker: ModelPicker | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- models --------------------------------------------------------------------------

    def choose_model(
        self,
        current: str,
        on_chosen: Callable[[str, str], object],
        anchor: QPoint,
        targets: list[tuple[str, str]] | None = None,
        target: str = "",
    ) -> None:
        """The model picker at ``anchor``; the choice goes to ``on_chosen(model, target)``
        (``targets`` offer where it goes, e.g. a column or every column)."""
        from ui.model_picker.picker import ModelPicker

        services = self.services
        settings = services.settings
        profile = services.settings.active_profile
        picker = ModelPicker(
            services.catalog.cached(profile),
            settings.favourite_models,
            settings.recent_models,
            current,
            self.parent_widget,
            targets=targets or [],
            target=target,
        )
        chosen_target = [target]
        picker.target_chosen.connect(lambda t: chosen_target.__setitem__(0, t))
        picker.model_chosen.connect(lambda model: on_chosen(model, chosen_target[0]))
        picker.favourite_toggled.connect(self._favourite)
        picker.refresh_requested.connect(lambda: self._spawn(self._refresh(picker), "models"))
        picker.finished.connect(picker.deleteLater)
        picker.move(anchor)
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
        except EndpointUnusable as exc:
            picker.set_status(f"Showing the bundled list: {exc}", True)
            return
        result = await services.catalog.refresh(
            profile.name, lambda: services.client.list_models(endpoint)
        )
        settings = services.settings
        if isValid(picker) and picker.isVisible():  # not closed (and deleted) meanwhile
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
        self.services.prefs.set(favourite_models=favourites)

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
            self.parent_widget,
        )
        dialog.profiles_changed.connect(self._profiles_changed)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _profiles_changed(self, profiles: list[Profile], active: str) -> None:
        self.services.prefs.set(profiles=list(profiles), active_profile=active)
        self.profiles_changed.emit()

    def open_key_dialog(self, profile_name: str = "") -> None:
        from ui.endpoints.key_dialog import KeyDialog

        profile = self.services.profile(profile_name)
        dialog = KeyDialog(
            profile, self.services.secrets, self.services.tester(), self.parent_widget
        )
        dialog.key_saved.connect(lambda _name: self.profiles_changed.emit())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def endpoint_problem(self, profile_name: str, text: str) -> None:
        self.notifier.error(
            text, action=("Set API key…", lambda: self.open_key_dialog(profile_name))
        )

    def welcome(self) -> None:
        from ui.endpoints.welcome_dialog import WelcomeDialog

        services = self.services
        dialog = WelcomeDialog(
            services.secrets, services.tester(), services.settings.profiles, self.parent_widget
        )
        dialog.profile_ready.connect(self._welcomed)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _welcomed(self, profile: Profile) -> None:
        settings = self.services.settings
        profiles = list(settings.profiles)
        if not profile.builtin and settings.profile(profile.name) is None:
            profiles.append(profile)
        self.services.prefs.set(profiles=profiles, active_profile=profile.name)
        self.profiles_changed.emit()

    # --- prices and usage -----------------------------------------------------------------

    def open_prices(self, model: str = "") -> None:
        """Settings › Prices; ``model`` (the one on screen) is what "Add model" offers."""
        from ui.pricing.prices_dialog import PricesDialog

        dialog = PricesDialog(self.services, self.notifier, self.parent_widget, model=model)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def open_usage(self) -> None:
        from ui.usage.usage_dialog import UsageDialog

        dialog = UsageDialog(self.services, self.notifier, self.parent_widget)
        dialog.finished.connect(dialog.deleteLater)
        dialog.show()
        dialog.reload()

    # --- files -------------------------------------------------------------------------------

    def export_chat(self, chat: Chat, kind: str) -> None:
        """Ask where to write ``chat`` (a chat or a comparison) as Markdown or JSON."""
        from core.export import chat_to_json, chat_to_markdown

        suffix = ".md" if kind == "markdown" else ".json"
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in chat.title)[:60] or "chat"
        dialog = QFileDialog(
            self.parent_widget, "Export chat", str(Path.home() / f"{name}{suffix}")
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter("Markdown (*.md)" if kind == "markdown" else "JSON (*.json)")

        def write(path: str) -> None:
            data = chat_to_markdown(chat).encode() if kind == "markdown" else chat_to_json(chat)
            try:
                atomic_write_bytes(Path(path), data)
            except OSError as exc:
                self.notifier.error(f"Could not write {path}: {exc.strerror}.")
                return
            self.notifier.info(f"Exported to {path}")

        dialog.fileSelected.connect(write)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def import_chat(self) -> None:
        dialog = QFileDialog(self.parent_widget, "Import chat", str(Path.home()))
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
            self.notifier.error(f"Could not read {path}: {exc.strerror}.")
            return
        except ChatImportError as exc:
            self.notifier.error(str(exc))
            return
        try:
            self.services.store.save(chat)
        except OSError as exc:
            self.notifier.error(f"Could not save the imported chat: {exc.strerror}.")
            return
        self.imported.emit(chat)
        self.notifier.info(f"Imported “{chat.title}”")
