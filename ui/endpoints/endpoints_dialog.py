"""Manage endpoint profiles: add, edit, delete, set keys, test, and choose the active one.

Built-in profiles (AnyFast, and the one the environment defines) are listed first and
cannot be edited or deleted. Edits are kept in the dialog until OK, which checks every
profile and emits ``profiles_changed(user profiles, active name)``. On OK the saved key
of a renamed profile moves to its new name and the key of a deleted profile is removed;
on Cancel, keys saved here for profiles that were never kept are removed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import msgspec
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.endpoint import Endpoint
from core.profiles import (
    MissingKeyError,
    Profile,
    ProfileError,
    all_profiles,
    builtin_profiles,
    resolve_endpoint,
    validate_profile,
)
from core.secrets import Secrets, SecretStoreError
from ui.common.tone import set_tone
from ui.endpoints.connection_test import ConnectionTest, Tester
from ui.endpoints.key_dialog import KeyDialog
from ui.endpoints.profile_form import ProfileForm

NEW_NAME = "New endpoint"


@dataclass(eq=False)
class _Entry:
    profile: Profile  # as typed; checked again on OK
    original: str | None  # the name when the dialog opened; None if added here
    error: str = ""


class EndpointsDialog(QDialog):
    """The list of profiles and a form for the selected one; see the module docstring."""

    profiles_changed = Signal(list, str)  # user profiles, active profile name

    def __init__(
        self,
        user_profiles: list[Profile],
        env: Mapping[str, str],
        active: str,
        secrets: Secrets,
        tester: Tester,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("endpointsDialog")
        self.setWindowTitle("Endpoints")
        self._env = dict(env)
        self._secrets = secrets
        self._tester = tester
        profiles = all_profiles(user_profiles, self._env)
        builtin_count = len(builtin_profiles(self._env))
        self._entries = [_Entry(p, p.name) for p in profiles]
        self._builtin_count = builtin_count
        self._original_names = {p.name for p in profiles[builtin_count:]}
        self._active = next(
            (e for e in self._entries if e.profile.name == active), self._entries[0]
        )
        self._keys_saved: set[str] = set()
        self.key_dialog: KeyDialog | None = None

        self.profile_list = QListWidget(self)
        self.profile_list.setObjectName("profileList")
        self.profile_list.setAccessibleName("Endpoints")
        self.profile_list.setMinimumWidth(240)
        self.profile_list.setSpacing(3)
        self.profile_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.profile_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.profile_list.currentRowChanged.connect(self._row_changed)
        self.profile_list.itemDoubleClicked.connect(self._make_active)
        self.add_button = self._button("Add", self._add)
        self.delete_button = self._button("Delete", self._delete)

        self.form = ProfileForm(self._env, self)
        self.form.set_keyring_note(f"Use “Set key…” to add or replace it. {secrets.location()}")
        self.form.edited.connect(self._edited)
        self.form_error = QLabel(self)
        self.form_error.setObjectName("formError")
        self.form_error.setWordWrap(True)
        set_tone(self.form_error, "error")
        self.form_error.hide()
        self.set_key_button = self._button("Set key…", self._open_key_dialog)
        self.use_button = self._button("Use this endpoint", self._make_active)
        self.key_status = QLabel(self)
        self.key_status.setObjectName("keyStatus")
        self.key_status.hide()
        self.connection_test = ConnectionTest(tester, self._endpoint, self)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        list_buttons = QHBoxLayout()
        list_buttons.addWidget(self.add_button)
        list_buttons.addWidget(self.delete_button)
        list_buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.profile_list, 1)
        left.addLayout(list_buttons)
        actions = QHBoxLayout()
        actions.addWidget(self.set_key_button)
        actions.addWidget(self.use_button)
        actions.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.form)
        right.addWidget(self.form_error)
        right.addLayout(actions)
        right.addWidget(self.key_status)
        right.addWidget(self.connection_test)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addSpacing(12)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 460)
        self.finished.connect(self._closed)

        self._fill_list(self._entries.index(self._active))

    # --- public API -------------------------------------------------------------------

    def profile_names(self) -> list[str]:
        """The names in the list, built-in ones first."""
        return [entry.profile.name for entry in self._entries]

    def active_name(self) -> str:
        return self._active.profile.name

    def current_profile(self) -> Profile | None:
        entry = self._current()
        return entry.profile if entry else None

    # --- list ---------------------------------------------------------------------------

    def _button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setAutoDefault(False)  # Enter in a field means OK, not this button
        button.clicked.connect(slot)
        return button

    def _current(self) -> _Entry | None:
        row = self.profile_list.currentRow()
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def _is_builtin(self, entry: _Entry) -> bool:
        return self._entries.index(entry) < self._builtin_count

    def _label(self, entry: _Entry) -> str:
        """Two lines: the name, then what kind of profile it is or where it points."""
        notes = ["built in"] if self._is_builtin(entry) else []
        if entry is self._active:
            notes.append("active")
        if entry.error:
            notes.append("needs a fix")
        detail = " · ".join(notes) or urlsplit(entry.profile.base_url).netloc
        return f"{entry.profile.name.strip() or '(no name)'}\n{detail}"

    def _fill_list(self, row: int) -> None:
        """Rebuild the list and show the profile at ``row``."""
        self.profile_list.blockSignals(True)
        try:
            self.profile_list.clear()
            for entry in self._entries:
                self.profile_list.addItem(self._item(entry))
            self.profile_list.setCurrentRow(min(max(row, 0), len(self._entries) - 1))
        finally:
            self.profile_list.blockSignals(False)
        self._row_changed(self.profile_list.currentRow())

    def _item(self, entry: _Entry) -> QListWidgetItem:
        item = QListWidgetItem(self._label(entry))
        item.setToolTip(entry.profile.base_url)
        font = QFont(self.profile_list.font())
        font.setBold(entry is self._active)
        item.setFont(font)
        return item

    def _update_item(self, entry: _Entry) -> None:
        item = self.profile_list.item(self._entries.index(entry))
        if item is not None:
            fresh = self._item(entry)
            item.setText(fresh.text())
            item.setFont(fresh.font())
            item.setToolTip(fresh.toolTip())

    def _row_changed(self, _row: int) -> None:
        entry = self._current()
        self.form.load(entry.profile if entry else None)
        self.connection_test.reset()
        self.key_status.hide()
        self._show_error(entry.error if entry else "")
        self._update_actions()

    def _update_actions(self) -> None:
        entry = self._current()
        user = entry is not None and not self._is_builtin(entry)
        self.delete_button.setEnabled(user)
        self.set_key_button.setEnabled(
            entry is not None and entry.profile.key_source == "keyring" and not entry.error
        )
        self.use_button.setEnabled(entry is not None and entry is not self._active)

    def _show_error(self, text: str) -> None:
        self.form_error.setText(text)
        self.form_error.setVisible(bool(text))

    # --- editing ------------------------------------------------------------------------

    def _others(self, entry: _Entry) -> list[Profile]:
        return [e.profile for e in self._entries if e is not entry]

    def _edited(self) -> None:
        entry = self._current()
        if entry is None or self._is_builtin(entry):
            return
        name, url, source, key_env = self.form.values()
        entry.profile = msgspec.structs.replace(
            entry.profile, name=name, base_url=url, key_source=source, key_env=key_env
        )
        try:
            validate_profile(name, url, self._others(entry), key_source=source, key_env=key_env)
        except ProfileError as exc:
            entry.error = str(exc)
        else:
            entry.error = ""
        self._show_error(entry.error)
        self._update_item(entry)
        self._update_actions()

    def _add(self) -> None:
        taken = {e.profile.name.casefold() for e in self._entries}
        name, n = NEW_NAME, 1
        while name.casefold() in taken:
            n += 1
            name = f"{NEW_NAME} {n}"
        entry = _Entry(Profile(name=name, base_url=""), None, "")
        self._entries.append(entry)
        self._fill_list(len(self._entries) - 1)
        self._edited()  # shows what is missing: the base URL
        self.form.name_edit.setFocus()
        self.form.name_edit.selectAll()

    def _delete(self) -> None:
        entry = self._current()
        if entry is None or self._is_builtin(entry):
            return
        row = self._entries.index(entry)
        self._entries.remove(entry)
        if entry is self._active:
            self._active = self._entries[0]
        self._fill_list(row)

    def _make_active(self, *_: object) -> None:
        entry = self._current()
        if entry is None or entry is self._active:
            return
        previous, self._active = self._active, entry
        self._update_item(previous)
        self._update_item(entry)
        self._update_actions()

    # --- keys and tests -----------------------------------------------------------------

    def _key_name(self, entry: _Entry) -> str:
        """The name the entry's key is saved under right now (before a rename is applied)."""
        name = entry.profile.name
        if entry.original is None or name in self._keys_saved:
            return name
        return entry.original

    def _endpoint(self) -> Endpoint:
        entry = self._current()
        if entry is None:
            raise ProfileError("Choose an endpoint to test.")
        if entry.error:
            raise ProfileError(entry.error)
        lookup = msgspec.structs.replace(entry.profile, name=self._key_name(entry))
        try:
            endpoint = resolve_endpoint(lookup, self._secrets, self._env)
        except MissingKeyError:
            if entry.profile.key_source != "keyring":
                raise
            raise MissingKeyError(
                f"No key is saved for {entry.profile.name} yet. Use “Set key…” first.",
                profile_name=entry.profile.name,
            ) from None
        endpoint.name = entry.profile.name
        return endpoint

    def _open_key_dialog(self) -> None:
        entry = self._current()
        if entry is None or entry.error:
            return
        if self.key_dialog is not None:
            self.key_dialog.close()
        dialog = KeyDialog(entry.profile, self._secrets, self._tester, self)
        dialog.key_saved.connect(self._key_saved)
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(self._key_dialog_closed)
        self.key_dialog = dialog
        dialog.open()

    def _key_saved(self, name: str) -> None:
        self._keys_saved.add(name)
        self.key_status.setText(f"The key of {name} was saved.")
        set_tone(self.key_status, "ok")
        self.key_status.show()

    def _key_dialog_closed(self, _result: int) -> None:
        self.key_dialog = None

    # --- closing ------------------------------------------------------------------------

    def _accept(self) -> None:
        checked: list[Profile] = list(builtin_profiles(self._env))
        for entry in self._entries[self._builtin_count :]:
            p = entry.profile
            try:
                valid = validate_profile(
                    p.name, p.base_url, checked, key_source=p.key_source, key_env=p.key_env
                )
            except ProfileError as exc:
                entry.error = str(exc)
                self.profile_list.setCurrentRow(self._entries.index(entry))
                self._update_item(entry)
                self._show_error(entry.error)
                return
            entry.profile = msgspec.structs.replace(valid, headers=p.headers)
            checked.append(entry.profile)
        try:
            self._move_keys()
        except SecretStoreError as exc:
            self._show_error(str(exc))
            return
        user = checked[self._builtin_count :]
        self.profiles_changed.emit(user, self.active_name())
        self.accept()

    def _move_keys(self) -> None:
        current = {e.profile.name for e in self._entries}
        kept = {e.original for e in self._entries if e.original is not None}
        for entry in self._entries[self._builtin_count :]:
            old, new = entry.original, entry.profile.name
            if old is None or old == new or entry.profile.key_source != "keyring":
                continue
            if new not in self._keys_saved:
                key = self._secrets.get(old)
                if key:
                    self._secrets.set(new, key)
            if old not in current:
                self._secrets.delete(old)
        for old in sorted(self._original_names - kept - current):
            self._secrets.delete(old)

    def _closed(self, result: int) -> None:
        self.connection_test.cancel()
        if self.key_dialog is not None:
            self.key_dialog.close()
        if result == QDialog.DialogCode.Accepted:
            return
        builtin = {e.profile.name for e in self._entries[: self._builtin_count]}
        for name in sorted(self._keys_saved - self._original_names - builtin):
            try:
                self._secrets.delete(name)
            except SecretStoreError:
                continue
