"""The sampling visualiser: how temperature and top_p reshape each token of an answer.

:class:`SamplingView` shows the tokens of an answer whose server returned
``logprobs`` as a wrapped strip of chips, each tinted by how likely the model found
it. Picking a token (click, or the arrow keys) charts its candidates, re-shaped by
:func:`core.sampling.reshape` for the temperature and top_p of two sliders; the
sliders start at the answer's own settings and re-shape the chart live, without any
request. An answer without token probabilities gets one sentence saying how to ask
for them.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSlider,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from core.chat import Message, TokenLogprob
from core.params import PARAM_BY_NAME, ParamSpec, format_value
from core.sampling import Bar, candidates, display_token, entropy, reshape
from ui.common.tone import set_tone
from ui.sampling.probability_bars import ProbabilityBars, percent

NO_LOGPROBS = (
    "This answer has no token probabilities. Turn on “Log probabilities” (and Top "
    "logprobs) in the parameters and ask again; not every model or endpoint returns them."
)
NO_ANSWER = "Pick an answer to see how its tokens were sampled."

TINT = "#f08c00"  # the colour of an unlikely token; a likely one is untinted
TINT_MAX_ALPHA = 0.55
CHIP_PAD_X = 5
CHIP_PAD_Y = 3
CHART_MIN_HEIGHT = 200  # a taller chart scrolls when the window is short


def logprobs_of(message: Message) -> list[TokenLogprob]:
    """The token log probabilities of the choice ``message`` shows, or an empty list.

    The choice whose ``index`` is ``message.chosen`` when there is one, else the one at
    that position in ``choices``; a message without choices may carry them itself as a
    ``logprobs`` list.
    """
    choice = next((c for c in message.choices if c.index == message.chosen), None)
    if choice is None and 0 <= message.chosen < len(message.choices):
        choice = message.choices[message.chosen]
    if choice is not None:
        return list(choice.logprobs)
    if message.choices:
        return []
    own = getattr(message, "logprobs", None)
    if isinstance(own, list) and all(isinstance(entry, TokenLogprob) for entry in own):
        return list(own)
    return []


def _param(message: Message, name: str, default: float) -> float:
    """The number ``message`` was generated with for ``name``, within the field's range."""
    value = message.params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    spec = PARAM_BY_NAME[name]
    low = spec.minimum if spec.minimum is not None else value
    high = spec.maximum if spec.maximum is not None else value
    return float(min(max(value, low), high))


def generated_probability(entry: TokenLogprob) -> float:
    """The probability the server reported for the token it produced (NaN reads as 0)."""
    if math.isnan(entry.logprob):
        return 0.0
    return math.exp(min(entry.logprob, 0.0))


def token_tint(probability: float) -> QColor:
    """The chip background of a token the model produced with ``probability``."""
    colour = QColor(TINT)
    colour.setAlphaF(TINT_MAX_ALPHA * (1.0 - min(max(probability, 0.0), 1.0)))
    return colour


