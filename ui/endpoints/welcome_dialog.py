"""The first-run dialog: connect to AnyFast with a key, or to another OpenAI-compatible server.

On accept the key is stored first (through :class:`core.secrets.Secrets`), then
``profile_ready(profile)`` is emitted: the built-in AnyFast profile, or a new user
profile. Errors keep the dialog open with a red sentence. Open it with ``open()``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.endpoint import Endpoint
from core.profiles import (
    ANYFAST_NAME,
    Profile,
    ProfileError,
    builtin_profiles,
    describe_url,
    validate_profile,
)
from core.secrets import Secrets, SecretStoreError
from ui.common.tone import set_tone
from ui.endpoints.base_url_field import BaseUrlField
from ui.endpoints.connection_test import ConnectionTest, Tester
from ui.endpoints.key_field import KeyField

ANYFAST_INTRO = (
    'Paste your AnyFast API key. No key yet? Create one at <a href="https://www.anyfast.ai">'
    "www.anyfast.ai</a>."
)
ANYFAST_CHOICE = "AnyFast: about 70 models from OpenAI, Anthropic, Google, DeepSeek and more"
OTHER_CHOICE = "Another OpenAI-compatible endpoint (a local server or another service)"
NO_KEY = "This server needs no key"
ANYFAST_PAGE, OTHER_PAGE = 0, 1


class WelcomeDialog(QDialog):
    """First run: pick AnyFast or another endpoint; emits ``profile_ready(Profile)``."""

    profile_ready = Signal(object)

    def __init__(
        self,
        secrets: Secrets,
        tester: Tester,
        existing_profiles: list[Profile],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle("Welcome to Chorus")
        self._existing = list(existing_profiles)
        self._name_edited = False

        title = QLabel("Welcome to Chorus", self)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel("Where should Chorus send your messages?", self)
        set_tone(subtitle, "muted")

        self.anyfast_choice = QRadioButton(ANYFAST_CHOICE, self)
        self.other_choice = QRadioButton(OTHER_CHOICE, self)
        self.anyfast_choice.setChecked(True)
        choices = QButtonGroup(self)
        choices.addButton(self.anyfast_choice, ANYFAST_PAGE)
        choices.addButton(self.other_choice, OTHER_PAGE)
        choices.idToggled.connect(self._choice_toggled)

        self._choices = choices
        self.anyfast_page = self._anyfast_page(secrets)
        self.other_page = self._other_page(secrets)

        self.connection_test = ConnectionTest(tester, self._endpoint, self)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("welcomeError")
        self.error_label.setWordWrap(True)
        set_tone(self.error_label, "error")
        self.error_label.hide()

        self.buttons = QDialogButtonBox(self)
        self.start_button = self.buttons.addButton(
            "Start chatting", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start_button.setDefault(True)
        self.buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._finish)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(4)
        layout.addWidget(self.anyfast_choice)
        layout.addWidget(self.anyfast_page)
        layout.addWidget(self.other_choice)
        layout.addWidget(self.other_page)
        layout.addWidget(self.connection_test)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(540)
        self.finished.connect(self._closed)
        self._choice_toggled(ANYFAST_PAGE, True)

    # --- pages --------------------------------------------------------------------------

    def _anyfast_page(self, secrets: Secrets) -> QWidget:
        page = QWidget(self)
        intro = QLabel(ANYFAST_INTRO, page)
        intro.setObjectName("anyfastIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setOpenExternalLinks(True)
        self.anyfast_key = KeyField(secrets, page)
        self.anyfast_key.changed.connect(self._update_buttons)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.anyfast_key)
        return page

    def _other_page(self, secrets: Secrets) -> QWidget:
        page = QWidget(self)
        self.name_edit = QLineEdit(page)
        self.name_edit.setObjectName("profileName")
        self.name_edit.setPlaceholderText("e.g. Local llama.cpp")
        self.name_edit.textEdited.connect(self._name_typed)
        self.name_edit.textChanged.connect(self._update_buttons)
        self.url_field = BaseUrlField(page)
        self.url_field.changed.connect(self._url_changed)
        self.no_key_box = QCheckBox(NO_KEY, page)
        self.no_key_box.setObjectName("noKey")
        self.no_key_box.toggled.connect(self._no_key_toggled)
        self.other_key = KeyField(secrets, page)
        self.other_key.changed.connect(self._update_buttons)
        form = self._other_form = QFormLayout(page)
        form.setContentsMargins(24, 0, 0, 0)
        form.addRow("Base URL", self.url_field)
        form.addRow("Name", self.name_edit)
        form.addRow("", self.no_key_box)
        form.addRow("API key", self.other_key)
        return page

    # --- state --------------------------------------------------------------------------

    def current_page(self) -> int:
        """``ANYFAST_PAGE`` or ``OTHER_PAGE``."""
        return self._choices.checkedId()

    def _anyfast_profile(self) -> Profile:
        for profile in self._existing:
            if profile.name == ANYFAST_NAME and profile.builtin:
                return profile
        return builtin_profiles({})[0]

    def _choice_toggled(self, page: int, checked: bool) -> None:
        if not checked:
            return
        self.connection_test.reset()
        self.error_label.hide()
        anyfast = page == ANYFAST_PAGE
        self.anyfast_page.setVisible(anyfast)
        self.other_page.setVisible(not anyfast)
        self._fit()
        self.connection_test.set_url(describe_url(self._anyfast_profile()) if anyfast else "")
        (self.anyfast_key.line_edit if anyfast else self.url_field.line_edit).setFocus()
        self._update_buttons()

    def _fit(self) -> None:
        """Shrink the dialog to its content after a part was hidden."""
        if self.isVisible():
            self.adjustSize()

    def _name_typed(self, text: str) -> None:
        self._name_edited = bool(text.strip())

    def _url_changed(self) -> None:
        if not self._name_edited:
            host = urlsplit(self.url_field.base_url() or "").netloc
            self.name_edit.setText(host)
        self._update_buttons()

    def _no_key_toggled(self, checked: bool) -> None:
        self.other_key.setEnabled(not checked)
        self._other_form.setRowVisible(self.other_key, not checked)
        self._fit()
        self._update_buttons()

    def _ready(self) -> bool:
        if self.current_page() == ANYFAST_PAGE:
            return bool(self.anyfast_key.key()) and self.anyfast_key.can_store()
        if not self.name_edit.text().strip() or not self.url_field.is_valid():
            return False
        if self.no_key_box.isChecked():
            return True
        return bool(self.other_key.key()) and self.other_key.can_store()

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(self._ready())

    def _endpoint(self) -> Endpoint:
        if self.current_page() == ANYFAST_PAGE:
            profile = self._anyfast_profile()
            key = self.anyfast_key.key()
            if not key:
                raise ValueError("Paste your AnyFast key to test it.")
            return Endpoint(profile.base_url, key, name=profile.name)
        key = "" if self.no_key_box.isChecked() else self.other_key.key()
        if not self.no_key_box.isChecked() and not key:
            raise ValueError(f"Enter the key, or tick “{NO_KEY}”.")
        return Endpoint(self.url_field.text(), key, name=self.name_edit.text().strip())

    # --- finishing ----------------------------------------------------------------------

    def _finish(self) -> None:
        if not self._ready():
            return
        try:
            if self.current_page() == ANYFAST_PAGE:
                profile = self._anyfast_profile()
                self.anyfast_key.store(profile.name)
            else:
                no_key = self.no_key_box.isChecked()
                profile = validate_profile(
                    self.name_edit.text(),
                    self.url_field.text(),
                    self._existing,
                    key_source="none" if no_key else "keyring",
                )
                if not no_key:
                    self.other_key.store(profile.name)
        except (ProfileError, SecretStoreError) as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            self._update_buttons()
            return
        self.error_label.hide()
        self.profile_ready.emit(profile)
        self.accept()

    def _closed(self, _result: int) -> None:
        self.connection_test.cancel()
        self.anyfast_key.clear()
        self.other_key.clear()
