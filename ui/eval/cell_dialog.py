"""A cell opened whole: every repeat's answer rendered as Markdown, its checks and the
judge's verdict, the exact request, and the person's grade, all by keyboard.

Keys: ``+`` / ``-`` thumbs up / down, ``1``–``5`` a score, ``0`` clears them, ``C`` writes
a comment, ``N`` / ``P`` (or Page Down / Page Up) the next or previous cell.
"""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.eval.model import Cell, HumanGrade, Run
from core.eval.runs import prompt_of
from core.eval.template import TemplateError
from ui.render.markdown import render_markdown

GRADE_HELP = "+ / − thumbs · 1–5 score · 0 clear · C comment · N / P next / previous cell"


class CellDialog(QDialog):
    graded = Signal(str)  # the cell key whose human grade changed
    step_requested = Signal(int)  # +1 next cell, -1 previous

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evalCellDialog")
        self.setWindowTitle("Cell")
        self.resize(760, 620)
        self.cells: list[Cell] = []
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.answers = QTextBrowser(self)
        self.answers.setOpenExternalLinks(True)
        self.request = QTextBrowser(self)
        self.tabs.addTab(self.answers, "Answers")
        self.tabs.addTab(self.request, "Request")
        self.grade_label = QLabel(self)
        self.comment = QLineEdit(self)
        self.comment.setPlaceholderText("Comment (C), Enter to keep")
        self.comment.returnPressed.connect(self._comment_done)
        help_label = QLabel(GRADE_HELP, self)
        help_label.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.grade_label)
        row.addWidget(self.comment, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(row)
        layout.addWidget(help_label)
        layout.addWidget(buttons)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def show_cells(self, run: Run, cells: list[Cell], theme: str = "light") -> None:
        self.cells = cells
        if not cells:
            return
        row, config = run.row(cells[0].row_id), run.config(cells[0].config_id)
        try:
            question = prompt_of(row) if row else ""
        except TemplateError as exc:
            question = f"{row.prompt if row else ''}\n\n⚠ {exc}"
        self.title.setText(
            f"<b>{html.escape(config.label if config else '')}</b> · "
            f"{html.escape(config.model if config else '')}<br>{html.escape(question)}"
        )
        parts = []
        for cell in cells:
            parts.append(f"<h3>Repeat {cell.repeat + 1}{' (cached)' if cell.cached else ''}</h3>")
            if cell.problem:
                parts.append(f"<p>⚠ {html.escape(cell.problem)}</p>")
            elif cell.answer is None:
                parts.append("<p><i>Not answered yet.</i></p>")
            else:
                answer = cell.answer
                if answer.error is not None:
                    parts.append(f"<p>✗ {html.escape(answer.error.message)}</p>")
                parts.append(render_markdown(answer.content, theme).html)
                stats = answer.stats
                if stats is not None and stats.total_s is not None:
                    ttft = f"{(stats.ttft_s or 0) * 1000:.0f} ms to first token · "
                    parts.append(f"<p><small>{ttft}{stats.total_s * 1000:.0f} ms</small></p>")
            for check in cell.checks:
                mark = "✓" if check.passed else "✗" if check.passed is False else "?"
                detail = f" — {html.escape(check.detail)}" if check.detail else ""
                parts.append(f"<div>{mark} {html.escape(check.label)}{detail}</div>")
            if cell.judge is not None:
                j = cell.judge
                if j.problem:
                    verdict = f"⚠ {html.escape(j.problem)}"
                elif j.best is not None:
                    verdict = ("picked as best" if j.best else "not picked") + f": {j.reason}"
                else:
                    verdict = f"score {j.score:.2f}: {html.escape(j.reason)}"
                parts.append(f"<div>Judge {html.escape(j.model)}: {verdict}</div>")
        self.answers.setHtml("".join(parts))
        bodies = [json.dumps(c.request, indent=2, ensure_ascii=False) for c in cells if c.request]
        self.request.setPlainText(bodies[0] if bodies else "No request was sent for this cell.")
        self._show_grade()

    def _grade(self) -> HumanGrade:
        cell = self.cells[0]
        if cell.human is None:
            cell.human = HumanGrade()
        return cell.human

    def _show_grade(self) -> None:
        human = self.cells[0].human if self.cells else None
        if human is None or human.empty:
            self.grade_label.setText("Your grade: none")
            self.comment.setText("")
            return
        thumb = {1: "👍", -1: "👎"}.get(human.thumb, "")
        score = f"{human.score}/5" if human.score is not None else ""
        self.grade_label.setText(f"Your grade: {thumb} {score}".rstrip())
        self.comment.setText(human.comment)

    def set_grade(self, *, thumb: int | None = None, score: int | bool | None = False) -> None:
        """Grade the first repeat of the cell (the one the matrix shows)."""
        if not self.cells:
            return
        grade = self._grade()
        if thumb is not None:
            grade.thumb = thumb
        if score is not False:
            grade.score = score if isinstance(score, int) and not isinstance(score, bool) else None
        if grade.empty:
            self.cells[0].human = None
        self._show_grade()
        self.graded.emit(self.cells[0].key)

    def _comment_done(self) -> None:
        if not self.cells:
            return
        self._grade().comment = self.comment.text().strip()
        if self._grade().empty:
            self.cells[0].human = None
        self.graded.emit(self.cells[0].key)
        self.answers.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.comment.hasFocus():
            super().keyPressEvent(event)
            return
        key, text = event.key(), event.text()
        if text == "+":
            self.set_grade(thumb=1)
        elif text == "-":
            self.set_grade(thumb=-1)
        elif text in {"1", "2", "3", "4", "5"}:
            self.set_grade(score=int(text))
        elif text == "0":
            self.set_grade(thumb=0, score=None)
        elif key == Qt.Key.Key_C:
            self.comment.setFocus()
        elif key in (Qt.Key.Key_N, Qt.Key.Key_PageDown):
            self.step_requested.emit(1)
        elif key in (Qt.Key.Key_P, Qt.Key.Key_PageUp):
            self.step_requested.emit(-1)
        else:
            super().keyPressEvent(event)
