"""The base of every parameter editor: a value checked by ``core.param_validation.validate``.

An editor shows one value of one :class:`core.params.ParamSpec`. Edits a person makes
are validated as they happen; a valid value is kept and announced with
``value_changed``, an invalid one leaves the last valid value in place and shows the
error sentence in red under the editor.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QLayout, QVBoxLayout, QWidget

from core.param_validation import validate
from core.params import ParamError, ParamSpec

ERROR_COLOR = QColor("#d63c3c")


class ParamEditor(QWidget):
    """Shows and edits the value of ``spec``; subclasses build the controls.

    Subclasses implement :meth:`_show` (put a value into the controls without
    signals) and call :meth:`_edited` with the raw value whenever a person changes it.
    """

    value_changed = Signal(object)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: object = spec.initial_value()
        self._own_error = ""
        self._extra_error = ""
        self._loading = False
        self._error_path: tuple[str | int, ...] = ()  # where in a JSON value the error is
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._error_label = QLabel(self)
        self._error_label.setObjectName("paramError")
        self._error_label.setWordWrap(True)
        palette = self._error_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, ERROR_COLOR)
        self._error_label.setPalette(palette)
        self._error_label.hide()

    # --- for subclasses -------------------------------------------------------------

    def _set_content(self, content: QWidget | QLayout) -> None:
        """Places the controls above the error line; called once by the subclass."""
        if isinstance(content, QLayout):
            self._layout.addLayout(content)
        else:
            self._layout.addWidget(content)
        self._layout.addWidget(self._error_label)

    def _show(self, value: object) -> None:
        raise NotImplementedError

    def _describe_error(self, raw: object, message: str) -> str:
        """The sentence shown for an invalid ``raw``; subclasses may add detail."""
        return message

    def _edited(self, raw: object) -> None:
        """A person changed the controls to ``raw``: keep it if valid, else show why not."""
        if self._loading:
            return
        try:
            clean = validate(self.spec.name, raw)
        except ParamError as exc:
            self._error_path = exc.path
            self._own_error = self._describe_error(raw, str(exc))
            self._update_error()
            return
        self._own_error = ""
        self._update_error()
        if clean != self._value:
            self._value = clean
            self.value_changed.emit(self.value())

    # --- public -------------------------------------------------------------------

    def value(self) -> object:
        """The last valid value (a copy, safe to keep)."""
        return copy.deepcopy(self._value)

    def set_value(self, value: object) -> None:
        """Shows ``value`` (already valid) without emitting ``value_changed``."""
        self._loading = True
        try:
            self._value = copy.deepcopy(value)
            self._own_error = ""
            self._show(self._value)
        finally:
            self._loading = False
        self._update_error()

    def error(self) -> str:
        """The sentence shown under the editor; empty when there is none."""
        return self._own_error or self._extra_error

    def set_extra_error(self, message: str) -> None:
        """An error about this field that involves other fields (shown when its own is not)."""
        self._extra_error = message
        self._update_error()

    def _update_error(self) -> None:
        message = self.error()
        self._error_label.setText(message)
        self._error_label.setVisible(bool(message))
