"""The parameter panel: generated rows, sent / not sent, model markers, presets, emission."""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from core.params import GROUPS, PARAMS, default_values
from core.request import build_body
from ui.params.editors.float_editor import FloatEditor
from ui.params.editors.json_editor import JsonEditor
from ui.params.panel import EMIT_INTERVAL_MS, ParamsPanel

MESSAGES = [{"role": "user", "content": "hi"}]


def make_panel(qtbot: QtBot) -> ParamsPanel:
    panel = ParamsPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 900)
    with qtbot.waitExposed(panel):
        panel.show()
    return panel


def slider(panel: ParamsPanel, name: str) -> FloatEditor:
    editor = panel.rows[name].editor
    assert isinstance(editor, FloatEditor)
    return editor


def test_rows_are_generated_from_params_in_group_order(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    assert set(panel.rows) == {spec.name for spec in PARAMS}
    assert list(panel.groups) == list(GROUPS)
    for spec in PARAMS:
        row = panel.rows[spec.name]
        assert row.parent() is panel.groups[spec.group].body
        assert html.escape(spec.help) in row.info.toolTip()
    assert panel.groups["Sampling"].is_expanded()
    assert not panel.groups["Tools"].is_expanded()
    panel.groups["Tools"].header.click()
    assert panel.groups["Tools"].is_expanded() and panel.rows["tools"].isVisible()


def test_a_new_panel_holds_the_defaults(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    assert panel.values() == default_values()
    assert panel.summary_text() == "2 parameters set"
    assert not panel.reset_all_button.isEnabled()


def test_turning_a_field_on_and_off_reaches_the_request_body(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    row = panel.rows["temperature"]
    assert not row.editor.isEnabled()
    assert row.hint.text() == "Not sent: the server uses 1."
    with qtbot.waitSignal(panel.params_changed) as blocker:
        QTest.mouseClick(
            row.toggle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(6, 6)
        )
    assert blocker.args == [{**default_values(), "temperature": 0.7}]
    assert row.editor.isEnabled() and not row.hint.isVisible()
    assert build_body("gpt-4o", MESSAGES, panel.values()).body["temperature"] == 0.7

    with qtbot.waitSignal(panel.params_changed) as blocker:
        row.set_sent(False)
    assert "temperature" not in blocker.args[0]
    assert "temperature" not in panel.values()
    assert "temperature" not in build_body("gpt-4o", MESSAGES, panel.values()).body
    assert not row.editor.isEnabled()
    assert row.hint.isVisible() and "server uses 1" in row.hint.text()


def test_clicking_a_greyed_editor_turns_the_field_on(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    row = panel.rows["top_p"]
    with qtbot.waitSignal(panel.params_changed) as blocker:
        QTest.mouseClick(
            row,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            row.editor.geometry().center(),
        )
    assert blocker.args[0]["top_p"] == 0.9
    assert row.is_sent() and row.editor.isEnabled()


def test_a_drag_is_coalesced_and_ends_on_the_last_value(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.rows["temperature"].set_sent(True)
    panel.flush()
    emitted: list[dict[str, object]] = []
    panel.params_changed.connect(emitted.append)
    editor = slider(panel, "temperature")
    for position in range(100, 160):
        editor.slider.setValue(position)
    qtbot.waitUntil(lambda: bool(emitted))
    qtbot.wait(EMIT_INTERVAL_MS * 3)
    assert len(emitted) == 1
    assert emitted[-1]["temperature"] == 1.59
    assert panel.values()["temperature"] == 1.59


def test_set_values_does_not_emit(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    values = {"temperature": 0.2, "stop": ["END"], "logprobs": True, "top_logprobs": 3}
    with qtbot.assertNotEmitted(panel.params_changed, wait=EMIT_INTERVAL_MS * 3):
        panel.set_values(values)
    assert panel.values() == values
    assert slider(panel, "temperature").slider.value() == 20
    assert not panel.rows["stream"].is_sent()


def test_set_values_leaves_out_what_a_field_does_not_accept(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_values({"temperature": 9.0, "top_p": 0.5, "no_such_field": 1})
    assert panel.values() == {"top_p": 0.5}


def test_reset_and_reset_all(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_values({"temperature": 1.3, "stream": False})
    temperature = panel.rows["temperature"]
    assert temperature.reset_button.isEnabled()
    with qtbot.waitSignal(panel.params_changed) as blocker:
        QTest.mouseClick(temperature.reset_button, Qt.MouseButton.LeftButton)
    assert "temperature" not in blocker.args[0]
    assert not temperature.reset_button.isEnabled()
    assert slider(panel, "temperature").value() == 0.7  # back to the app default
    with qtbot.waitSignal(panel.params_changed) as blocker:
        panel.reset_all_button.click()
    assert blocker.args == [default_values()]
    assert not panel.reset_all_button.isEnabled()


def test_invalid_tools_json_is_not_applied(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.groups["Tools"].set_expanded(True)
    row = panel.rows["tools"]
    row.set_sent(True)
    editor = row.editor
    assert isinstance(editor, JsonEditor)
    good = panel.values()["tools"]
    panel.flush()
    with qtbot.assertNotEmitted(panel.params_changed, wait=EMIT_INTERVAL_MS * 3):
        editor.text_edit.setPlainText("[{")
    assert panel.values()["tools"] == good
    error = editor.findChild(QLabel, "paramError")
    assert error is not None and error.isVisible() and "not valid JSON" in error.text()
    body = build_body("gpt-4o", MESSAGES, panel.values()).body
    assert body["tools"] == good


def test_requires_keeps_top_logprobs_disabled_until_logprobs_is_on(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    top = panel.rows["top_logprobs"]
    assert not top.toggle.isEnabled()
    assert top.hint.text() == "Only sent when Log probabilities is on."
    panel.rows["logprobs"].set_sent(True)
    assert top.toggle.isEnabled()
    top.set_sent(True)
    assert top.editor.isEnabled()
    assert panel.rows["tool_choice"].hint.text() == "Only sent when Tools is set."


def test_gpt5_marks_temperature_unsupported_and_max_tokens_renamed(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_values({**default_values(), "temperature": 0.5})
    panel.set_model("gpt-5")
    temperature = panel.rows["temperature"]
    assert temperature.is_struck() and temperature.toggle.font().strikeOut()
    assert "⊘" in temperature.marker.text() and temperature.marker.isVisible()
    assert "reject temperature" in temperature.marker.toolTip()
    assert temperature.hint.text().startswith("Not sent to gpt-5:")
    max_tokens = panel.rows["max_tokens"]
    assert "⇄" in max_tokens.marker.text()
    assert "max_completion_tokens" in max_tokens.marker.toolTip()
    assert not max_tokens.is_struck()
    assert panel.summary_text() == "3 parameters set · 1 not sent to gpt-5 (temperature)"

    panel.set_model("gpt-4o")
    assert not temperature.is_struck() and not temperature.marker.isVisible()
    assert panel.summary_text() == "3 parameters set"


def test_clamped_temperature_is_explained(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_model("claude-sonnet-4-5")
    panel.set_values({"temperature": 1.5})
    row = panel.rows["temperature"]
    assert "⇥" in row.marker.text()
    assert row.hint.text() == "1.5 is sent to claude-sonnet-4-5 as 1: it takes 0 to 1."
    slider(panel, "temperature").slider.setValue(80)
    assert not row.hint.isVisible()


def test_exclusive_field_is_struck_only_when_dropped(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_model("claude-sonnet-4-5")
    panel.set_values({"top_p": 0.5})
    top_p = panel.rows["top_p"]
    assert "⊘" in top_p.marker.text() and not top_p.is_struck()
    panel.rows["temperature"].set_sent(True)
    assert top_p.is_struck()
    assert "(top_p)" in panel.summary_text()


def test_tool_choice_offers_the_tool_names_and_checks_them(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.rows["tools"].set_sent(True)
    choice = panel.rows["tool_choice"].editor
    assert choice.combo.findText("get_weather") >= 0  # type: ignore[attr-defined]
    panel.set_values({"tools": panel.rows["tools"].value(), "tool_choice": "missing"})
    assert "no tool of that name" in choice.error()


def test_presets_row_emits_requests(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    bar = panel.presets
    assert not bar.delete_button.isEnabled()
    panel.set_presets(["Focused", "Creative"])
    assert [bar.combo.itemText(i) for i in range(bar.combo.count())] == ["Focused", "Creative"]
    with qtbot.waitSignal(panel.preset_load_requested) as blocker:
        bar.combo.activated.emit(1)
    assert blocker.args == ["Creative"]

    bar.combo.setCurrentIndex(1)
    QTest.mouseClick(bar.save_as_button, Qt.MouseButton.LeftButton)
    assert bar.name_edit.isVisible() and bar.name_edit.text() == "Creative"
    assert bar.save_button.text() == "Replace"
    bar.name_edit.clear()
    QTest.keyClicks(bar.name_edit, "  Precise ")
    assert bar.save_button.text() == "Save"
    with qtbot.waitSignal(panel.preset_save_requested) as blocker:
        QTest.keyClick(bar.name_edit, Qt.Key.Key_Return)
    assert blocker.args == ["Precise"] and not bar.name_edit.isVisible()
    panel.set_presets(["Creative", "Focused", "Precise"])
    assert bar.current_preset() == "Precise"

    QTest.mouseClick(bar.save_as_button, Qt.MouseButton.LeftButton)
    with qtbot.assertNotEmitted(panel.preset_save_requested):
        QTest.keyClick(bar.name_edit, Qt.Key.Key_Escape)
    assert not bar.name_edit.isVisible()

    with qtbot.assertNotEmitted(panel.preset_delete_requested):
        QTest.mouseClick(bar.delete_button, Qt.MouseButton.LeftButton)
    assert "Precise" in bar.delete_button.text()
    with qtbot.waitSignal(panel.preset_delete_requested) as blocker:
        QTest.mouseClick(bar.delete_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["Precise"]


def test_group_header_counts_the_fields_set(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.set_values({"temperature": 0.3, "top_p": 0.5, "stop": ["x"]})
    assert panel.groups["Sampling"].header.text() == "Sampling  ·  2 set"
    assert panel.groups["Length"].header.text() == "Length  ·  1 set"
    assert panel.groups["Tools"].header.text() == "Tools"
