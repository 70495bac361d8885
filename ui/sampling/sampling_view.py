"""The Sampling tab: how an answer was sampled, token by token and as a whole.

:class:`SamplingView` shows an answer whose server returned ``logprobs`` as a heat map
(:class:`HeatMap`: every token tinted by its probability, or by the entropy of its
candidates, with a legend), and under it the selected token's candidates re-shaped by
a temperature and a top_p slider (:class:`TokenPanel`). A streaming answer is followed
as it arrives (:meth:`SamplingView.show_live`, shown at most 20 times a second); a
saved one is shown whole. Clicking a candidate that was not chosen asks for a branch
of the answer from that token (:attr:`branch_requested`); "Repeat" asks for the
identical request again (:attr:`repeat_requested`). An answer without token
probabilities gets one sentence saying how to ask for them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSplitter,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.chat import Message, TokenLogprob
from core.params import PARAM_BY_NAME
from core.sampling import Bar, answer_logprobs
from core.token_heat import ENTROPY, PROBABILITY, Measure
from ui.common.tone import set_tone
from ui.sampling.heatmap import HeatMap, extends
from ui.sampling.legend import HeatLegend
from ui.sampling.token_panel import TokenPanel

NO_LOGPROBS = (
    "This answer has no token probabilities. Turn on “Log probabilities” (and Top "
    "logprobs) in the parameters and ask again; not every model or endpoint returns them."
)
NO_ANSWER = "Pick an answer to see how its tokens were sampled."
BRANCH_HINT = "Click: continue the answer with this token instead (a new branch, ‹ › switches)"
LIVE_MS = 50  # a streaming answer is shown at most this often
REPEATS = (3, 5, 10)

logprobs_of = answer_logprobs  # the probabilities of the text a message shows


def _param(message: Message, name: str, default: float) -> float:
    """The number ``message`` was generated with for ``name``, within the field's range."""
    value = message.params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    spec = PARAM_BY_NAME[name]
    low = spec.minimum if spec.minimum is not None else value
    high = spec.maximum if spec.maximum is not None else value
    return float(min(max(value, low), high))


