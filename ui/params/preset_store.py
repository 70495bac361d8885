"""Named parameter sets: the Parameters tab's preset menu, kept in the settings."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ui.common.settings_service import SettingsService
from ui.params.panel import ParamsPanel


class PresetStore(QObject):
    """Saves, loads and deletes the presets of ``panel`` in the settings. Loading one
    (or saving one) emits ``loaded(name, values)``: the window gives it to the page on
    screen, which stacks it over the model's defaults (``core.param_stack``)."""

    loaded = Signal(str, dict)

    def __init__(self, prefs: SettingsService, panel: ParamsPanel) -> None:
        super().__init__(panel)
        self.prefs = prefs
        self.panel = panel
        panel.preset_save_requested.connect(self.save_preset)
        panel.preset_load_requested.connect(self.load_preset)
        panel.preset_delete_requested.connect(self.delete_preset)
        panel.set_presets(sorted(prefs.settings.presets))

    def save_preset(self, name: str) -> None:
        """Keep the panel's values as the preset ``name``; what is on screen now uses it."""
        values = self.panel.values()
        self.prefs.set(presets={**self.prefs.settings.presets, name: values})
        self.panel.set_presets(sorted(self.prefs.settings.presets))
        self.loaded.emit(name, dict(values))

    def load_preset(self, name: str) -> None:
        """Ask for the preset to be loaded into the page on screen."""
        values = self.prefs.settings.presets.get(name)
        if values is not None:
            self.panel.flush()
            self.loaded.emit(name, dict(values))

    def delete_preset(self, name: str) -> None:
        presets = dict(self.prefs.settings.presets)
        presets.pop(name, None)
        self.prefs.set(presets=presets)
        self.panel.set_presets(sorted(presets))
