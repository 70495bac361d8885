"""The editor of ``float`` fields: a slider over the soft range and an exact spin box."""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QWidget

from core.params import ParamSpec
from ui.params.editors.base import ParamEditor
from ui.params.editors.wheel_guard import WheelGuard

SPIN_WIDTH = 96  # the same for every numeric row, so the sliders line up

DEFAULT_STEP = 0.01


def decimals_for(step: float) -> int:
    """How many decimals show ``step`` exactly: 0.01 → 2, 0.5 → 1, 1 → 0."""
    decimals = 0
    while decimals < 6 and not math.isclose(step * 10**decimals, round(step * 10**decimals)):
        decimals += 1
    return decimals


class FloatEditor(ParamEditor):
    """A slider in steps of ``spec.step`` up to the slider maximum, beside a spin box
    that takes the whole accepted range. Each follows the other while it moves."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self._step = spec.step or DEFAULT_STEP
        self._decimals = decimals_for(self._step)
        self._low = spec.minimum if spec.minimum is not None else 0.0
        high = spec.maximum if spec.maximum is not None else 1e9

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("paramSlider")
        slider_high = spec.slider_maximum if spec.slider_maximum is not None else high
        self.slider.setRange(0, round((slider_high - self._low) / self._step))
        self.slider.setPageStep(max(1, self.slider.maximum() // 20))
        self.slider.setAccessibleName(spec.label)

        self.spin = QDoubleSpinBox(self)
        self.spin.setObjectName("paramSpin")
        self.spin.setDecimals(self._decimals)
        self.spin.setRange(self._low, high)
        self.spin.setSingleStep(self._step)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setFixedWidth(max(SPIN_WIDTH, self.spin.sizeHint().width()))
        self.spin.setAccessibleName(spec.label)

        WheelGuard(self).guard(self.slider, self.spin)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        self._set_content(row)

        self.slider.valueChanged.connect(self._slider_moved)
        self.spin.valueChanged.connect(self._spin_changed)
        self.set_value(self._value)

    def _position(self, value: float) -> int:
        position = round((value - self._low) / self._step)
        return max(self.slider.minimum(), min(self.slider.maximum(), position))

    def _slider_moved(self, position: int) -> None:
        value = round(self._low + position * self._step, self._decimals)
        with QSignalBlocker(self.spin):
            self.spin.setValue(value)
        self._edited(value)

    def _spin_changed(self, value: float) -> None:
        value = round(value, self._decimals)
        with QSignalBlocker(self.slider):
            self.slider.setValue(self._position(value))
        self._edited(value)

    def _show(self, value: object) -> None:
        number = float(value) if isinstance(value, int | float) else self._low
        with QSignalBlocker(self.spin), QSignalBlocker(self.slider):
            self.spin.setValue(number)
            self.slider.setValue(self._position(number))
