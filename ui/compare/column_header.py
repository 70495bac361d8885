"""The bar above one column of a comparison: model, parameter overrides, actions, stats.

Top line: the model (a button), the parameter toggle ("Params" or "2 overrides"),
Regenerate or Stop (Stop while the column is generating), and the … menu (Duplicate,
Move left, Move right, Continue with this one, Remove). Second line: the stats of the
column's last answer, or its error in red, and badges such as "fastest TTFT". A thin
busy bar below runs while the column is generating; it keeps its room when hidden, so
every column's header has the same height and the chat views line up.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.chat import ErrorInfo, Stats
from core.model_rules import model_traits
from core.stats_text import stats_text, stats_tooltip
from ui.common.busy_bar import BusyBar
from ui.common.tone import set_tone

# mark -> (badge text, tooltip), in the order badges are shown
MARKS: dict[str, tuple[str, str]] = {
    "fastest_ttft": ("fastest TTFT", "Shortest time to the first token of these columns"),
    "fastest_tps": ("fastest tok/s", "Most tokens per second of these columns"),
    "longest": ("longest", "Most completion tokens of these columns"),
}
BADGE_STYLE = (
    "QLabel { border: 1px solid palette(highlight); border-radius: 7px;"
    " padding: 0px 5px; color: palette(highlight); }"
)
MODEL_ARROW = "  ▾"
MODEL_STYLE = (
    "QPushButton { text-align: left; padding: 3px 6px; border: 1px solid transparent;"
    " border-radius: 4px; }"
    " QPushButton:hover { border-color: palette(mid); }"
)


def error_tooltip(error: ErrorInfo) -> str:
    lines = [error.message]
    status = f" (HTTP {error.status})" if error.status is not None else ""
    lines.append(f"{error.kind}{status}")
    if error.detail:
        lines.append(error.detail)
    if error.request_id:
        lines.append(f"Request id: {error.request_id}")
    return "\n".join(lines)


class CompareColumnHeader(QWidget):
    """See the module docstring. The header only shows state and reports clicks."""

    model_clicked = Signal()
    params_clicked = Signal()
    stop_requested = Signal()
    regenerate_requested = Signal()
    duplicate_requested = Signal()
    move_requested = Signal(int)  # -1 left, +1 right
    continue_requested = Signal()
    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareColumnHeader")
        self._model = ""
        self._stats_full = ""
        self._generating = False
        self._can_regenerate = True

        self.model_button = QPushButton(self)
        self.model_button.setObjectName("compareModelButton")
        self.model_button.setFlat(True)
        self.model_button.setStyleSheet(MODEL_STYLE)
        self.model_button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        font = self.model_button.font()
        font.setBold(True)
        self.model_button.setFont(font)
        self.model_button.clicked.connect(self.model_clicked)

        self.params_button = QToolButton(self)
        self.params_button.setObjectName("compareParamsButton")
        self.params_button.setCheckable(True)
        self.params_button.setAutoRaise(True)
        self.params_button.clicked.connect(self.params_clicked)

        style = self.style()
        self.regenerate_button = QToolButton(self)
        self.regenerate_button.setObjectName("compareRegenerateButton")
        self.regenerate_button.setAutoRaise(True)
        self.regenerate_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.regenerate_button.setToolTip("Regenerate this column's last answer")
        self.regenerate_button.clicked.connect(self.regenerate_requested)

        self.stop_button = QToolButton(self)
        self.stop_button.setObjectName("compareStopButton")
        self.stop_button.setAutoRaise(True)
        self.stop_button.setText("Stop")
        self.stop_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserStop))
        self.stop_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.stop_button.setToolTip("Stop this column's answer")
        self.stop_button.clicked.connect(self.stop_requested)

        self.menu = QMenu(self)
        self.duplicate_action = self.menu.addAction("Duplicate")
        self.duplicate_action.setToolTip("Add a column with this model and these parameters")
        self.duplicate_action.triggered.connect(self.duplicate_requested)
        self.menu.addSeparator()
        self.move_left_action = self.menu.addAction("Move left")
        self.move_left_action.triggered.connect(lambda: self.move_requested.emit(-1))
        self.move_right_action = self.menu.addAction("Move right")
        self.move_right_action.triggered.connect(lambda: self.move_requested.emit(1))
        self.menu.addSeparator()
        self.continue_action = self.menu.addAction("Continue with this one")
        self.continue_action.triggered.connect(self.continue_requested)
        self.remove_action = self.menu.addAction("Remove")
        self.remove_action.triggered.connect(self.remove_requested)
        self.menu_button = QToolButton(self)
        self.menu_button.setObjectName("compareMenuButton")
        self.menu_button.setText("…")
        self.menu_button.setAutoRaise(True)
        self.menu_button.setToolTip("Column actions")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.menu_button.setMenu(self.menu)

        self.stats_label = QLabel(self)
        self.stats_label.setObjectName("compareStats")
        self.stats_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.stats_label.setTextFormat(Qt.TextFormat.PlainText)
        set_tone(self.stats_label, "muted")
        self.badges: dict[str, QLabel] = {}
        for mark, (text, tip) in MARKS.items():
            badge = QLabel(text, self)
            badge.setObjectName(f"compareBadge_{mark}")
            badge.setToolTip(tip)
            badge.setStyleSheet(BADGE_STYLE)
            badge.hide()
            self.badges[mark] = badge

        self.busy = BusyBar(self)
        self.busy.setObjectName("compareBusy")
        self.busy.setFixedHeight(3)
        self.busy.setAccessibleName("Generating")
        policy = self.busy.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy.setSizePolicy(policy)
        self.busy.hide()

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(2)
        top.addWidget(self.model_button, 1)
        top.addWidget(self.params_button)
        top.addWidget(self.regenerate_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.menu_button)
        stats_row = QHBoxLayout()
        stats_row.setContentsMargins(6, 0, 0, 0)
        stats_row.setSpacing(4)
        stats_row.addWidget(self.stats_label, 1)
        for badge in self.badges.values():
            stats_row.addWidget(badge)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(stats_row)
        layout.addWidget(self.busy)

        self.stats_label.setMinimumHeight(
            max(badge.sizeHint().height() for badge in self.badges.values())
        )
        self.model_button.installEventFilter(self)
        self.stats_label.installEventFilter(self)
        self.set_model("")
        self.set_overrides([])
        self.set_stats(None, None)
        self.set_generating(False)

    # --- state ------------------------------------------------------------------------

    def set_model(self, model: str) -> None:
        self._model = model
        traits = model_traits(model) if model else None
        notes = [
            name
            for name, on in (
                ("reads images", traits is not None and traits.vision),
                ("reasons", traits is not None and traits.reasoning),
            )
            if on
        ]
        lines = [model] if model else []
        if notes:
            lines.append(", ".join(notes).capitalize())
        lines.append("Choose this column's model")
        self.model_button.setToolTip("\n".join(lines))
        self._elide()

    def model(self) -> str:
        return self._model

    def set_overrides(self, names: Iterable[str]) -> None:
        """Show how many parameters this column sets apart from the shared ones."""
        names = list(names)
        count = len(names)
        font = self.params_button.font()
        font.setBold(bool(count))
        self.params_button.setFont(font)
        if count:
            self.params_button.setText(f"{count} override{'' if count == 1 else 's'}")
            self.params_button.setToolTip(
                "Set for this column only: " + ", ".join(names) + "\nShow this column's parameters"
            )
        else:
            self.params_button.setText("Params")
            self.params_button.setToolTip(
                "Uses the shared parameters\nShow this column's parameters"
            )

    def set_params_open(self, shown: bool) -> None:
        """Show the parameter toggle pressed while the column's parameters are open."""
        self.params_button.setChecked(shown)

    def set_stats(
        self, stats: Stats | None, error: ErrorInfo | None, *, cost: str = "", total: str = ""
    ) -> None:
        """The last answer's figures (with its ``cost``), or its error (in red); both None
        clears the line. ``total``: what every answer of the column cost."""
        spent = f"\nThis column so far: {total}" if total else ""
        if error is not None:
            self._stats_full = error.message or error.kind
            set_tone(self.stats_label, "error")
            self.stats_label.setToolTip(error_tooltip(error) + spent)
        elif stats is not None:
            self._stats_full = stats_text(stats, model=False, prompt=False, cost=cost)
            set_tone(self.stats_label, "muted")
            tip = stats_tooltip(stats) + (f"\nCost: {cost}" if cost else "")
            self.stats_label.setToolTip(tip + spent)
        else:
            self._stats_full = ""
            set_tone(self.stats_label, "muted")
            self.stats_label.setToolTip("")
        self._elide()

    def stats_text(self) -> str:
        """The whole stats line (the label may show it shortened)."""
        return self._stats_full

    def set_marks(self, marks: Iterable[str]) -> None:
        """Show a badge for each of ``marks`` (keys of ``MARKS``; others are ignored)."""
        wanted = set(marks)
        for mark, badge in self.badges.items():
            badge.setVisible(mark in wanted)
        self._elide()

    def marks(self) -> list[str]:
        return [mark for mark, badge in self.badges.items() if not badge.isHidden()]

    def badge_texts(self) -> list[str]:
        return [badge.text() for badge in self.badges.values() if not badge.isHidden()]

    def set_generating(self, generating: bool) -> None:
        """While generating: Stop and the busy bar instead of Regenerate."""
        self._generating = generating
        self.stop_button.setVisible(generating)
        self.busy.setVisible(generating)
        self.regenerate_button.setVisible(not generating)
        self.regenerate_button.setEnabled(self._can_regenerate)

    def is_generating(self) -> bool:
        return self._generating

    def set_can_regenerate(self, can: bool) -> None:
        """Enable Regenerate (off while the column has no answer to regenerate)."""
        self._can_regenerate = can
        self.regenerate_button.setEnabled(can)

    def set_position(self, index: int, count: int) -> None:
        """Enable the menu's moves for a column at ``index`` of ``count``; a lone column
        cannot be removed."""
        self.move_left_action.setEnabled(index > 0)
        self.move_right_action.setEnabled(index < count - 1)
        self.remove_action.setEnabled(count > 1)

    # --- internals --------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched in (
            self.model_button,
            self.stats_label,
        ):
            self._elide()
        return super().eventFilter(watched, event)

    def _elide(self) -> None:
        """Fit the model name and the stats line to their widths, cut with "…"."""
        model_metrics = self.model_button.fontMetrics()
        room = max(
            40, self.model_button.width() - 14 - model_metrics.horizontalAdvance(MODEL_ARROW)
        )
        name = self._model or "Choose a model"
        elided = model_metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, room)
        self.model_button.setText(elided + MODEL_ARROW)
        metrics = self.stats_label.fontMetrics()
        width = max(20, self.stats_label.width())
        self.stats_label.setText(
            metrics.elidedText(self._stats_full, Qt.TextElideMode.ElideRight, width)
        )
