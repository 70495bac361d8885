"""The bar under a battle: the vote buttons, then the result and what to do next."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from core.arena.battle import slot_name

MERGE_TIP = "Merge the answers into one, in a comparison made from this battle (Ctrl+Shift+M)"


def vote_labels(slots: int) -> list[tuple[str, str, int]]:
    """(button text, vote, winner) in key order: 1 … for each slot, then tie and bad."""
    if slots == 2:
        wins = [("A is better", "win", 0), ("B is better", "win", 1)]
    else:
        wins = [(f"{slot_name(i)[-1]} is best", "win", i) for i in range(slots)]
    bad = "Both bad" if slots == 2 else "All bad"
    return [*wins, ("Tie", "tie", -1), (bad, "bad", -1)]


class VoteBar(QWidget):
    voted = Signal(str, int)  # vote, winner slot
    continue_requested = Signal(int)  # slot
    next_requested = Signal()
    merge_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("arenaVoteBar")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # holds the focus for keys 1 2 3 4
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 6, 8, 6)
        self.prompt = QLabel(self)
        self.vote_buttons: list[QPushButton] = []
        self.after: list[QPushButton] = []
        self.merge_button: QPushButton | None = None
        self.set_slots(2, revealed=False, outcome="", models=[])

    def set_slots(self, slots: int, *, revealed: bool, outcome: str, models: list[str]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not self.prompt:
                widget.deleteLater()
        self.vote_buttons, self.after = [], []
        self.merge_button = None
        self._layout.addWidget(self.prompt)
        if not revealed:
            self.prompt.setText("Which answer is better?")
            for key, (text, vote, winner) in enumerate(vote_labels(slots), 1):
                button = QPushButton(f"{text}  [{key}]", self)
                button.setObjectName(f"arenaVote{key}")
                button.setToolTip(f"Vote: {text} (key {key})")
                button.clicked.connect(lambda _=False, v=vote, w=winner: self.voted.emit(v, w))
                self._layout.addWidget(button)
                self.vote_buttons.append(button)
            self._layout.addStretch(1)
            return
        self.prompt.setText(f"<b>{outcome}</b>")
        for slot, model in enumerate(models):
            button = QPushButton(f"Continue with {slot_name(slot)[-1]}", self)
            button.setToolTip(f"A normal chat with {model}, from this battle")
            button.clicked.connect(lambda _=False, s=slot: self.continue_requested.emit(s))
            self._layout.addWidget(button)
            self.after.append(button)
        merge = QPushButton("Merge answers…", self)
        merge.setObjectName("arenaMerge")
        merge.setToolTip(MERGE_TIP)
        merge.clicked.connect(self.merge_requested)
        self._layout.addWidget(merge)
        self.after.append(merge)
        self.merge_button = merge
        self._layout.addStretch(1)
        following = QPushButton("Next battle", self)
        following.setObjectName("arenaNextBattle")
        following.setToolTip("Draw new models (Ctrl+Shift+A)")
        following.clicked.connect(self.next_requested)
        self._layout.addWidget(following)
        self.after.append(following)

    def set_merge_enabled(self, reason: str | None) -> None:
        """Merging on (``reason`` None) or off, with the reason as its tooltip."""
        if self.merge_button is not None:
            self.merge_button.setEnabled(reason is None)
            self.merge_button.setToolTip(MERGE_TIP if reason is None else reason)

    def set_enabled_votes(self, enabled: bool, reason: str = "") -> None:
        for button in self.vote_buttons:
            button.setEnabled(enabled)
        self.prompt.setToolTip(reason)
