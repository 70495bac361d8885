"""The preset row of the parameter panel: pick, save under a name, delete."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

CONFIRM_MS = 4000  # how long Delete waits for the confirming second click


class ParamPresetBar(QWidget):
    """A combo box of preset names (choosing one asks to load it), **Save as…**, which
    opens a name field in place (Enter saves, Esc cancels), and **Delete**, which asks
    for a second click before it asks to delete the chosen preset.

    Only requests are emitted; whoever owns the presets stores them and calls
    :meth:`set_presets` with the new list.
    """

    save_requested = Signal(str)
    load_requested = Signal(str)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._select_next = ""
        self.combo = QComboBox(self)
        self.combo.setObjectName("presetCombo")
        self.combo.setPlaceholderText("Presets")
        self.combo.setAccessibleName("Presets")
        self.combo.setToolTip("Choose a preset to load its parameters")
        self.combo.activated.connect(self._activated)
        self.combo.currentIndexChanged.connect(self._update_buttons)
        self.save_as_button = QPushButton("Save as…", self)
        self.save_as_button.setToolTip("Save the current parameters as a preset")
        self.save_as_button.clicked.connect(self.start_save)
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setToolTip("Delete the chosen preset")
        self.delete_button.clicked.connect(self._delete_clicked)
        self._confirm_timer = QTimer(self)
        self._confirm_timer.setSingleShot(True)
        self._confirm_timer.setInterval(CONFIRM_MS)
        self._confirm_timer.timeout.connect(self._end_confirm)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("presetName")
        self.name_edit.setPlaceholderText("Preset name")
        self.name_edit.setAccessibleName("Preset name")
        self.name_edit.textChanged.connect(self._name_changed)
        self.name_edit.returnPressed.connect(self.confirm_save)
        self.name_edit.installEventFilter(self)
        self.save_button = QPushButton("Save", self)
        self.save_button.clicked.connect(self.confirm_save)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel_save)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.combo, 1)
        top.addWidget(self.save_as_button)
        top.addWidget(self.delete_button)
        self._save_row = QWidget(self)
        save_row = QHBoxLayout(self._save_row)
        save_row.setContentsMargins(0, 0, 0, 0)
        save_row.addWidget(self.name_edit, 1)
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.cancel_button)
        self._save_row.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self._save_row)
        self._update_buttons()

    # --- public -------------------------------------------------------------------

    def set_presets(self, names: Sequence[str]) -> None:
        """Lists ``names``; keeps the chosen one (or the one just saved) chosen."""
        keep = self._select_next or self.current_preset()
        self._select_next = ""
        self._names = list(names)
        with QSignalBlocker(self.combo):
            self.combo.clear()
            self.combo.addItems(self._names)
            self.combo.setCurrentIndex(self.combo.findText(keep) if keep else -1)
        self._end_confirm()
        self._update_buttons()

    def show_preset(self, name: str) -> None:
        """Show ``name`` as the chosen preset ("" or an unknown name: none), quietly."""
        index = self.combo.findText(name) if name else -1
        if index == self.combo.currentIndex():
            return
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(index)
        self._update_buttons()

    def current_preset(self) -> str:
        return self.combo.currentText() if self.combo.currentIndex() >= 0 else ""

    def start_save(self) -> None:
        """Shows the name field, filled with the chosen preset's name."""
        self._save_row.show()
        self.name_edit.setText(self.current_preset())
        self.name_edit.selectAll()
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._name_changed(self.name_edit.text())

    def confirm_save(self) -> None:
        name = self.name_edit.text().strip()
        if not name:
            return
        self._select_next = name
        self._save_row.hide()
        self.save_requested.emit(name)

    def cancel_save(self) -> None:
        self._save_row.hide()
        self.name_edit.clear()

    # --- reactions ----------------------------------------------------------------

    def _activated(self, index: int) -> None:
        if 0 <= index < len(self._names):
            self._end_confirm()
            self.load_requested.emit(self._names[index])

    def _name_changed(self, text: str) -> None:
        name = text.strip()
        self.save_button.setEnabled(bool(name))
        self.save_button.setText("Replace" if name in self._names else "Save")

    def _delete_clicked(self) -> None:
        name = self.current_preset()
        if not name:
            return
        if self._confirm_timer.isActive():
            self._end_confirm()
            self.delete_requested.emit(name)
            return
        self.delete_button.setText(f"Delete “{name}”?")
        self._confirm_timer.start()

    def _end_confirm(self) -> None:
        self._confirm_timer.stop()
        self.delete_button.setText("Delete")

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(bool(self.current_preset()))
        self._end_confirm()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.name_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.cancel_save()
            return True
        return super().eventFilter(watched, event)
