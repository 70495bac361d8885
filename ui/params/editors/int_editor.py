"""The editor of ``int`` fields: a spin box with a linear or stepped slider, or alone."""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QHBoxLayout, QSlider, QSpinBox, QWidget

from core.params import ParamSpec
from ui.params.editors.base import ParamEditor
from ui.params.editors.float_editor import SPIN_WIDTH
from ui.params.editors.wheel_guard import WheelGuard

LINEAR_POSITIONS = 1000  # a slider with more positions than this moves through stops
INT32_MAX = 2_147_483_647


def nice_stops(low: int, high: int) -> list[int]:
    """Round values from ``low`` to ``high`` spaced about evenly on a log scale:
    each power of two and its quarters (…, 1024, 1280, 1536, 1792, 2048, …)."""
    stops = {low, high}
    power = 1
    while power <= high:
        for factor in (4, 5, 6, 7):
            value = power * factor / 4
            if value.is_integer() and low <= value <= high:
                stops.add(int(value))
        power *= 2
    return sorted(stops)


class IntEditor(ParamEditor):
    """A spin box over the whole accepted range, with a slider beside it.

    The slider is linear for short ranges (``n``, ``top_logprobs``). For wide ranges
    with a soft maximum (``max_tokens``) it moves through round stops up to the soft
    maximum, so small and large values are both easy to reach; for wide ranges without
    one (``seed``, an identifier) there is no slider.
    """

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self._step = int(spec.step or 1)
        self._low = int(spec.minimum) if spec.minimum is not None else 0
        high = int(min(spec.maximum, INT32_MAX)) if spec.maximum is not None else INT32_MAX
        slider_high = int(spec.slider_maximum) if spec.slider_maximum is not None else high
        positions = (slider_high - self._low) // self._step
        self._stops: list[int] | None = None

        self.slider: QSlider | None = None
        if positions <= LINEAR_POSITIONS or spec.soft_maximum is not None:
            self.slider = QSlider(Qt.Orientation.Horizontal, self)
            self.slider.setObjectName("paramSlider")
            self.slider.setAccessibleName(spec.label)
            if positions > LINEAR_POSITIONS:
                self._stops = nice_stops(self._low, slider_high)
                positions = len(self._stops) - 1
            self.slider.setRange(0, positions)
            self.slider.setPageStep(max(1, positions // 10))

        self.spin = QSpinBox(self)
        self.spin.setObjectName("paramSpin")
        self.spin.setRange(self._low, high)
        self.spin.setSingleStep(self._step)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setFixedWidth(max(SPIN_WIDTH, self.spin.sizeHint().width()))
        self.spin.setGroupSeparatorShown(self._stops is not None)
        self.spin.setAccessibleName(spec.label)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        guard = WheelGuard(self)
        guard.guard(self.spin)
        if self.slider is not None:
            guard.guard(self.slider)
            row.addWidget(self.slider, 1)
            self.slider.valueChanged.connect(self._slider_moved)
        else:
            row.addStretch(1)
        row.addWidget(self.spin)
        self._set_content(row)
        self.spin.valueChanged.connect(self._spin_changed)
        self.set_value(self._value)

    def _to_value(self, position: int) -> int:
        if self._stops is not None:
            return self._stops[position]
        return self._low + position * self._step

    def _to_position(self, value: int) -> int:
        if self._stops is None:
            return (value - self._low) // self._step
        index = bisect_left(self._stops, value)
        if index >= len(self._stops):
            return len(self._stops) - 1
        if index > 0 and value - self._stops[index - 1] < self._stops[index] - value:
            return index - 1
        return index

    def _slider_moved(self, position: int) -> None:
        value = self._to_value(position)
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        self._edited(value)

    def _spin_changed(self, value: int) -> None:
        if self.slider is not None:
            with QSignalBlocker(self.slider):
                self.slider.setValue(self._to_position(value))
        self._edited(value)

    def _show(self, value: object) -> None:
        number = int(value) if isinstance(value, int | float) else self._low
        with QSignalBlocker(self.spin):
            self.spin.setValue(number)
        if self.slider is not None:
            with QSignalBlocker(self.slider):
                self.slider.setValue(self._to_position(number))
