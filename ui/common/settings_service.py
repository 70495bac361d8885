"""The settings as a service: every change is saved (shortly after, coalesced) and announced.

Readers take values from :attr:`SettingsService.settings`; writers call
:meth:`SettingsService.set`, which checks the values against the typed
:class:`core.settings.Settings`, saves within ``SAVE_DELAY_MS`` (a slider dragged across
its range is one write, not fifty) and emits :attr:`changed` with each field's name.
Nothing waits for a clean close: :meth:`flush` writes at once and is called at quit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from PySide6.QtCore import QObject, QTimer, Signal

from core.settings import Settings, save_settings

SAVE_DELAY_MS = 300


class SettingsService(QObject):
    changed = Signal(str)  # the name of the field that changed

    def __init__(
        self,
        settings: Settings,
        path: Path,
        *,
        on_error: Callable[[OSError], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self.path = path
        self._on_error = on_error
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        self.writes = 0

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def set(self, **values: Any) -> None:
        """Change fields (validated: a bad value raises ``msgspec.ValidationError`` and
        nothing changes), save soon, and announce the fields that really changed."""
        fields = set(Settings.__struct_fields__)
        unknown = set(values) - fields
        if unknown:
            raise AttributeError(f"no such setting: {', '.join(sorted(unknown))}")
        merged = msgspec.structs.asdict(self._settings) | values
        checked = msgspec.convert(msgspec.to_builtins(merged), Settings)
        changed = [name for name in values if getattr(self._settings, name) != values[name]]
        for name in changed:
            setattr(self._settings, name, getattr(checked, name))
        if changed:
            self._timer.start()
        for name in changed:
            self.changed.emit(name)

    def push_recent_model(self, model: str) -> None:
        recent = list(self._settings.recent_models)
        probe = Settings(recent_models=recent)
        probe.push_recent_model(model)
        self.set(recent_models=probe.recent_models)

    def flush(self) -> None:
        """Write the settings now (a write that fails is reported and tried at the next
        change)."""
        self._timer.stop()
        try:
            save_settings(self._settings, self.path)
        except OSError as exc:
            if self._on_error is not None:
                self._on_error(exc)
            return
        self.writes += 1
