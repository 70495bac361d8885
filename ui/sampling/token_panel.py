"""One token of an answer: its candidates as bars, re-shaped by two sliders.

:class:`TokenPanel` charts the candidates the server returned for the selected token,
re-shaped by :func:`core.sampling.reshape` for the temperature and top_p of two sliders
(they start at the answer's own settings and change the chart live, without any
request). It says plainly that the re-shaping works on the returned candidates only,
not on the model's whole vocabulary. A candidate that was not chosen can be clicked to
branch the answer from it (:attr:`ProbabilityBars.candidate_clicked`).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from core.chat import TokenLogprob
from core.params import PARAM_BY_NAME, ParamSpec, format_value
from core.sampling import Bar, candidates, display_token, entropy, generated_probability, reshape
from ui.common.tone import set_tone
from ui.sampling.probability_bars import ProbabilityBars, percent


def scope_text(count: int) -> str:
    """What the sliders can and cannot show, for ``count`` returned candidates."""
    return (
        f"The sliders re-shape only the {count} candidates the server returned for this "
        "token, not the model's whole vocabulary: the other tokens' probabilities are "
        "unknown and left out."
    )


class TokenPanel(QWidget):
    """The selected token's candidates under a temperature and a top_p slider."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entry: TokenLogprob | None = None
        self._number = 0
        self._count = 0
        self._generated_at = 1.0
        self._initial = (1.0, 1.0)
        self._bars: list[Bar] = []

        self.token_heading = QLabel(self)
        self.token_heading.setTextFormat(Qt.TextFormat.PlainText)
        self.token_heading.setWordWrap(True)
        self.entropy_label = QLabel(self)
        self.entropy_label.setTextFormat(Qt.TextFormat.PlainText)
        self.entropy_label.setToolTip(
            "The entropy of the sampling distribution below: 0 bits when one token "
            "takes all the probability, 1 bit for two equally likely tokens."
        )
        heading = QHBoxLayout()
        heading.addWidget(self.token_heading, 1)
        heading.addWidget(self.entropy_label)

        self.chart = ProbabilityBars()
        scroll = QScrollArea(self)
        scroll.setWidget(self.chart)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._chart_scroll = scroll

        sliders = QGridLayout()
        sliders.setColumnStretch(1, 1)
        self.temperature_slider, self.temperature_spin = self._slider_row(
            sliders, 0, PARAM_BY_NAME["temperature"]
        )
        self.top_p_slider, self.top_p_spin = self._slider_row(sliders, 1, PARAM_BY_NAME["top_p"])
        self.reset_button = QPushButton("Reset to the answer's settings", self)
        self.reset_button.clicked.connect(self.reset_sliders)
        reset_row = QHBoxLayout()
        reset_row.addStretch(1)
        reset_row.addWidget(self.reset_button)

        self.note = QLabel(self)
        self.note.setWordWrap(True)
        set_tone(self.note, "muted")
        self.scope_note = QLabel(self)
        self.scope_note.setWordWrap(True)
        self.scope_note.setObjectName("reshapeScope")
        set_tone(self.scope_note, "muted")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(heading)
        layout.addWidget(scroll)
        layout.addLayout(sliders)
        layout.addWidget(self.scope_note)
        layout.addLayout(reset_row)
        layout.addWidget(self.note)

    def _slider_row(
        self, grid: QGridLayout, row: int, spec: ParamSpec
    ) -> tuple[QSlider, QDoubleSpinBox]:
        step = spec.step or 0.01
        low = spec.minimum or 0.0
        high = spec.maximum if spec.maximum is not None else 1.0
        label = QLabel(spec.label, self)
        slider = QSlider(Qt.Orientation.Horizontal, self)
        slider.setRange(0, round((high - low) / step))
        slider.setPageStep(10)
        slider.setAccessibleName(spec.label)
        spin = QDoubleSpinBox(self)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(2)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        spin.setAccessibleName(spec.label)
        label.setBuddy(spin)
        grid.addWidget(label, row, 0)
        grid.addWidget(slider, row, 1)
        grid.addWidget(spin, row, 2)

        def slider_moved(position: int) -> None:
            with QSignalBlocker(spin):
                spin.setValue(round(low + position * step, 2))
            self._reshape()

        def spin_changed(value: float) -> None:
            with QSignalBlocker(slider):
                slider.setValue(round((value - low) / step))
            self._reshape()

        slider.valueChanged.connect(slider_moved)
        spin.valueChanged.connect(spin_changed)
        return slider, spin

    # --- what is shown ------------------------------------------------------------------

    def set_settings(self, generated_at: float, top_p: float) -> None:
        """A new answer: the sliders go to its temperature and top_p."""
        self._generated_at = generated_at
        self._initial = (generated_at, top_p)
        self._set_sliders(*self._initial)

    def set_generated_at(self, generated_at: float) -> None:
        self._generated_at = generated_at

    def set_token(self, entry: TokenLogprob | None, number: int = 0, count: int = 0) -> None:
        """Chart ``entry``, token ``number`` (from 1) of ``count``; None charts nothing."""
        self._entry, self._number, self._count = entry, number, count
        if entry is None:
            self._bars = []
            self.chart.set_bars([], 1.0)
            return
        self._reshape()

    def bars(self) -> list[Bar]:
        return list(self._bars)

    def temperature(self) -> float:
        return self.temperature_spin.value()

    def top_p(self) -> float:
        return self.top_p_spin.value()

    def reset_sliders(self) -> None:
        """Put the sliders back to the temperature and top_p of the answer."""
        self._set_sliders(*self._initial)
        self._reshape()

    def _set_sliders(self, temperature: float, top_p: float) -> None:
        for spin, slider, value in (
            (self.temperature_spin, self.temperature_slider, temperature),
            (self.top_p_spin, self.top_p_slider, top_p),
        ):
            with QSignalBlocker(spin), QSignalBlocker(slider):
                spin.setValue(value)
                slider.setValue(round((spin.value() - spin.minimum()) / spin.singleStep()))

    def _reshape(self) -> None:
        entry = self._entry
        if entry is None:
            return
        cands = candidates(entry)
        top_p = self.top_p()
        self._bars = reshape(cands, self.temperature(), top_p, self._generated_at)
        self.chart.set_bars(self._bars, top_p)
        self._chart_scroll.setFixedHeight(self.chart.height())

        chosen = next((bar for bar in self._bars if bar.chosen), None)
        share = f" · now {percent(chosen.probability)}" if chosen is not None else ""
        generated = percent(generated_probability(entry))
        self.token_heading.setText(
            f"Token {self._number} of {self._count}: “{display_token(entry.token)}” · "
            f"{generated} as generated{share}"
        )
        self.entropy_label.setText(f"Entropy {entropy(self._bars):.2f} bits")
        self.note.setText(self._note(len(cands)))
        self.scope_note.setText(scope_text(len(cands)))
        self.scope_note.setVisible(len(cands) > 1)

    def _note(self, count: int) -> str:
        if count == 1:
            text = (
                "The server returned only the chosen token here; set Top logprobs above 0 "
                "to see the alternatives."
            )
        else:
            text = (
                f"Probabilities are renormalised over the {count} candidates the server returned."
            )
        if self._generated_at != 1.0:
            text += f" The answer was generated at temperature {format_value(self._generated_at)}."
        return text
