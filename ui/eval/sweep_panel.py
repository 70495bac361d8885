"""Setting up a parameter sweep: which parameters, which values, how many repeats.

:class:`SweepPanel` reads one parameter and its values (``0, 0.5, 1, 1.5`` or
``0:1.5:0.5``), optionally a second one for a grid, and a number of repeats. Each
values field is checked as it is typed with :func:`core.sweep.parse_values`, the
mistake shown in red under it; the summary line counts the requests
(:func:`core.sweep.plan`) or says why the sweep cannot run. "Run sweep" is enabled only
for a sweep that can run; while one runs the inputs are locked and the button stops it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.params import PARAM_BY_NAME
from core.sweep import SWEEPABLE, Number, SweepError, parse_values, plan
from ui.common.tone import Tone, set_tone

RUN_TEXT = "Run sweep"
STOP_TEXT = "Stop sweep"
MAX_REPEATS = 5
NO_MODEL = "Choose a model to sweep."
PLACEHOLDER = "0, 0.5, 1, 1.5  or  0:1.5:0.5"

Axes = list[tuple[str, list[Number]]]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class SweepPanel(QWidget):
    """The form of a sweep; emits what to run, and leaves running it to its owner."""

    run_requested = Signal(list, int)  # axes: list of (field, values); repeats
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = ""
        self._prompts = 1  # the rows of the test set each point is asked
        self._running = False
        self._axes: Axes | None = None  # the sweep the inputs describe, when it can run

        self.model_label = QLabel(self)
        self.model_label.setWordWrap(True)

        self.axis1_combo = self._combo("temperature")
        self.axis1_values = self._values_field("0, 0.5, 1, 1.5")
        self.axis1_error = self._error_label()

        self.grid_check = QCheckBox("Second parameter (grid)", self)
        self.grid_check.setToolTip(
            "Vary two parameters at once: the first one's values are the rows, the "
            "second one's the columns."
        )
        self.axis2_combo = self._combo("top_p")
        self.axis2_values = self._values_field("0.5, 0.9, 1")
        self.axis2_error = self._error_label()

        self.repeats = QSpinBox(self)
        self.repeats.setRange(1, MAX_REPEATS)
        self.repeats.setValue(1)
        self.repeats.setAccessibleName("Repeats")
        self.repeats.setMaximumWidth(self.repeats.sizeHint().width() + 24)
        self.repeats.setToolTip(
            "Ask each combination more than once to see how much the answers vary."
        )

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.run_button = QPushButton(RUN_TEXT, self)
        self.run_button.setDefault(True)

        form = QFormLayout()
        form.addRow("Model", self.model_label)
        form.addRow("Parameter", self.axis1_combo)
        form.addRow("Values", self._with_error(self.axis1_values, self.axis1_error))
        form.addRow(self.grid_check)
        form.addRow("Parameter", self.axis2_combo)
        self._axis2_box = self._with_error(self.axis2_values, self.axis2_error)
        form.addRow("Values", self._axis2_box)
        form.addRow("Repeats", self.repeats)
        self._form = form

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.run_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)

        for combo in (self.axis1_combo, self.axis2_combo):
            combo.currentIndexChanged.connect(self._revalidate)
        for field in (self.axis1_values, self.axis2_values):
            field.textChanged.connect(self._revalidate)
            field.returnPressed.connect(self._run_if_ready)
        self.grid_check.toggled.connect(self._grid_toggled)
        self.repeats.valueChanged.connect(self._revalidate)
        self.run_button.clicked.connect(self._button_clicked)

        self.set_model("")
        self._grid_toggled(False)

    # --- construction ---------------------------------------------------------------

    def _combo(self, selected: str) -> QComboBox:
        combo = QComboBox(self)
        for name in SWEEPABLE:
            combo.addItem(PARAM_BY_NAME[name].label, name)
        combo.setCurrentIndex(max(combo.findData(selected), 0))
        combo.setAccessibleName("Parameter")
        return combo

    def _values_field(self, text: str) -> QLineEdit:
        field = QLineEdit(text, self)
        field.setPlaceholderText(PLACEHOLDER)
        field.setClearButtonEnabled(True)
        field.setAccessibleName("Values")
        return field

    def _error_label(self) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        set_tone(label, "error")
        label.hide()
        return label

    def _with_error(self, field: QLineEdit, error: QLabel) -> QWidget:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(error)
        return box

    # --- owner's interface ----------------------------------------------------------

    def set_model(self, model: str) -> None:
        """The model every request of the sweep goes to."""
        self._model = model
        self.model_label.setText(model or "No model chosen")
        set_tone(self.model_label, "normal" if model else "muted")
        self._revalidate()

    def set_prompts(self, count: int) -> None:
        """How many prompts (test set rows) each point of the sweep is asked."""
        self._prompts = max(1, count)
        self._revalidate()

    def set_running(self, running: bool) -> None:
        """Lock the inputs while a sweep runs; the button then stops it."""
        self._running = running
        for widget in (
            self.axis1_combo,
            self.axis1_values,
            self.grid_check,
            self.axis2_combo,
            self.axis2_values,
            self.repeats,
        ):
            widget.setEnabled(not running)
        self.run_button.setText(STOP_TEXT if running else RUN_TEXT)
        self._revalidate()

    def is_running(self) -> bool:
        return self._running

    def axes(self) -> Axes | None:
        """The parameters and values the inputs describe, or None when they cannot run."""
        return None if self._axes is None else [(n, list(v)) for n, v in self._axes]

    # --- validation -----------------------------------------------------------------

    def _grid_toggled(self, on: bool) -> None:
        self._form.setRowVisible(self.axis2_combo, on)
        self._form.setRowVisible(self._axis2_box, on)
        self._revalidate()

    def _parse(self, combo: QComboBox, field: QLineEdit, error: QLabel) -> list[Number] | None:
        try:
            values = parse_values(field.text(), combo.currentData())
        except SweepError as exc:
            error.setText(str(exc))
            error.show()
            return None
        error.clear()
        error.hide()
        return values

    def _revalidate(self) -> None:
        self._axes = None
        grid = self.grid_check.isChecked()
        first = self._parse(self.axis1_combo, self.axis1_values, self.axis1_error)
        second = (
            self._parse(self.axis2_combo, self.axis2_values, self.axis2_error) if grid else None
        )
        if not grid:
            self.axis2_error.hide()
        if first is None or (grid and second is None):
            self._show_summary("Fix the values above to run the sweep.", "muted")
            return
        axes: Axes = [(self.axis1_combo.currentData(), first)]
        if grid and second is not None:
            axes.append((self.axis2_combo.currentData(), second))
        try:
            total = len(plan({}, axes, self.repeats.value()))
        except SweepError as exc:
            self._show_summary(str(exc), "error")
            return
        repeats = _count(self.repeats.value(), "repeat")
        if grid:
            shape = f"{_count(len(first), 'row')} × {_count(len(axes[1][1]), 'column')}"
        else:
            shape = _count(len(first), "column")
        text = f"{shape} × {repeats} = {_count(total, 'request')}"
        if self._prompts > 1:
            text = f"{self._prompts} prompts × {shape} × {repeats} = " + _count(
                total * self._prompts, "request"
            )
        if not self._model:
            self._show_summary(f"{text}. {NO_MODEL}", "muted")
            return
        self._axes = axes
        self._show_summary(text, "normal")

    def _show_summary(self, text: str, tone: Tone) -> None:
        self.summary.setText(text)
        set_tone(self.summary, tone)
        self.run_button.setEnabled(self._running or self._axes is not None)

    # --- running --------------------------------------------------------------------

    def _button_clicked(self) -> None:
        if self._running:
            self.stop_requested.emit()
        else:
            self._run_if_ready()

    def _run_if_ready(self) -> None:
        axes = self.axes()
        if self._running or axes is None:
            return
        self.run_requested.emit(axes, self.repeats.value())
