"""The Sweep tab in the assembled window: a sweep is an evaluation whose columns are the
grid's points, from a chat's prompt or over an evaluation's test set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from core.eval.assertions import from_line
from core.eval.model import Config, Row, TestSet
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly


@pytest.fixture
async def assembly(gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as built:
        yield built


def _type(field, text: str) -> None:  # type: ignore[no-untyped-def]
    field.selectAll()
    QTest.keyClicks(field, text)


async def test_a_sweep_from_a_chat_runs_its_prompt_as_an_evaluation(
    assembly: Assembly, gateway
) -> None:
    window, tab = assembly.window, assembly.sweep_tab
    window.set_model("gpt-4o")
    assert tab.panel.model_label.text() == "gpt-4o"  # the model of the page on screen
    window.composer.set_text("sweep me")
    _type(tab.panel.axis1_values, "0, 1, 1.5")
    assert tab.panel.summary.text() == "3 columns × 1 repeat = 3 requests"
    QTest.mouseClick(tab.panel.run_button, Qt.MouseButton.LeftButton)
    assert window.page is assembly.eval_page
    assert window.composer.text() == ""
    evaluations = assembly.evaluations
    await wait_until(lambda: not evaluations.busy(), 30)
    assert sorted(r.body["temperature"] for r in gateway.chat_requests()) == [0.0, 1.0, 1.5]
    run = evaluations.run
    assert run is not None and [r.prompt for r in run.testset.rows] == ["sweep me"]
    assert [c.sweep for c in run.configs] == [
        {"temperature": 0.0},
        {"temperature": 1.0},
        {"temperature": 1.5},
    ]
    assert run.configs[0].name == "gpt-4o · temperature 0"
    assert evaluations.counts() == (3, 0, 3)
    tab.refresh()
    assert [tab.results.status(i) for i in range(3)] == ["done"] * 3
    assert tab.results.stats(0) is not None and tab.hint.isHidden()


async def test_a_grid_sweep_with_repeats_groups_answers_per_point(
    assembly: Assembly, gateway
) -> None:
    window, tab = assembly.window, assembly.sweep_tab
    window.set_model("gpt-4o")
    window.composer.set_text("grid")
    window.run_sweep([("temperature", [0.0, 1.0]), ("top_p", [0.5, 1.0])], 2)
    evaluations = assembly.evaluations
    await wait_until(lambda: not evaluations.busy(), 30)
    pairs = sorted((r.body["temperature"], r.body["top_p"]) for r in gateway.chat_requests())
    assert pairs == sorted([(t, p) for t in (0.0, 1.0) for p in (0.5, 1.0)] * 2)
    tab.refresh()
    results = tab.results
    for point in range(4):
        assert results.status(point) == "done"
        stats = results.stats(point)
        assert stats is not None and stats.count == 2
    assert results.grid_text(1, 1)
    results.metric_combo.setCurrentIndex(results.metric_combo.findText("Mean length (chars)"))
    assert results.grid_text(0, 0).replace(",", "").isdigit()
    # the matrix of the same run: one row, one column per point, two repeats each
    page = assembly.eval_page
    assert (page.results.matrix_model.rowCount(), page.results.matrix_model.columnCount()) == (1, 4)


async def test_on_an_evaluation_the_sweep_replaces_its_columns_and_asks_its_rows(
    assembly: Assembly, gateway, qtbot
) -> None:
    window, tab, page = assembly.window, assembly.sweep_tab, assembly.eval_page
    undo: list[object] = []
    assembly.notifier.undo_offered.connect(lambda text, callback: undo.append(callback))
    window.new_evaluation()
    france = Row(prompt="Capital of France?", asserts=[from_line("contains: France")])
    rows = [france, Row(prompt="Hi")]
    page.set_testset(TestSet(rows=rows), [Config(name="by hand", model="gpt-4o-mini")])
    page.changed.emit()
    assert tab.panel.model_label.text() == "gpt-4o-mini"
    _type(tab.panel.axis1_values, "0.2 0.8")
    assert tab.panel.summary.text() == "2 prompts × 2 columns × 1 repeat = 4 requests"

    page.configs_editor.bar.buttons["sweep"].click()  # the Columns tab's Sweep…
    assert window.right.currentWidget() is tab
    QTest.mouseClick(tab.panel.run_button, Qt.MouseButton.LeftButton)
    assert [c.sweep for c in page.configs] == [{"temperature": 0.2}, {"temperature": 0.8}]
    box = next(b for b in page.widget.findChildren(QMessageBox) if b.isVisible())
    assert "4 requests" in box.text()  # the run asks first, with its estimate
    box.button(QMessageBox.StandardButton.Ok).click()
    await wait_until(lambda: assembly.evaluations.run is not None)
    await wait_until(lambda: not assembly.evaluations.busy(), 30)
    assert sorted(
        (r.body["messages"][-1]["content"], r.body["temperature"]) for r in gateway.chat_requests()
    ) == [
        ("Capital of France?", 0.2),
        ("Capital of France?", 0.8),
        ("Hi", 0.2),
        ("Hi", 0.8),
    ]
    tab.refresh()
    stats = tab.results.stats(0)
    assert stats is not None and stats.count == 2  # the two rows' answers at 0.2
    assert len(undo) == 1
    undo[0]()  # type: ignore[operator]
    assert [c.name for c in page.configs] == ["by hand"]


async def test_a_sweep_needs_a_prompt_and_no_images(assembly: Assembly, gateway) -> None:
    window = assembly.window
    notices: list[str] = []
    assembly.notifier.posted.connect(lambda n: notices.append(n.text))
    window.set_model("gpt-4o")
    window.composer.set_text("   ")
    window.run_sweep([("temperature", [0.0, 1.0])], 1)
    assert window.page is not assembly.eval_page
    assert any("Write the prompt to sweep" in t for t in notices)
    assert gateway.chat_requests() == []


async def test_a_sweep_with_repeats_tells_an_effect_from_noise(assembly: Assembly, gateway) -> None:
    window, tab = assembly.window, assembly.sweep_tab
    window.set_model("gpt-4o")
    window.composer.set_text("noise")
    # temperature 0 repeats itself exactly; 1.5 varies: the values differ beyond the noise
    window.run_sweep([("temperature", [0.0, 1.5])], 3)
    evaluations = assembly.evaluations
    await wait_until(lambda: not evaluations.busy(), 30)
    assert len(gateway.chat_requests()) == 6
    tab.refresh()
    results = tab.results
    check = results.noise()
    assert check.within is not None and check.between is not None
    assert check.between > check.within
    text = results.noise_label.text()
    assert text.startswith("Diversity between values") and "among repeats of one value" in text
    assert results.effect_against_first(1).startswith("Diversity against the first value")
