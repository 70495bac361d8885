"""Chance or parameters: the report on the repeats of one answer's request.

:class:`RepeatDialog` compares an answer with the answers to its identical request
(``Message.repeat_of``; see :func:`core.repeats.repeat_report`): whether they are
identical, the first token where they part, the diversity figure, whether a seed was
honoured and the ``system_fingerprint`` of each. It follows the repeats while they
stream; "Show" puts one of the answers on screen (it is a branch of the message).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.chat import Chat, Message
from core.repeats import RepeatReport, repeat_report
from core.sampling import display_token
from ui.common.tone import set_tone

COLUMNS = ("#", "Status", "Same as the first", "At the parting", "Fingerprint", "Text")
STATUS = {"done": "Done", "streaming": "Running…", "stopped": "Stopped", "error": "Error"}


def answers_of(thread: Chat, original: Message) -> list[Message]:
    """``original`` and its repeats, oldest first."""
    return [original, *(m for m in thread.messages if m.repeat_of == original.id)]


def _piece(text: str) -> str:
    return f"“{display_token(text)}”" if text else "(ended)"


def summary(report: RepeatReport, running: int) -> str:
    """The report in a few sentences."""
    if report.count < 2:
        return "No repeat has finished yet." if running else "This answer has no repeats yet."
    lines = []
    if report.identical:
        lines.append(f"All {report.count} answers to the identical request are identical.")
    else:
        lines.append(
            f"{report.count} answers to the identical request: {report.distinct} different."
        )
        if report.parting is not None:
            pieces = " / ".join(dict.fromkeys(_piece(p) for p in report.parting.pieces))
            lines.append(f"They first part at {report.unit} {report.parting.index + 1}: {pieces}.")
    if report.diversity is not None:
        lines.append(
            f"Diversity {report.diversity:.2f} (1 − the mean word overlap of each pair; "
            "0: the same words). The sweep uses the same figure."
        )
    lines.append(seed_sentence(report))
    if running:
        lines.append(f"{running} still running…")
    return " ".join(lines)


def seed_sentence(report: RepeatReport) -> str:
    fingerprints = ", ".join(report.fingerprints)
    if report.seed is None:
        return (
            "No seed was sent, so differences are chance at these settings; set a seed "
            "to see whether the endpoint honours it."
        )
    honoured = report.seed_honoured
    if honoured is True:
        where = f" (system_fingerprint {fingerprints})" if fingerprints else ""
        return f"Seed {report.seed} was honoured: the answers are identical{where}."
    if honoured is False:
        where = f" on one backend configuration ({fingerprints})" if fingerprints else ""
        return f"Seed {report.seed} was not honoured: the answers differ{where}."
    return (
        f"Seed {report.seed}: the answers came from different backend configurations "
        f"(system_fingerprint {fingerprints}), so whether the seed is honoured cannot be told."
    )


class RepeatDialog(QDialog):
    """The report on the repeats of one answer; see the module docstring."""

    show_requested = Signal(str)  # the id of an answer to put on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Repeats: chance or parameters?")
        self.resize(760, 420)
        self._ids: list[str] = []
        self.original_id = ""
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(
            len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.cellDoubleClicked.connect(lambda row, _col: self._show(row))
        self.note = QLabel(
            "Each repeat is kept as a branch of the message: ‹ › under it switches between "
            "them. Double-click a row (or Show) to put that answer on screen.",
            self,
        )
        self.note.setWordWrap(True)
        set_tone(self.note, "muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.show_button = QPushButton("Show", self)
        self.show_button.clicked.connect(lambda: self._show(self.table.currentRow()))
        buttons.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def set_answers(self, thread: Chat, original: Message) -> RepeatReport:
        """Show the report on ``original`` and its repeats in ``thread``."""
        self.original_id = original.id
        answers = answers_of(thread, original)
        finished = [a for a in answers if a.status == "done"]
        if original not in finished:
            finished.insert(0, original)
        report = repeat_report(finished)
        running = sum(1 for a in answers if a.status == "streaming")
        self.summary_label.setText(summary(report, running))
        parting = report.parting
        same = dict(zip((a.id for a in finished), report.same_as_first, strict=True))
        piece = {}
        if parting is not None:
            piece = dict(zip((a.id for a in finished), parting.pieces, strict=True))
        self._ids = [a.id for a in answers]
        self.table.setRowCount(len(answers))
        for row, answer in enumerate(answers):
            label = "original" if answer is original else str(row)
            fingerprint = answer.stats.system_fingerprint if answer.stats is not None else ""
            matches = same.get(answer.id)
            cells = (
                label,
                STATUS.get(answer.status, answer.status),
                "—" if matches is None else ("yes" if matches else "no"),
                _piece(piece[answer.id]) if answer.id in piece else "—",
                fingerprint or "—",
                " ".join(answer.content.split())[:160],
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(answer.content[:2000] if column == len(cells) - 1 else text)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        return report

    def _show(self, row: int) -> None:
        if 0 <= row < len(self._ids):
            self.show_requested.emit(self._ids[row])
