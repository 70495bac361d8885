"""The fields of one endpoint profile: name, base URL, and where its key comes from.

Built-in profiles are shown read-only with a sentence saying where they come from.
``edited`` fires when the person changes a field (not when a profile is loaded).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from core.profiles import ANYFAST_NAME, OPENAI_KEY_ENV, KeySource, Profile
from ui.common.tone import set_tone
from ui.endpoints.base_url_field import BaseUrlField

KEY_SOURCES: tuple[tuple[KeySource, str], ...] = (
    ("keyring", "A saved key"),
    ("env", "An environment variable"),
    ("none", "No key (a local server)"),
)
BUILTIN_ANYFAST = "Comes with Chorus; it cannot be changed or deleted."
BUILTIN_ENV = (
    "Comes from the OPENAI_BASE_URL environment variable; change the variable to change it."
)


class ProfileForm(QWidget):
    """Shows one profile for editing; :meth:`values` reads what the person typed."""

    edited = Signal()

    def __init__(self, env: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._env = env
        self._loading = False
        self._keyring_note = "Use “Set key…” to add or replace the key."

        self.origin_label = QLabel(self)
        self.origin_label.setObjectName("profileOrigin")
        self.origin_label.setWordWrap(True)
        set_tone(self.origin_label, "muted")
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("profileName")
        self.name_edit.setPlaceholderText("e.g. Local llama.cpp")
        self.name_edit.textChanged.connect(self._changed)
        self.url_field = BaseUrlField(self)
        self.url_field.changed.connect(self._changed)
        self.source_combo = QComboBox(self)
        self.source_combo.setObjectName("keySource")
        for source, label in KEY_SOURCES:
            self.source_combo.addItem(label, source)
        self.source_combo.currentIndexChanged.connect(self._changed)
        self.env_edit = QLineEdit(self)
        self.env_edit.setObjectName("keyEnv")
        self.env_edit.setPlaceholderText(OPENAI_KEY_ENV)
        self.env_edit.textChanged.connect(self._changed)
        self.key_note = QLabel(self)
        self.key_note.setObjectName("keyNote")
        self.key_note.setWordWrap(True)
        set_tone(self.key_note, "muted")

        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow(self.origin_label)
        self._form.addRow("Name", self.name_edit)
        self._form.addRow("Base URL", self.url_field)
        self._form.addRow("API key", self.source_combo)
        self._form.addRow("Variable", self.env_edit)
        self._form.addRow("", self.key_note)
        self.load(None)

    # --- public API -------------------------------------------------------------------

    def load(self, profile: Profile | None) -> None:
        """Show ``profile`` (None: an empty, disabled form) without emitting ``edited``."""
        self._loading = True
        try:
            self.name_edit.setText(profile.name if profile else "")
            self.url_field.set_text(profile.base_url if profile else "")
            source = profile.key_source if profile else "keyring"
            self.source_combo.setCurrentIndex(self.source_combo.findData(source))
            self.env_edit.setText(profile.key_env if profile else "")
        finally:
            self._loading = False
        builtin = profile is not None and profile.builtin
        self.setEnabled(profile is not None)
        for edit in (self.name_edit, self.env_edit):
            edit.setReadOnly(builtin)
        self.url_field.set_read_only(builtin)
        self.source_combo.setEnabled(not builtin)
        origin = ""
        if builtin and profile is not None:
            origin = BUILTIN_ANYFAST if profile.name == ANYFAST_NAME else BUILTIN_ENV
        self.origin_label.setText(origin)
        self._form.setRowVisible(self.origin_label, bool(origin))
        self._update_key_rows()

    def values(self) -> tuple[str, str, KeySource, str]:
        """(name, base URL, key source, key variable) as typed."""
        source: KeySource = self.source_combo.currentData()
        return self.name_edit.text(), self.url_field.text(), source, self.env_edit.text()

    def key_source(self) -> KeySource:
        source: KeySource = self.source_combo.currentData()
        return source

    def set_keyring_note(self, text: str) -> None:
        """The sentence under the key rows when the key is a saved one."""
        self._keyring_note = text
        self._update_key_rows()

    # --- internals ----------------------------------------------------------------------

    def _changed(self, *_: object) -> None:
        self._update_key_rows()
        if not self._loading:
            self.edited.emit()

    def _update_key_rows(self) -> None:
        source = self.key_source()
        self._form.setRowVisible(self.env_edit, source == "env")
        if source == "env":
            var = self.env_edit.text().strip() or OPENAI_KEY_ENV
            state = "is set" if self._env.get(var, "").strip() else "is not set"
            self.key_note.setText(f"The key is read from {var}, which {state}.")
        elif source == "none":
            self.key_note.setText("No key is sent: for servers that need none.")
        else:
            self.key_note.setText(self._keyring_note)
