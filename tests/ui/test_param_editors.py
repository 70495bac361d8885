"""The editors of single parameter kinds, driven as a person would drive them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QStyle, QStyleOptionSlider, QWidget
from pytestqt.qtbot import QtBot

from core.param_validation import validate
from core.params import PARAM_BY_NAME
from ui.params.editors.bool_editor import BoolEditor
from ui.params.editors.choice_editor import ChoiceEditor
from ui.params.editors.factory import EDITORS, ParamEditor, editor_for
from ui.params.editors.float_editor import FloatEditor, decimals_for
from ui.params.editors.int_editor import IntEditor, nice_stops
from ui.params.editors.json_editor import JsonEditor
from ui.params.editors.text_list_editor import TextListEditor, escape_text, unescape_text


def make(qtbot: QtBot, name: str) -> ParamEditor:
    editor = editor_for(PARAM_BY_NAME[name])
    qtbot.addWidget(editor)
    editor.resize(320, editor.sizeHint().height())
    with qtbot.waitExposed(editor):
        editor.show()
    return editor


def test_every_kind_has_an_editor() -> None:
    assert set(EDITORS) == {"float", "int", "bool", "choice", "text", "text_list", "json"}


def test_float_slider_moves_the_spin_box_and_emits(qtbot: QtBot) -> None:
    editor = make(qtbot, "temperature")
    assert isinstance(editor, FloatEditor)
    assert editor.value() == 0.7 and editor.slider.value() == 70
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.slider.setValue(153)
    assert blocker.args == [1.53]
    assert editor.spin.value() == pytest.approx(1.53)
    assert editor.value() == 1.53


def test_float_spin_box_moves_the_slider(qtbot: QtBot) -> None:
    editor = make(qtbot, "frequency_penalty")
    assert isinstance(editor, FloatEditor)
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.spin.setValue(-1.25)
    assert blocker.args == [-1.25]
    assert editor.slider.value() == 75  # (-1.25 - -2) / 0.01


def test_float_drag_with_the_mouse_changes_the_value(qtbot: QtBot) -> None:
    editor = make(qtbot, "top_p")
    assert isinstance(editor, FloatEditor)
    slider = editor.slider
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    seen: list[object] = []
    editor.value_changed.connect(seen.append)
    start = handle.center()
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for dx in range(-5, -120, -5):
        QTest.mouseMove(slider, QPoint(start.x() + dx, start.y()))
    end = QPoint(start.x() - 115, start.y())
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert len(seen) > 3, "a drag emits while it moves"
    assert seen[-1] == editor.value()
    assert editor.spin.value() < 0.9
    assert editor.spin.value() == pytest.approx(editor.value())


def test_float_keyboard_steps_by_the_spec_step(qtbot: QtBot) -> None:
    editor = make(qtbot, "temperature")
    assert isinstance(editor, FloatEditor)
    editor.slider.setFocus()
    QTest.keyClick(editor.slider, Qt.Key.Key_Right)
    assert editor.value() == 0.71


def test_int_max_tokens_slider_moves_through_round_stops_to_the_soft_maximum(
    qtbot: QtBot,
) -> None:
    editor = make(qtbot, "max_tokens")
    assert isinstance(editor, IntEditor) and editor.slider is not None
    stops = nice_stops(1, 32_768)
    assert {1, 1024, 4096, 8192, 32_768} <= set(stops)
    assert editor.slider.maximum() == len(stops) - 1
    assert stops[editor.slider.value()] == 4096
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.slider.setValue(editor.slider.maximum())
    assert blocker.args == [32_768]
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.spin.setValue(200_000)  # above the slider, within the accepted range
    assert blocker.args == [200_000]
    assert editor.slider.value() == editor.slider.maximum()
    assert editor.spin.maximum() == 1_048_576


def test_int_seed_has_no_slider_and_short_ranges_are_linear(qtbot: QtBot) -> None:
    seed = make(qtbot, "seed")
    assert isinstance(seed, IntEditor) and seed.slider is None
    assert seed.spin.maximum() == 2_147_483_647
    n = make(qtbot, "n")
    assert isinstance(n, IntEditor) and n.slider is not None
    with qtbot.waitSignal(n.value_changed) as blocker:
        n.slider.setValue(n.slider.maximum())
    assert blocker.args == [8] and n.spin.value() == 8


def test_bool_switch(qtbot: QtBot) -> None:
    editor = make(qtbot, "logprobs")
    assert isinstance(editor, BoolEditor)
    assert editor.value() is True
    with qtbot.waitSignal(editor.value_changed) as blocker:
        QTest.mouseClick(editor.false_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    assert not editor.true_button.isChecked()


def test_choice_combo(qtbot: QtBot) -> None:
    editor = make(qtbot, "reasoning_effort")
    assert isinstance(editor, ChoiceEditor)
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.combo.setCurrentText("high")
    assert blocker.args == ["high"]


def test_free_text_choice_rejects_a_bad_function_name(qtbot: QtBot) -> None:
    editor = make(qtbot, "tool_choice")
    assert isinstance(editor, ChoiceEditor) and editor.combo.isEditable()
    editor.set_suggestions(["get_weather"])
    assert editor.combo.findText("get_weather") >= 0
    with qtbot.assertNotEmitted(editor.value_changed):
        editor.combo.setEditText("not a name!")
    assert "function name" in editor.error()
    assert editor.value() == "auto"
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.combo.setEditText("get_weather")
    assert blocker.args == ["get_weather"] and editor.error() == ""


def test_invalid_json_shows_the_error_and_is_not_applied(qtbot: QtBot) -> None:
    editor = make(qtbot, "tools")
    assert isinstance(editor, JsonEditor)
    before = editor.value()
    error_label = editor.findChild(QLabel, "paramError")
    with qtbot.assertNotEmitted(editor.value_changed):
        editor.text_edit.setPlainText('[{"type": "function", "function": {"name": "x"}')
    assert "not valid JSON" in editor.error() and "line 1" in editor.error()
    assert error_label is not None and error_label.isVisible()
    assert error_label.text() == editor.error()
    assert editor.value() == before
    assert not editor.format_button.isEnabled()
    with qtbot.assertNotEmitted(editor.value_changed):
        editor.text_edit.setPlainText('[{"type": "function", "function": {"name": "two words"}}]')
    assert "function name" in editor.error()
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.text_edit.setPlainText('[{"type":"function","function":{"name":"lookup"}}]')
    assert blocker.args == [[{"type": "function", "function": {"name": "lookup"}}]]
    assert not error_label.isVisible()
    editor.format_text()
    assert '\n  {\n    "type": "function"' in editor.text_edit.toPlainText()


def test_json_editor_is_monospace(qtbot: QtBot) -> None:
    editor = make(qtbot, "tools")
    assert isinstance(editor, JsonEditor)
    assert editor.text_edit.fontInfo().fixedPitch()


def test_stop_list_is_limited_to_four(qtbot: QtBot) -> None:
    editor = make(qtbot, "stop")
    assert isinstance(editor, TextListEditor)
    assert len(editor.lines) == 1 and editor.value() == []
    for _ in range(6):
        editor.add_line()
    assert len(editor.lines) == 4
    assert not editor.add_button.isEnabled()
    for line, text in zip(editor.lines, ["END", "", "\\n\\n", "###"], strict=True):
        QTest.keyClicks(line, text)
    assert editor.value() == ["END", "\n\n", "###"]
    assert validate("stop", editor.value()) == ["END", "\n\n", "###"]
    with qtbot.waitSignal(editor.value_changed) as blocker:
        editor.remove_line(0)
    assert blocker.args == [["\n\n", "###"]]
    assert editor.add_button.isEnabled() and len(editor.lines) == 3


def test_stop_list_shows_a_loaded_value_with_escapes(qtbot: QtBot) -> None:
    editor = make(qtbot, "stop")
    assert isinstance(editor, TextListEditor)
    with qtbot.assertNotEmitted(editor.value_changed):
        editor.set_value(["a\nb", "c"])
    assert [line.text() for line in editor.lines] == ["a\\nb", "c"]
    assert editor.value() == ["a\nb", "c"]


@pytest.mark.parametrize("text", ["", "plain", "a\nb", "tab\there", "back\\slash", "\\n literal"])
def test_escape_round_trip(text: str) -> None:
    assert unescape_text(escape_text(text)) == text
    assert "\n" not in escape_text(text)


def test_decimals_for_steps() -> None:
    assert [decimals_for(s) for s in (1, 0.5, 0.1, 0.01, 0.05, 0.001)] == [0, 1, 1, 2, 2, 3]


def _wheel(widget: QWidget) -> QWheelEvent:
    center = QPointF(widget.rect().center())
    return QWheelEvent(
        center,
        QPointF(widget.mapToGlobal(center.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )


def test_wheel_scrolls_past_an_unfocused_slider(qtbot: QtBot) -> None:
    editor = make(qtbot, "temperature")
    assert isinstance(editor, FloatEditor)
    with qtbot.waitActive(editor):
        editor.activateWindow()
    editor.spin.setFocus()
    QApplication.sendEvent(editor.slider, _wheel(editor.slider))
    assert editor.slider.value() == 70, "the wheel scrolls the panel, not the value"
    editor.slider.setFocus()
    assert editor.slider.hasFocus()
    QApplication.sendEvent(editor.slider, _wheel(editor.slider))
    assert editor.slider.value() != 70
