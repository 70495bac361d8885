"""The tool panel under a transcript: every call of the last answer that waits for a
result, one :class:`CallCard` each. Hidden when nothing waits.

Cards are kept by call id while their call waits, so a result being typed survives
every refresh. Signals carry the call id; the page passes them to its controller.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.answers.round_view import CallView, RoundView
from ui.tools.card import CallCard

MAX_HEIGHT = 420


class ToolCallsPanel(QFrame):
    result_given = Signal(str, str, list)  # call id, text, list[ImagePart]
    run_requested = Signal(str)
    approved = Signal(str, str)  # call id, scope
    denied = Signal(str, bool)  # call id, never
    unlock_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolCallsPanel")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._cards: dict[str, CallCard] = {}
        self.round = RoundView("")
        self.heading = QLabel(self)
        self.heading.setObjectName("toolPanelHeading")
        self.heading.setWordWrap(True)
        self.unlock = QPushButton("&Go on anyway", self)
        self.unlock.setObjectName("toolUnlock")
        self.unlock.clicked.connect(self.unlock_requested)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.unlock)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.setSpacing(6)
        self._list_layout.addStretch(1)
        self.scroller = QScrollArea(self)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setWidget(self._list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.scroller, 1)
        self.setMaximumHeight(MAX_HEIGHT)
        self.hide()

    def cards(self) -> list[CallCard]:
        return list(self._cards.values())

    def card(self, call_id: str) -> CallCard | None:
        return self._cards.get(call_id)

    def set_round(self, view: RoundView) -> None:
        """Show the calls of ``view`` (a new round drops the cards of the old one)."""
        self.round = view
        wanted = {item.call.id: item for item in view.calls}
        for call_id in [c for c in self._cards if c not in wanted]:
            gone = self._cards.pop(call_id)
            self._list_layout.removeWidget(gone)
            gone.hide()
            gone.deleteLater()
        ordered: dict[str, CallCard] = {}
        for position, (call_id, item) in enumerate(wanted.items()):
            card = self._cards.get(call_id)
            if card is None:
                card = self._make(item)
            else:
                card.set_view(item)
                self._list_layout.removeWidget(card)
            self._list_layout.insertWidget(position, card)
            ordered[call_id] = card
        self._cards = ordered
        count = len(view.calls)
        if view.limit:
            self.heading.setText(
                f"The model called tools {view.limit} times in a row, the limit set in "
                "Settings › MCP servers and tools. Answer the calls yourself, or go on."
            )
        elif count:
            who = "a tool" if count == 1 else f"{count} tools"
            self.heading.setText(
                f"The model called {who}. When every call has a result, the answer goes on."
            )
        self.unlock.setVisible(bool(view.limit))
        self.setVisible(bool(count))
        self._fit()

    def _make(self, item: CallView) -> CallCard:
        card = CallCard(item, self._list)
        card.result_given.connect(self.result_given)
        card.run_requested.connect(self.run_requested)
        card.approved.connect(self.approved)
        card.denied.connect(self.denied)
        card.stop_requested.connect(self.stop_requested)
        return card

    def _fit(self) -> None:
        wanted = self._list.sizeHint().height() + self.heading.sizeHint().height() + 24
        self.setMinimumHeight(min(MAX_HEIGHT, wanted))

    def focus_first(self) -> None:
        """Put the keyboard in the first card (its result box, or its Run button)."""
        cards = self.cards()
        if not cards:
            return
        card = cards[0]
        target = card.run_once if card.view.state == "ask" else card.result
        target.setFocus()
