"""One slot of a battle on screen: its name, its status line and its messages.

Before the vote the name is the slot's ("Model A") and the status line says only whether
it is writing or failed; after the vote the name shows the model and the line its stats.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from core.arena.battle import slot_name
from core.chat import ErrorInfo, Stats
from core.stats_text import stats_text, stats_tooltip
from ui.common.tone import set_tone
from ui.transcript.chat_view import ChatView


class ArenaColumn(QWidget):
    def __init__(self, slot: int, theme: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("arenaColumn")
        self.slot = slot
        self.title = QLabel(slot_name(slot), self)
        self.title.setObjectName("arenaSlotTitle")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.status = QLabel(self)
        self.status.setObjectName("arenaSlotStatus")
        self.status.setWordWrap(True)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setFixedHeight(3)
        self.busy.setTextVisible(False)
        policy = self.busy.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy.setSizePolicy(policy)
        self.busy.hide()
        self.view = ChatView(theme, self)
        self.view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        layout.addWidget(self.busy)
        layout.addWidget(self.view, 1)
        self.setAccessibleName(slot_name(slot))

    def set_model(self, model: str) -> None:
        """The model's name after the vote; "" before it."""
        name = slot_name(self.slot)
        self.title.setText(f"{name} · {model}" if model else name)
        self.setAccessibleName(self.title.text())

    def set_generating(self, generating: bool) -> None:
        self.busy.setVisible(generating)
        if generating:
            self.status.setText("Writing…")
            self.status.setToolTip("")
            set_tone(self.status, "normal")

    def set_result(
        self,
        stats: Stats | None,
        error: ErrorInfo | None,
        *,
        revealed: bool,
        answered: bool = False,
        error_text: str = "",
    ) -> None:
        """The status line after an answer: before the vote "Answered" or the error."""
        if error is not None:
            self.status.setText(f"{slot_name(self.slot)} failed: {error_text or error.message}")
            self.status.setToolTip("")
            set_tone(self.status, "error")
            return
        set_tone(self.status, "normal")
        self.status.setToolTip("")
        if revealed and stats is not None:
            self.status.setText(stats_text(stats, model=False))
            self.status.setToolTip(stats_tooltip(stats))
        elif answered and not revealed:
            self.status.setText("Answered · stats and name shown after your vote")
        else:
            self.status.setText("")
