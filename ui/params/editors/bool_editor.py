"""The editor of ``bool`` fields: a two-way true / false switch."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QToolButton, QWidget

from core.params import ParamSpec
from ui.params.editors.base import ParamEditor


class BoolEditor(ParamEditor):
    """Two linked buttons, ``true`` and ``false``: the value sent, as the API spells it.

    A switch rather than a checkbox, so it is not mistaken for the row's own
    sent / not sent checkbox.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.true_button = self._button("true")
        self.false_button = self._button("false")
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.addButton(self.true_button)
        self._group.addButton(self.false_button)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.true_button)
        row.addWidget(self.false_button)
        row.addStretch(1)
        self._set_content(row)
        self.true_button.toggled.connect(self._toggled)
        self.set_value(self._value)

    def _button(self, text: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setCheckable(True)
        button.setAutoRaise(False)
        button.setMinimumWidth(52)
        button.setAccessibleName(f"{self.spec.label}: {text}")
        return button

    def _toggled(self, checked: bool) -> None:
        self._edited(checked)

    def set_checked(self, checked: bool) -> None:
        """Picks ``true`` or ``false`` as a person would (emits when it changes)."""
        (self.true_button if checked else self.false_button).click()

    def _show(self, value: object) -> None:
        with QSignalBlocker(self.true_button):
            self.true_button.setChecked(value is True)
            self.false_button.setChecked(value is not True)
