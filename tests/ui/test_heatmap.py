"""The heat map of a whole answer and what the Sampling tab asks for, driven with
hand-made token probabilities."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from core.chat import ChoiceSnapshot, Message, TokenLogprob, TopLogprob
from core.token_heat import ENTROPY, PROBABILITY
from ui.sampling.heatmap import HeatMap, shown_text
from ui.sampling.legend import HeatLegend
from ui.sampling.sampling_view import SamplingView

LN = math.log


def entry(token: str, *alternatives: tuple[str, float]) -> TokenLogprob:
    top = [TopLogprob(t, LN(p)) for t, p in alternatives]
    return TokenLogprob(token=token, logprob=top[0].logprob, top=top)


def answer(count: int = 3, *, status: str = "done") -> Message:
    tokens = [
        entry("The", ("The", 0.9), ("A", 0.1)),
        entry(" cat", (" cat", 0.15), (" dog", 0.5), (" cow", 0.35)),
        entry(" sat\n", (" sat\n", 0.6), (" ran", 0.4)),
    ]
    tokens += [entry(f" w{i}", (f" w{i}", 0.7), (" x", 0.3)) for i in range(count - 3)]
    choice = ChoiceSnapshot(content="".join(t.token for t in tokens), logprobs=tokens)
    return Message(role="assistant", content=choice.content, choices=[choice], status=status)


def make(qtbot: QtBot) -> SamplingView:
    view = SamplingView()
    qtbot.addWidget(view)
    view.resize(480, 700)
    with qtbot.waitExposed(view):
        view.show()
    return view


def test_tokens_are_drawn_as_text_with_newlines_breaking_lines(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer(5))
    heat = view.heatmap
    assert [heat.text(i) for i in range(3)] == ["The", " cat", " sat↵"]
    assert heat.token_rect(3).top() > heat.token_rect(2).top()  # after the newline
    assert heat.token_rect(0).top() == heat.token_rect(2).top()
    assert shown_text("a\tb\x0b") == ("a⇥b\\x0b", 0) and shown_text("") == ("∅", 0)
    assert view.answer_label.text() == "Answer · 5 tokens"


def test_probability_or_entropy_colours_the_map_with_a_legend(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer())
    heat = view.heatmap
    assert heat.measure() == PROBABILITY and view.legend.ends() == ("100% likely", "0%")
    assert heat.heat(1).low and not heat.heat(0).low  # " cat" at 15% stands out
    before = heat.grab().toImage()
    entropy_button = next(b for b in view.measure_buttons.buttons() if b.text() == "Entropy")
    entropy_button.click()
    assert heat.measure() == ENTROPY and entropy_button.isChecked()
    assert view.legend.ends() == ("0 bits (sure)", f"{math.log2(3):.1f} bits")
    assert heat.grab().toImage() != before
    assert [b.shortcut().toString() for b in view.measure_buttons.buttons()] == ["Alt+1", "Alt+2"]
    view.set_measure(PROBABILITY)
    assert view.measure() == PROBABILITY and not entropy_button.isChecked()


@pytest.mark.qt_log_ignore("does not support raise")
def test_hovering_a_token_lists_its_candidates(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer())
    heat = view.heatmap
    centre = heat.token_rect(1).center().toPoint()
    event = QHelpEvent(QEvent.Type.ToolTip, centre, heat.viewport().mapToGlobal(centre))
    QApplication.sendEvent(heat.viewport(), event)
    text = QToolTip.text()
    assert text.startswith("Token 2: “␣cat”") and "15.0% as generated" in text
    assert "␣dog  50.0%" in text and "▸ ␣cat  15.0%" in text
    assert heat.token_at(-5, -5) == -1


def test_a_growing_answer_lays_out_only_its_new_tokens(qtbot: QtBot) -> None:
    view = make(qtbot)
    message = answer(3, status="streaming")
    entries = list(message.choices[0].logprobs)
    view.set_answer(message, entries)
    first = view.heatmap.token_rect(0)
    view.select_token(1)
    entries.append(entry(" down", (" down", 0.8), (" up", 0.2)))
    view.show_live(message, entries)
    assert view.is_live() and view.heatmap.count() == 3  # coalesced: not yet shown
    qtbot.waitUntil(lambda: view.heatmap.count() == 4)
    assert view.heatmap.token_rect(0) == first and view.selected_index() == 1
    assert view.answer_label.text().endswith("streaming…")
    assert not view.chart.branching()  # no branch from an answer still arriving
    message.status = "done"
    view.set_answer(message, entries)
    assert not view.is_live() and view.chart.branching()


def test_a_long_answer_scrolls_and_the_selection_stays_in_view(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer(800))
    heat = view.heatmap
    bar = heat.verticalScrollBar()
    assert bar.maximum() > 0
    heat.setFocus()
    QTest.keyClick(heat, Qt.Key.Key_End)
    assert view.selected_index() == 799 and bar.value() == bar.maximum()
    assert heat.viewport().rect().intersects(heat.token_rect(799).toAlignedRect())
    QTest.keyClick(heat, Qt.Key.Key_Home)
    assert bar.value() == 0 and "Token 1 of 800" in view.token_heading.text()
    lines = bar.maximum()
    wide = heat.viewport().width()
    view.resize(300, 700)  # a narrower view wraps into more lines
    qtbot.waitUntil(lambda: heat.viewport().width() < wide)
    assert heat.verticalScrollBar().maximum() > lines
    assert heat.token_rect(799).right() <= heat.viewport().width()


def test_clicking_a_candidate_that_was_not_chosen_asks_for_a_branch(qtbot: QtBot) -> None:
    view = make(qtbot)
    message = answer()
    view.set_answer(message)
    view.select_token(1)
    asked: list[tuple[str, int, str]] = []
    view.branch_requested.connect(lambda *args: asked.append(args))
    chart = view.chart
    tokens = [bar.token for bar in chart.bars()]
    assert tokens == [" dog", " cow", " cat"]
    chosen_row = tokens.index(" cat")
    QTest.mouseClick(
        chart, Qt.MouseButton.LeftButton, pos=QPoint(60, int(chart._row_top(chosen_row)) + 8)
    )
    assert asked == []  # the chosen one is not a branch
    QTest.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(60, int(chart._row_top(0)) + 8))
    assert asked == [(message.id, 1, " dog")]
    view.heatmap.setFocus()
    QTest.keyClick(view.heatmap, Qt.Key.Key_Return)  # Enter on a token: on to its candidates
    assert chart.hasFocus()
    QTest.keyClick(chart, Qt.Key.Key_Down)
    QTest.keyClick(chart, Qt.Key.Key_Down)
    QTest.keyClick(chart, Qt.Key.Key_Return)
    assert asked[-1] == (message.id, 1, " cow")
    assert "new branch" in chart._tooltip(chart.bars()[0])


def test_repeat_asks_for_the_identical_request(qtbot: QtBot) -> None:
    view = make(qtbot)
    message = answer()
    view.set_answer(message)
    asked: list[tuple[str, int]] = []
    view.repeat_requested.connect(lambda *args: asked.append(args))
    menu = view.repeat_button.menu()
    assert [a.text() for a in menu.actions()] == ["Repeat ×3", "Repeat ×5", "Repeat ×10"]
    menu.actions()[1].trigger()
    assert asked == [(message.id, 5)]


def test_the_scope_of_re_shaping_is_said_plainly(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer())
    view.select_token(1)
    scope = view.panel.scope_note
    assert scope.isVisible()
    assert "only the 3 candidates the server returned" in scope.text()
    assert "not the model's whole vocabulary" in scope.text()


def test_the_map_paints_in_the_dark_theme(qtbot: QtBot) -> None:
    heat = HeatMap()
    qtbot.addWidget(heat)
    palette = heat.palette()
    from PySide6.QtGui import QColor, QPalette

    palette.setColor(QPalette.ColorRole.Base, QColor("#0d1117"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e6edf3"))
    heat.setPalette(palette)
    heat.resize(300, 200)
    heat.show()
    heat.set_tokens(answer(40).choices[0].logprobs)
    image = heat.grab().toImage()
    assert image.pixelColor(2, 2).lightnessF() < 0.2  # the dark base
    legend = HeatLegend()
    qtbot.addWidget(legend)
    legend.setPalette(palette)
    legend.resize(400, 24)
    assert not legend.grab().toImage().isNull()
    assert heat.paint_count > 0
