"""An API key entry: a masked field with Show/Hide, and where the key will be kept.

When there is no system keyring the field says why, plainly, and offers one explicit
choice: keep the key in memory for this session only. Nothing is ever written to a file.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.secrets import KeyringUnavailableError, Secrets
from ui.common.tone import set_tone

SESSION_CHOICE = "Keep the key for this session only"
SESSION_NOTE = (
    "The key stays in memory and is forgotten when Chorus quits. "
    "Chorus never writes keys to a file."
)


class KeyField(QWidget):
    """Type or paste a key; :meth:`store` saves it through ``secrets``.

    ``changed`` fires when the text or the session-only choice changes.
    """

    changed = Signal()

    def __init__(self, secrets: Secrets, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._secrets = secrets

        self.line_edit = QLineEdit(self)
        self.line_edit.setObjectName("apiKey")
        self.line_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.line_edit.setPlaceholderText("Paste your API key")
        self.line_edit.setAccessibleName("API key")
        self.line_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoAutoUppercase
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.line_edit.textChanged.connect(self._text_changed)

        self.show_button = QToolButton(self)
        self.show_button.setObjectName("showKey")
        self.show_button.setText("Show")
        self.show_button.setCheckable(True)
        self.show_button.setToolTip("Show or hide the key while you type it")
        self.show_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.show_button.toggled.connect(self._set_visible)

        self.location_label = QLabel(self)
        self.location_label.setObjectName("keyLocation")
        self.location_label.setWordWrap(True)

        # Shown only when there is no keyring and no choice has been made yet.
        self.no_keyring = QFrame(self)
        self.no_keyring.setObjectName("noKeyring")
        self.no_keyring.setFrameShape(QFrame.Shape.StyledPanel)
        self.reason_label = QLabel(self.no_keyring)
        self.reason_label.setObjectName("keyringReason")
        self.reason_label.setWordWrap(True)
        self.session_box = QCheckBox(SESSION_CHOICE, self.no_keyring)
        self.session_box.setObjectName("sessionOnly")
        self.session_box.toggled.connect(self._session_toggled)
        note = QLabel(SESSION_NOTE, self.no_keyring)
        note.setWordWrap(True)
        set_tone(note, "muted")
        box = QVBoxLayout(self.no_keyring)
        box.setContentsMargins(10, 8, 10, 8)
        box.addWidget(self.reason_label)
        box.addWidget(self.session_box)
        box.addWidget(note)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.line_edit, 1)
        row.addWidget(self.show_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(row)
        layout.addWidget(self.location_label)
        layout.addWidget(self.no_keyring)
        self.refresh()

    # --- public API -------------------------------------------------------------------

    def key(self) -> str:
        """The typed key without surrounding whitespace."""
        return self.line_edit.text().strip()

    def clear(self) -> None:
        """Forget the typed key and hide it again."""
        self.line_edit.clear()
        self.show_button.setChecked(False)

    def can_store(self) -> bool:
        """Whether :meth:`store` has somewhere to put a key."""
        return not self._secrets.needs_choice or self.session_box.isChecked()

    def store(self, profile_name: str) -> None:
        """Save the typed key as the key of ``profile_name``.

        The session-only choice is applied first when the person ticked it. Raises
        :class:`core.secrets.SecretStoreError` (with a sentence) when the key cannot
        be kept; the field then shows the store's current state.
        """
        try:
            if self._secrets.needs_choice:
                if not self.session_box.isChecked():
                    raise KeyringUnavailableError(
                        f"{self._secrets.keyring_reason} Tick “{SESSION_CHOICE}” to use "
                        "a key without saving it."
                    )
                self._secrets.use_session_only()
            self._secrets.set(profile_name, self.key())
        finally:
            self.refresh()

    def refresh(self) -> None:
        """Show where a key would be kept now."""
        needs_choice = self._secrets.needs_choice
        self.no_keyring.setVisible(needs_choice)
        if needs_choice:
            reason = self._secrets.keyring_reason or "No system keyring is available."
            self.reason_label.setText(f"{reason} Your key cannot be saved on this computer.")
            chosen = self.session_box.isChecked()
            self.location_label.setText(
                "Your key will be kept in memory for this session." if chosen else ""
            )
            self.location_label.setVisible(chosen)
        else:
            self.location_label.setText(self._secrets.location())
            self.location_label.show()
        set_tone(self.location_label, "muted")

    # --- internals ----------------------------------------------------------------------

    def _set_visible(self, visible: bool) -> None:
        self.line_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        )
        self.show_button.setText("Hide" if visible else "Show")

    def _text_changed(self, _text: str) -> None:
        self.changed.emit()

    def _session_toggled(self, _checked: bool) -> None:
        self.refresh()
        self.changed.emit()
