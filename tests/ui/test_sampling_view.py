"""The sampling visualiser, driven with hand-made token probabilities."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.chat import ChoiceSnapshot, Message, TokenLogprob, TopLogprob
from core.sampling import candidates, reshape
from ui.sampling.probability_bars import ProbabilityBars, percent
from ui.sampling.sampling_view import NO_LOGPROBS, SamplingView, logprobs_of

LN = math.log


def entry(token: str, *alternatives: tuple[str, float]) -> TokenLogprob:
    """A token whose candidates are ``alternatives`` (the first one is the token)."""
    top = [TopLogprob(tok, LN(p)) for tok, p in alternatives]
    return TokenLogprob(token=token, logprob=top[0].logprob, top=top)


def answer(**params: object) -> Message:
    tokens = [
        entry("The", ("The", 0.5), ("A", 0.3), ("This", 0.2)),
        entry(" cat", (" cat", 0.9), (" dog", 0.1)),
        entry(" sat", (" sat", 0.6), (" ran", 0.25), (" slept", 0.1), (" hid", 0.05)),
    ]
    choice = ChoiceSnapshot(index=0, content="The cat sat", logprobs=tokens)
    return Message(role="assistant", content="The cat sat", choices=[choice], params=dict(params))


def make(qtbot: QtBot) -> SamplingView:
    view = SamplingView()
    qtbot.addWidget(view)
    view.resize(640, 560)
    with qtbot.waitExposed(view):
        view.show()
    return view


def shown(bars: list) -> list[tuple[str, float, bool]]:
    return [(bar.token, round(bar.probability, 9), bar.included) for bar in bars]


def test_an_answer_without_logprobs_says_how_to_get_them(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(Message(role="assistant", content="Hello there"))
    assert view.empty_label.isVisible()
    assert view.empty_label.text() == NO_LOGPROBS
    assert not view.heatmap.isVisible() and not view.chart.isVisible()
    assert view.bars() == [] and view.selected_index() == -1


def test_nothing_selected_shows_no_chart(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer())
    view.set_answer(None)
    assert view.empty_label.isVisible() and view.empty_label.text() != NO_LOGPROBS
    assert view.bars() == [] and view.heatmap.count() == 0


def test_bars_match_reshape_and_follow_the_sliders(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer())
    assert view.heatmap.isVisible() and view.chart.isVisible()
    assert [view.heatmap.text(i) for i in range(3)] == ["The", " cat", " sat"]
    assert view.selected_index() == 0
    assert view.temperature() == 1.0 and view.top_p() == 1.0

    expected = reshape(candidates(answer().choices[0].logprobs[0]), 1.0, 1.0)
    assert view.bars() == expected == view.chart.bars()
    assert [b.token for b in view.bars()] == ["The", "A", "This"]
    assert [b.probability for b in view.bars()] == pytest.approx([0.5, 0.3, 0.2])
    assert view.bars()[0].chosen and all(b.included for b in view.bars())
    assert view.chart.cutoff() == 2
    assert view.note.text() == (
        "Probabilities are renormalised over the 3 candidates the server returned."
    )
    assert view.entropy_label.text() == "Entropy 1.49 bits"

    view.top_p_slider.setValue(60)  # dragging the slider moves the field too
    assert view.top_p_spin.value() == pytest.approx(0.6)
    assert shown(view.bars()) == [("The", 0.625, True), ("A", 0.375, True), ("This", 0.0, False)]
    assert view.chart.cutoff() == 1 and view.chart.top_p() == pytest.approx(0.6)
    assert view.bars()[2].probability_before_top_p == pytest.approx(0.2)

    view.temperature_spin.setValue(0)
    assert view.temperature_slider.value() == 0
    assert shown(view.bars()) == [("The", 1.0, True), ("A", 0.0, False), ("This", 0.0, False)]
    assert view.chart.cutoff() == 0
    assert view.entropy_label.text() == "Entropy 0.00 bits"

    view.reset_button.click()
    assert view.temperature() == 1.0 and view.top_p() == 1.0
    assert view.bars() == expected


def test_selecting_another_token_updates_the_bars(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.set_answer(answer())
    QTest.mouseClick(
        view.heatmap.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.heatmap.token_rect(2).center().toPoint(),
    )
    assert view.selected_index() == 2
    assert [b.token for b in view.bars()] == [" sat", " ran", " slept", " hid"]
    assert "Token 3 of 3" in view.token_heading.text()
    assert "4 candidates" in view.note.text()

    view.heatmap.setFocus()
    QTest.keyClick(view.heatmap, Qt.Key.Key_Left)
    assert view.selected_index() == 1
    assert [b.token for b in view.bars()] == [" cat", " dog"]
    assert [b.probability for b in view.bars()] == pytest.approx([0.9, 0.1])
    QTest.keyClick(view.heatmap, Qt.Key.Key_Right)
    assert view.selected_index() == 2


def test_sliders_start_at_the_answers_own_settings(qtbot: QtBot) -> None:
    view = make(qtbot)
    message = answer(temperature=0.5, top_p=0.9)
    view.set_answer(message)
    assert view.temperature() == 0.5 and view.top_p() == 0.9
    assert view.temperature_slider.value() == 50 and view.top_p_slider.value() == 90
    # At the temperature it was generated with, the shown probabilities come back.
    assert [b.probability_before_top_p for b in view.bars()] == pytest.approx([0.5, 0.3, 0.2])
    assert "generated at temperature 0.5" in view.note.text()
    # Doubling the temperature flattens the distribution: p ∝ sqrt(p0).
    view.set_temperature(1.0)
    view.set_top_p(1.0)
    roots = [math.sqrt(p) for p in (0.5, 0.3, 0.2)]
    assert [b.probability for b in view.bars()] == pytest.approx([r / sum(roots) for r in roots])


def test_the_same_answer_growing_keeps_selection_and_sliders(qtbot: QtBot) -> None:
    view = make(qtbot)
    message = answer()
    view.set_answer(message)
    view.select_token(1)
    view.set_top_p(0.5)
    message.choices[0].logprobs.append(entry(" down", (" down", 0.7), (" up", 0.3)))
    view.set_answer(message)
    assert view.heatmap.count() == 4
    assert view.selected_index() == 1 and view.top_p() == 0.5

    view.set_answer(answer())  # another message starts afresh
    assert view.selected_index() == 0 and view.top_p() == 1.0


def test_an_answer_asked_again_in_place_starts_afresh(qtbot: QtBot) -> None:
    view = make(qtbot)
    message = answer(temperature=0.5)
    view.set_answer(message)
    view.select_token(2)
    view.set_temperature(1.5)
    message.choices[0].logprobs = [entry("Hi", ("Hi", 0.7), ("Hey", 0.3))]
    message.params = {"temperature": 0.2}
    view.set_answer(message)
    assert view.heatmap.count() == 1 and view.heatmap.text(0) == "Hi"
    assert view.selected_index() == 0 and view.temperature() == 0.2


def test_arrow_keys_move_across_wrapped_rows(qtbot: QtBot) -> None:
    view = make(qtbot)
    view.resize(260, 560)
    tokens = [entry(f" word{i}", (f" word{i}", 0.9)) for i in range(30)]
    view.set_answer(Message(role="assistant", choices=[ChoiceSnapshot(logprobs=tokens)]))
    rows = [view.heatmap.token_rect(i).y() for i in range(30)]
    last_of_first_row = next(i for i in range(29) if rows[i + 1] != rows[i])
    view.select_token(last_of_first_row)
    view.heatmap.setFocus()
    QTest.keyClick(view.heatmap, Qt.Key.Key_Right)
    assert view.selected_index() == last_of_first_row + 1
    assert view.token_heading.text().startswith(f"Token {last_of_first_row + 2} of 30")
    QTest.keyClick(view.heatmap, Qt.Key.Key_Up)  # the token above, on the first row
    assert rows[view.selected_index()] == rows[0]
    QTest.keyClick(view.heatmap, Qt.Key.Key_Down)
    assert rows[view.selected_index()] == rows[last_of_first_row + 1]


def test_a_token_without_alternatives_says_so(qtbot: QtBot) -> None:
    view = make(qtbot)
    lonely = TokenLogprob(token="Hi", logprob=LN(0.8))
    view.set_answer(Message(role="assistant", choices=[ChoiceSnapshot(index=0, logprobs=[lonely])]))
    assert [(b.token, b.probability) for b in view.bars()] == [("Hi", 1.0)]
    assert "only the chosen token" in view.note.text()


def test_odd_logprobs_do_not_break_the_strip(qtbot: QtBot) -> None:
    view = make(qtbot)
    odd = [
        TokenLogprob(token="", logprob=math.nan),
        TokenLogprob(token="\n", logprob=0.5, top=[TopLogprob("x", -math.inf)]),
    ]
    view.set_answer(Message(role="assistant", choices=[ChoiceSnapshot(logprobs=odd)]))
    assert [view.heatmap.text(i) for i in range(2)] == ["∅", "↵"]
    assert "0.0% as generated" in view.token_heading.text()
    view.select_token(1)
    assert [(b.token, b.probability) for b in view.bars()] == [("\n", 1.0), ("x", 0.0)]


def test_logprobs_come_from_the_chosen_choice() -> None:
    first = ChoiceSnapshot(index=0, logprobs=[TokenLogprob(token="a", logprob=0.0)])
    second = ChoiceSnapshot(index=1, logprobs=[TokenLogprob(token="b", logprob=0.0)])
    assert logprobs_of(Message(choices=[first, second], chosen=1))[0].token == "b"
    assert logprobs_of(Message(choices=[first, second], chosen=0))[0].token == "a"
    assert logprobs_of(Message(choices=[ChoiceSnapshot(index=0)])) == []
    assert logprobs_of(Message()) == []


def test_the_chart_paints_and_explains_each_bar(qtbot: QtBot) -> None:
    chart = ProbabilityBars()
    qtbot.addWidget(chart)
    chart.resize(420, 200)
    bars = reshape(candidates(answer().choices[0].logprobs[0]), 1.0, 0.6)
    chart.set_bars(bars, 0.6)
    assert chart.height() == chart.sizeHint().height()
    image = chart.grab().toImage()
    assert not image.isNull()
    assert "This 0.0% (excluded)" in chart.accessibleDescription()
    assert "The 62.5% (chosen)" in chart.accessibleDescription()
    assert chart._row_at(chart._row_top(2) + 2) == 2  # below the cutoff band
    assert chart._row_at(0) == -1
    assert "Outside the nucleus" in chart._tooltip(bars[2])
    assert percent(0.0001) == "<0.1%" and percent(0.621) == "62.1%"