class SamplingView(QWidget):
    """An answer's heat map, and the candidates of the selected token."""

    branch_requested = Signal(str, int, str)  # message id, token index, candidate token
    repeat_requested = Signal(str, int)  # message id, how many more times

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._message: Message | None = None
        self._entries: list[TokenLogprob] = []
        self._live = False
        self._branch_note = ""
        self._pending: tuple[Message, list[TokenLogprob]] | None = None
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_MS)
        self._live_timer.timeout.connect(self._flush_live)

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
        self.answer_label = QLabel(content)
        self.answer_label.setTextFormat(Qt.TextFormat.PlainText)
        self.measure_buttons = QButtonGroup(content)
        measures = QHBoxLayout()
        measures.setSpacing(0)
        for measure, text, tip in (
            (PROBABILITY, "Probability", "Tint each token by how unlikely it was (Alt+1)"),
            (ENTROPY, "Entropy", "Tint each token by the entropy of its candidates (Alt+2)"),
        ):
            button = QToolButton(content)
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setProperty("measure", measure)
            button.setShortcut("Alt+1" if measure == PROBABILITY else "Alt+2")
            self.measure_buttons.addButton(button)
            measures.addWidget(button)
        self.measure_buttons.buttons()[0].setChecked(True)
        self.measure_buttons.buttonClicked.connect(
            lambda button: self.set_measure(str(button.property("measure")))
        )
        self.repeat_button = QToolButton(content)
        self.repeat_button.setText("Repeat")
        self.repeat_button.setToolTip(
            "Send the identical request again and see how far the answers differ: "
            "chance or parameters?"
        )
        self.repeat_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.repeat_button)
        for count in REPEATS:
            action = QAction(f"Repeat ×{count}", menu)
            action.triggered.connect(lambda _=False, n=count: self._repeat(n))
            menu.addAction(action)
        self.repeat_button.setMenu(menu)
        top = QHBoxLayout()
        top.addWidget(self.answer_label, 1)
        top.addLayout(measures)
        top.addWidget(self.repeat_button)

        self.legend = HeatLegend(content)
        self.heatmap = HeatMap(content)
        self.heatmap.setMinimumHeight(72)
        self.heatmap.token_selected.connect(self._token_selected)
        self.heatmap.token_activated.connect(self._to_candidates)
        self.tokens = self.heatmap
        self.panel = TokenPanel(content)
        self.panel.chart.candidate_clicked.connect(self._candidate_clicked)
        self.chart = self.panel.chart
        panel = self.panel
        self.token_heading, self.entropy_label, self.note = (
            panel.token_heading,
            panel.entropy_label,
            panel.note,
        )
        self.temperature_slider, self.temperature_spin = (
            panel.temperature_slider,
            panel.temperature_spin,
        )
        self.top_p_slider, self.top_p_spin = panel.top_p_slider, panel.top_p_spin
        self.reset_button = panel.reset_button
        self.branch_label = QLabel(content)
        self.branch_label.setWordWrap(True)
        set_tone(self.branch_label, "muted")
        lower = QWidget(content)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 4, 0)
        lower_layout.addWidget(self.panel)
        lower_layout.addWidget(self.branch_label)
        lower_layout.addStretch(1)
        self.details = QScrollArea(content)  # scrolls when the window is short
        self.details.setWidget(lower)
        self.details.setWidgetResizable(True)
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.splitter = QSplitter(Qt.Orientation.Vertical, content)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.heatmap)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self._sized = False

        layout = QVBoxLayout(content)
        layout.addLayout(top)
        layout.addWidget(self.legend)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.heatmap)

    # --- the answer -----------------------------------------------------------------

    def set_answer(
        self, message: Message | None, entries: Sequence[TokenLogprob] | None = None
    ) -> None:
        """Show ``message`` (None: nothing) with ``entries`` (default: its own token
        probabilities). The same message again with more tokens (growing while it
        streams) keeps the selected token and the sliders and lays out only the new
        tokens; any other answer starts at its first token, the sliders at its own
        temperature and top_p (1 and 1 when it was generated without them)."""
        self._pending = None
        self._live_timer.stop()
        if message is not None and message.status != "streaming":
            self._live = False
        same = message is not None and self._message is not None and message.id == self._message.id
        shown = self._entries
        self._message = message
        if message is None:
            self._entries = []
        else:
            self._entries = list(entries if entries is not None else logprobs_of(message))
        if message is None or not self._entries:
            self.empty_label.setText(NO_ANSWER if message is None else NO_LOGPROBS)
            self._pages.setCurrentWidget(self.empty_label)
            self.heatmap.clear()
            self.panel.set_token(None)
            return
        grown = same and bool(shown) and extends(self._entries, shown)
        previous = self.heatmap.selected() if grown else 0
        generated_at = _param(message, "temperature", 1.0)
        if grown:
            self.panel.set_generated_at(generated_at)
        else:
            self.panel.set_settings(generated_at, _param(message, "top_p", 1.0))
        self.heatmap.set_tokens(self._entries)
        self.legend.set_scale(self.heatmap.measure(), self.heatmap.ceiling())
        self._pages.setCurrentWidget(self._content)
        self._show_header()
        self.select_token(previous if 0 <= previous < len(self._entries) else 0)
        if self.isVisible():
            self._size_panes()

    def show_live(self, message: Message, entries: Sequence[TokenLogprob]) -> None:
        """Follow ``message`` as it streams with ``entries`` so far (coalesced)."""
        self._live = True
        self._pending = (message, list(entries))
        if not self._live_timer.isActive():
            self._live_timer.start()

    def _flush_live(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            message, entries = pending
            self.set_answer(message, entries)
            self._live = message.status == "streaming"
            self._show_header()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending is not None:
            self._flush_live()
        self._size_panes()

    def _size_panes(self) -> None:
        """The first time there is room: the lower pane as tall as its content (at most
        three fifths of the tab), the heat map the rest."""
        total = self.splitter.height()
        if self._sized or total < 200 or self._pages.currentWidget() is not self._content:
            return
        inner = self.details.widget()
        wanted = (inner.sizeHint().height() if inner is not None else 300) + 4
        lower = min(wanted, total * 3 // 5)
        self.splitter.setSizes([total - lower, lower])
        self._sized = True

    def message_id(self) -> str | None:
        return self._message.id if self._message is not None else None

    def is_live(self) -> bool:
        return self._live

    def _show_header(self) -> None:
        message = self._message
        if message is None:
            return
        who = (message.stats.model if message.stats else "") or message.model or "Answer"
        count = len(self._entries)
        state = " · streaming…" if self._live else ""
        self.answer_label.setText(f"{who} · {count} token{'' if count == 1 else 's'}{state}")
        self.repeat_button.setEnabled(not self._live)
        self._update_branching()

    # --- measure, selection, branching ------------------------------------------------

    def measure(self) -> Measure:
        return self.heatmap.measure()

    def set_measure(self, measure: Measure) -> None:
        self.heatmap.set_measure(measure)
        self.legend.set_scale(measure, self.heatmap.ceiling())
        for button in self.measure_buttons.buttons():
            button.setChecked(button.property("measure") == measure)

    def selected_index(self) -> int:
        """The position of the selected token in the answer; -1 when none is shown."""
        return self.heatmap.selected() if self._entries else -1

    def select_token(self, index: int) -> None:
        """Select the token at ``index`` and chart its candidates."""
        if not 0 <= index < len(self._entries):
            return
        self.heatmap.select(index)
        self._token_selected(index)

    def _token_selected(self, index: int) -> None:
        if 0 <= index < len(self._entries):
            self.panel.set_token(self._entries[index], index + 1, len(self._entries))

    def _to_candidates(self, index: int) -> None:
        """Enter (or a double click) on a token: on to its candidates, to branch by key."""
        self.select_token(index)
        if self.panel.chart.branching():
            self.panel.chart.setFocus()

    def set_branch_note(self, text: str) -> None:
        """What is known about branching here (the endpoint's probe), under the chart."""
        self._branch_note = text
        self._update_branching()

    def _update_branching(self) -> None:
        live = self._live
        self.panel.chart.set_branching("" if live else BRANCH_HINT)
        if live:
            note = "Branching from a token is possible once the answer has finished."
        else:
            note = self._branch_note or (
                "Click a candidate that was not chosen to continue the answer with it."
            )
        self.branch_label.setText(note)

    def _candidate_clicked(self, token: str) -> None:
        index = self.selected_index()
        if self._message is not None and index >= 0 and not self._live:
            self.branch_requested.emit(self._message.id, index, token)

    def _repeat(self, count: int) -> None:
        if self._message is not None and not self._live:
            self.repeat_requested.emit(self._message.id, count)

    # --- the panel's parts, for the window and tests ------------------------------------

    def bars(self) -> list[Bar]:
        """The bars charted for the selected token."""
        return self.panel.bars()

    def temperature(self) -> float:
        return self.panel.temperature()

    def top_p(self) -> float:
        return self.panel.top_p()

    def set_temperature(self, value: float) -> None:
        self.panel.temperature_spin.setValue(value)

    def set_top_p(self, value: float) -> None:
        self.panel.top_p_spin.setValue(value)

    def reset_sliders(self) -> None:
        self.panel.reset_sliders()

    def sizeHint(self) -> QSize:
        return QSize(380, 600)
