"""Set or replace the API key of one profile, with a connection test before saving.

Open it with ``open()`` or ``show()``. Save stores the key through
:class:`core.secrets.Secrets`; an error keeps the dialog open with the sentence in red.
The typed key is cleared when the dialog closes, whichever way it closes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from core.endpoint import Endpoint
from core.profiles import ANYFAST_NAME, Profile, describe_url
from core.secrets import Secrets, SecretStoreError
from ui.common.tone import set_tone
from ui.endpoints.connection_test import ConnectionTest, Tester
from ui.endpoints.key_field import KeyField

ANYFAST_KEYS_LINK = '<a href="https://www.anyfast.ai">anyfast.ai</a>'


class KeyDialog(QDialog):
    """The key of ``profile``: type it, test it, save it; emits ``key_saved(name)``."""

    key_saved = Signal(str)

    def __init__(
        self,
        profile: Profile,
        secrets: Secrets,
        tester: Tester,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle(f"API key for {profile.name}")
        self._profile = profile

        title = QLabel(f"API key for {profile.name}", self)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setOpenExternalLinks(True)
        replaces = "Saving replaces any key already stored for this endpoint."
        if profile.name == ANYFAST_NAME:
            intro.setText(f"Find your key in your account at {ANYFAST_KEYS_LINK}. {replaces}")
        else:
            intro.setText(replaces)

        self.key_field = KeyField(secrets, self)
        self.key_field.changed.connect(self._update_buttons)
        self.key_field.line_edit.setFocus()
        self.connection_test = ConnectionTest(tester, self._endpoint, self)
        self.connection_test.set_url(describe_url(profile))
        self.error_label = QLabel(self)
        self.error_label.setObjectName("saveError")
        self.error_label.setWordWrap(True)
        set_tone(self.error_label, "error")
        self.error_label.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.key_field)
        layout.addWidget(self.connection_test)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.finished.connect(self._closed)
        self._update_buttons()

    @property
    def profile(self) -> Profile:
        return self._profile

    def _endpoint(self) -> Endpoint:
        key = self.key_field.key()
        if not key:
            raise ValueError("Enter a key to test it.")
        return Endpoint(
            self._profile.base_url, key, name=self._profile.name, headers=self._profile.headers
        )

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(bool(self.key_field.key()) and self.key_field.can_store())

    def _save(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            self.key_field.store(self._profile.name)
        except SecretStoreError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            self._update_buttons()
            return
        self.error_label.hide()
        self.key_field.clear()
        self.key_saved.emit(self._profile.name)
        self.accept()

    def _closed(self, _result: int) -> None:
        self.connection_test.cancel()
        self.key_field.clear()