class SamplingView(QWidget):
    """An answer's tokens, and the candidates of the selected one under two sliders."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[TokenLogprob] = []
        self._message_id: str | None = None
        self._generated_at = 1.0
        self._initial = (1.0, 1.0)
        self._bars: list[Bar] = []

        self.empty_label = QLabel(NO_ANSWER, self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setContentsMargins(24, 24, 24, 24)
        set_tone(self.empty_label, "muted")

        self._content = QWidget(self)
        self._build_content(self._content)

        self._pages = QStackedLayout(self)
        self._pages.addWidget(self.empty_label)
        self._pages.addWidget(self._content)
        self._pages.setCurrentWidget(self.empty_label)

    # --- construction ---------------------------------------------------------------

    def _build_content(self, content: QWidget) -> None:
        self.tokens = QListWidget(content)
        self.tokens.setAccessibleName("Answer tokens")
        self.tokens.setViewMode(QListView.ViewMode.ListMode)
        self.tokens.setFlow(QListView.Flow.LeftToRight)
        self.tokens.setWrapping(True)
        self.tokens.setResizeMode(QListView.ResizeMode.Adjust)
        self.tokens.setLayoutMode(QListView.LayoutMode.Batched)
        self.tokens.setSpacing(1)
        self.tokens.setMovement(QListView.Movement.Static)
        self.tokens.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tokens.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tokens.setMinimumHeight(72)
        self.tokens.currentRowChanged.connect(self._token_selected)

        self.token_heading = QLabel(content)
        self.token_heading.setTextFormat(Qt.TextFormat.PlainText)
        self.entropy_label = QLabel(content)
        self.entropy_label.setTextFormat(Qt.TextFormat.PlainText)
        self.entropy_label.setToolTip(
            "The entropy of the sampling distribution below: 0 bits when one token "
            "takes all the probability, 1 bit for two equally likely tokens."
        )
        heading = QHBoxLayout()
        heading.addWidget(self.token_heading, 1)
        heading.addWidget(self.entropy_label)

        self.chart = ProbabilityBars()
        scroll = QScrollArea(content)
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
        self.reset_button = QPushButton("Reset to the answer's settings", content)
        self.reset_button.clicked.connect(self.reset_sliders)
        reset_row = QHBoxLayout()
        reset_row.addStretch(1)
        reset_row.addWidget(self.reset_button)

        self.note = QLabel(content)
        self.note.setWordWrap(True)
        set_tone(self.note, "muted")

        layout = QVBoxLayout(content)
        layout.addWidget(self.tokens, 1)
        layout.addLayout(heading)
        layout.addWidget(scroll)
        layout.addLayout(sliders)
        layout.addLayout(reset_row)
        layout.addWidget(self.note)
        self.setFocusProxy(self.tokens)

    def _slider_row(
        self, grid: QGridLayout, row: int, spec: ParamSpec
    ) -> tuple[QSlider, QDoubleSpinBox]:
        step = spec.step or 0.01
        low = spec.minimum or 0.0
        high = spec.maximum if spec.maximum is not None else 1.0
        label = QLabel(spec.label, self._content)
        slider = QSlider(Qt.Orientation.Horizontal, self._content)
        slider.setRange(0, round((high - low) / step))
        slider.setPageStep(10)
        slider.setAccessibleName(spec.label)
        spin = QDoubleSpinBox(self._content)
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

    # --- the answer -----------------------------------------------------------------

    def set_answer(self, message: Message | None) -> None:
        """Show the tokens of ``message`` (None: nothing to show).

        The same message again with more tokens (a streaming answer growing) keeps the
        selected token and the slider positions and only adds the new tokens; any other
        answer starts at its first token, with the sliders at its own temperature and
        top_p (1 and 1 when it was generated without them).
        """
        same = message is not None and message.id == self._message_id
        self._message_id = message.id if message is not None else None
        shown = self._entries
        self._entries = logprobs_of(message) if message is not None else []
        if message is None or not self._entries:
            self.empty_label.setText(NO_ANSWER if message is None else NO_LOGPROBS)
            self._pages.setCurrentWidget(self.empty_label)
            self.tokens.clear()
            self._bars = []
            self.chart.set_bars([], 1.0)
            return
        grown = same and bool(shown) and self._entries[: len(shown)] == shown
        previous = self.tokens.currentRow() if grown else 0
        self._generated_at = _param(message, "temperature", 1.0)
        if not grown:
            self._initial = (self._generated_at, _param(message, "top_p", 1.0))
            self._set_sliders(*self._initial)
        self._fill_tokens(len(shown) if grown else 0)
        self._pages.setCurrentWidget(self._content)
        self.select_token(previous if 0 <= previous < len(self._entries) else 0)

    def _fill_tokens(self, start: int) -> None:
        """List the tokens from ``start`` on; the ones before it are listed already."""
        metrics = self.tokens.fontMetrics()
        with QSignalBlocker(self.tokens):
            if start == 0:
                self.tokens.clear()
            for number, entry in enumerate(self._entries[start:], start=start + 1):
                text = display_token(entry.token)
                probability = generated_probability(entry)
                item = QListWidgetItem(text)
                item.setBackground(token_tint(probability))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setSizeHint(
                    QSize(
                        metrics.horizontalAdvance(text) + 2 * CHIP_PAD_X,
                        metrics.height() + 2 * CHIP_PAD_Y,
                    )
                )
                item.setToolTip(f"Token {number}: “{text}”, {percent(probability)} as generated")
                self.tokens.addItem(item)

    # --- selection and sliders ------------------------------------------------------

    def selected_index(self) -> int:
        """The position of the selected token in the answer; -1 when none is shown."""
        return self.tokens.currentRow() if self._entries else -1

    def select_token(self, index: int) -> None:
        """Select the token at ``index`` and chart its candidates."""
        if not 0 <= index < len(self._entries):
            return
        if self.tokens.currentRow() != index:
            self.tokens.setCurrentRow(index)  # calls _token_selected
        else:
            self._token_selected(index)
        item = self.tokens.item(index)
        if item is not None:
            self.tokens.scrollToItem(item)

    def temperature(self) -> float:
        return self.temperature_spin.value()

    def top_p(self) -> float:
        return self.top_p_spin.value()

    def set_temperature(self, value: float) -> None:
        self.temperature_spin.setValue(value)

    def set_top_p(self, value: float) -> None:
        self.top_p_spin.setValue(value)

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

    def bars(self) -> list[Bar]:
        """The bars charted for the selected token."""
        return list(self._bars)

    def _token_selected(self, row: int) -> None:
        if 0 <= row < len(self._entries):
            self._reshape()

    def _reshape(self) -> None:
        row = self.selected_index()
        if not 0 <= row < len(self._entries):
            return
        entry = self._entries[row]
        cands = candidates(entry)
        top_p = self.top_p()
        self._bars = reshape(cands, self.temperature(), top_p, self._generated_at)
        self.chart.set_bars(self._bars, top_p)
        height = self.chart.height()
        self._chart_scroll.setMaximumHeight(height)
        self._chart_scroll.setMinimumHeight(min(height, CHART_MIN_HEIGHT))

        chosen = next((bar for bar in self._bars if bar.chosen), None)
        share = f" · now {percent(chosen.probability)}" if chosen is not None else ""
        generated = percent(generated_probability(entry))
        self.token_heading.setText(
            f"Token {row + 1} of {len(self._entries)}: “{display_token(entry.token)}” · "
            f"{generated} as generated{share}"
        )
        self.entropy_label.setText(f"Entropy {entropy(self._bars):.2f} bits")
        self.note.setText(self._note(len(cands)))

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
