"""The sweep form and the sweep results, driven as a person would drive them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from core.sweep import MAX_REQUESTS, cell_stats
from ui.common.tone import tone_color
from ui.eval.sweep_panel import RUN_TEXT, STOP_TEXT, SweepPanel
from ui.eval.sweep_results import DASH, SweepResults


def make_panel(qtbot: QtBot, model: str = "gpt-4o-mini") -> SweepPanel:
    panel = SweepPanel()
    qtbot.addWidget(panel)
    panel.set_model(model)
    panel.resize(480, 420)
    with qtbot.waitExposed(panel):
        panel.show()
    return panel


def type_into(field, text: str) -> None:
    field.selectAll()
    QTest.keyClicks(field, text)


def is_red(label) -> bool:
    return label.palette().color(label.foregroundRole()) == tone_color(label.palette(), "error")


def test_valid_values_summarise_and_run(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    assert panel.model_label.text() == "gpt-4o-mini"
    assert panel.axis1_combo.currentText() == "Temperature"
    assert panel.axis1_combo.currentData() == "temperature"
    type_into(panel.axis1_values, "0:1.5:0.5")
    panel.repeats.setValue(2)
    assert panel.summary.text() == "4 columns × 2 repeats = 8 requests"
    assert panel.axis1_error.isHidden()
    assert panel.run_button.isEnabled() and panel.run_button.text() == RUN_TEXT
    assert panel.axis2_combo.isHidden() and panel._axis2_box.isHidden()

    with qtbot.waitSignal(panel.run_requested) as blocker:
        QTest.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [[("temperature", [0.0, 0.5, 1.0, 1.5])], 2]


def test_enter_in_the_values_field_runs(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.axis1_combo.setCurrentIndex(panel.axis1_combo.findData("max_tokens"))
    type_into(panel.axis1_values, "256 512")
    assert panel.summary.text() == "2 columns × 1 repeat = 2 requests"
    with qtbot.waitSignal(panel.run_requested) as blocker:
        QTest.keyClick(panel.axis1_values, Qt.Key.Key_Return)
    assert blocker.args == [[("max_tokens", [256, 512])], 1]


def test_invalid_values_show_a_red_message_and_disable_run(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    type_into(panel.axis1_values, "0, 0.5, abc")
    assert panel.axis1_error.isVisible()
    assert panel.axis1_error.text() == "Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5."
    assert is_red(panel.axis1_error)
    assert not panel.run_button.isEnabled()
    with qtbot.assertNotEmitted(panel.run_requested):
        QTest.keyClick(panel.axis1_values, Qt.Key.Key_Return)

    type_into(panel.axis1_values, "0.5, 3")
    assert panel.axis1_error.text() == "Temperature must be between 0 and 2; 3 is not."
    type_into(panel.axis1_values, "0.5, 1")
    assert panel.axis1_error.isHidden() and panel.run_button.isEnabled()

    # A value that fits one parameter may not fit the next one picked.
    type_into(panel.axis1_values, "1.5")
    panel.axis1_combo.setCurrentIndex(panel.axis1_combo.findData("top_p"))
    assert panel.axis1_error.text() == "Top P must be between 0 and 1; 1.5 is not."
    assert not panel.run_button.isEnabled()


def test_a_grid_summary_and_its_limits(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    type_into(panel.axis1_values, "0, 0.7, 1.4")
    panel.grid_check.setChecked(True)
    assert panel.axis2_combo.isVisible() and panel.axis2_values.isVisible()
    assert panel.axis2_combo.currentData() == "top_p"
    type_into(panel.axis2_values, "0.5, 0.9, 1")
    panel.repeats.setValue(2)
    assert panel.summary.text() == "3 rows × 3 columns × 2 repeats = 18 requests"
    with qtbot.waitSignal(panel.run_requested) as blocker:
        panel.run_button.click()
    assert blocker.args == [[("temperature", [0.0, 0.7, 1.4]), ("top_p", [0.5, 0.9, 1.0])], 2]

    panel.repeats.setValue(5)  # 45 requests
    assert panel.run_button.isEnabled()
    type_into(panel.axis2_values, "0.2, 0.5, 0.9, 1")  # 60 requests
    assert panel.summary.text() == (
        f"That sweep needs 60 requests; the most is {MAX_REQUESTS}. Use fewer values or repeats."
    )
    assert is_red(panel.summary) and not panel.run_button.isEnabled()

    panel.axis2_combo.setCurrentIndex(panel.axis2_combo.findData("temperature"))
    type_into(panel.axis2_values, "1")
    assert panel.summary.text() == "Sweep two different parameters, not Temperature twice."

    type_into(panel.axis2_values, "x")
    assert panel.axis2_error.isVisible() and not panel.run_button.isEnabled()
    panel.grid_check.setChecked(False)  # the second parameter no longer counts
    assert panel.axis2_error.isHidden() and panel.run_button.isEnabled()
    assert panel.summary.text() == "3 columns × 5 repeats = 15 requests"


def test_no_model_no_run(qtbot: QtBot) -> None:
    panel = make_panel(qtbot, model="")
    assert panel.model_label.text() == "No model chosen"
    assert not panel.run_button.isEnabled()
    assert panel.summary.text().endswith("Choose a model to sweep.")
    panel.set_model("llama")
    assert panel.run_button.isEnabled()


def test_running_locks_the_inputs_and_the_button_stops(qtbot: QtBot) -> None:
    panel = make_panel(qtbot)
    panel.grid_check.setChecked(True)
    panel.set_running(True)
    assert panel.is_running()
    assert panel.run_button.text() == STOP_TEXT and panel.run_button.isEnabled()
    for widget in (panel.axis1_combo, panel.axis1_values, panel.grid_check, panel.repeats):
        assert not widget.isEnabled()
    assert not panel.axis2_values.isEnabled()
    with qtbot.waitSignal(panel.stop_requested), qtbot.assertNotEmitted(panel.run_requested):
        panel.run_button.click()

    panel.set_running(False)
    assert panel.run_button.text() == RUN_TEXT and panel.axis1_values.isEnabled()
    with qtbot.waitSignal(panel.run_requested):
        panel.run_button.click()


# --- results --------------------------------------------------------------------------


def make_results(qtbot: QtBot) -> SweepResults:
    results = SweepResults()
    qtbot.addWidget(results)
    results.resize(640, 320)
    with qtbot.waitExposed(results):
        results.show()
    return results


def row(results: SweepResults, index: int) -> list[str]:
    table = results.table
    return [table.item(index, column).text() for column in range(table.columnCount())]


def test_results_show_status_and_stats(qtbot: QtBot) -> None:
    results = make_results(qtbot)
    results.set_cells(["temperature 0", "temperature 1"])
    assert results.table.rowCount() == 2
    assert row(results, 0) == ["temperature 0", "", "", "", "", "", "Waiting"]
    assert not results._toggle_bar.isVisible()

    results.set_cell_status(0, "streaming")
    assert row(results, 0)[-1] == "Streaming…" and results.status(0) == "streaming"
    texts = ["The cat sat.", "The dog ran."]
    results.set_cell_texts(0, texts)
    results.set_cell_status(0, "done")
    stats = cell_stats(texts)
    assert results.stats(0) == stats
    # 12 chars each; 3 words each; tokens: the cat sat . | the dog ran .
    assert row(results, 0) == ["temperature 0", "12", "3", "0.75", "1.00", "0.80", "Done"]
    assert stats.pairwise_similarity == pytest.approx(0.2)  # {the} of 5 words

    results.set_cell_texts(1, ["Hi there, friend"])
    results.set_cell_status(1, "error")
    assert row(results, 1) == ["temperature 1", "16", "3", "1.00", "1.00", DASH, "Error"]
    error = results.table.item(1, 6)
    assert error.foreground().color() == tone_color(results.palette(), "error")

    with pytest.raises(ValueError):
        results.set_cell_status(0, "finished")


def test_results_grid_view(qtbot: QtBot) -> None:
    results = make_results(qtbot)
    labels = [f"temperature {t} · top_p {p}" for t in (0, 1) for p in (0.5, 1)]
    results.set_cells(labels)
    with pytest.raises(ValueError):
        results.set_grid(["temperature 0"], ["top_p 0.5", "top_p 1"])
    results.set_grid(["temperature 0", "temperature 1"], ["top_p 0.5", "top_p 1"])
    assert results._toggle_bar.isVisible() and not results.is_grid_shown()

    results.grid_button.click()
    assert results.is_grid_shown() and results.grid.isVisible()
    assert results.grid.verticalHeaderItem(1).text() == "temperature 1"
    assert results.grid.horizontalHeaderItem(0).text() == "top_p 0.5"
    assert results.grid_text(0, 0) == ""

    results.set_cell_texts(1, ["a b", "a c"])  # row 0, column 1
    results.set_cell_texts(2, ["one"])  # row 1, column 0: a single answer
    assert results.grid_text(0, 1) == "0.67"  # 1 − |{a}| / |{a, b, c}|
    assert results.grid_text(1, 0) == DASH
    assert results.grid.item(0, 1).toolTip() == labels[1]

    results.metric_combo.setCurrentIndex(1)  # mean length
    assert results.grid_text(0, 1) == "3" and results.grid_text(1, 0) == "3"

    results.table_button.click()
    assert not results.is_grid_shown()
    results.show_grid(True)
    assert results.is_grid_shown()

    results.set_cells(["temperature 0"])  # a new 1-D sweep drops the grid
    assert not results._toggle_bar.isVisible() and not results.is_grid_shown()
