"""The evaluation page, driven as a person would against the loopback gateway: import,
run rows × columns × repeats, grade by assertions, a judge and by hand, filter, export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.eval.model import Config, Run
from core.eval.store import EvalStore
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.eval.files import export_results, export_testset

CSV = """prompt,country,__expected
Capital of {{country}}?,France,contains: France
Capital of {{country}}?,Spain,contains: Spain
Capital of {{country}}?,Japan,icontains: JAPAN
Capital of {{country}}?,Peru,contains: Lima
Say {{word}} please,Chile,
"""
PROMPTFOO = """
description: Greetings
prompts: ["Greet {{name}}"]
providers: [openai:gpt-4o-mini, {id: "openai:model-a", config: {temperature: 0.5}}]
tests:
  - vars: {name: Ada}
    assert: [{type: contains, value: Ada}]
  - vars: {name: Bob}
"""


def _notices(assembly) -> list[str]:  # type: ignore[no-untyped-def]
    texts: list[str] = []
    assembly.notifier.posted.connect(lambda n: texts.append(n.text))
    return texts


async def test_import_run_grade_filter_and_export(qapp, qtbot: QtBot, gateway, tmp_path: Path):
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        notices = _notices(assembly)
        window.menu_actions["new_eval"].trigger()
        page = window.page
        assert page is assembly.eval_page
        assert window.menu_actions["export_md"].isEnabled() is False
        assert "Export results" in window.menu_actions["export_md"].toolTip()

        bad = tmp_path / "bad.csv"
        bad.write_text("question,answer\nq,a\n")
        assert page.import_path(bad) is None
        assert any("no “prompt” column" in t for t in notices)

        source = tmp_path / "capitals.csv"
        source.write_text(CSV)
        page.import_path(source)
        assert len(page.testset.rows) == 5
        assert page.problems() == [
            "Row 5: The prompt uses {{word}}, but the row has no value for it."
        ]
        assert "{{word}}" in page.rows_editor.table.item(4, 5).text()

        page.configs_editor.set_configs(
            [
                Config(name="mini", model="gpt-4o-mini"),
                Config(name="a hot", model="model-a", params={"temperature": 1.2}),
                Config(name="missing", model="no-such-model"),
            ]
        )
        page.configs_editor.edited.emit()
        page.repeats.setValue(2)
        page.judge_model.setText("judge")
        assert "30 requests" in page.results.estimate_label.text()
        assert "cost unknown" in page.results.estimate_label.text()

        assert page.start_run(confirm=False)
        controller = assembly.evaluations
        await wait_until(lambda: not controller.busy(), 30)
        run = controller.run
        assert run is not None
        done, failed, total = controller.counts()
        assert total == 30
        # 8 answers per good column (row 5 cannot be sent), the missing model fails
        assert (done, failed) == (16, 14)
        sent = [r for r in gateway.chat_requests() if not r.body["model"].startswith("judge")]
        assert len(sent) == 24  # row 5's 6 cells never left: its template has no value
        row5 = [c for c in run.cells if c.row_id == run.testset.rows[4].id]
        assert all("{{word}}" in c.problem for c in row5)
        missing = [c for c in run.cells if c.config_id == run.configs[2].id and not c.problem]
        assert all(c.answer and c.answer.status == "error" for c in missing)
        assert "no-such-model" in (missing[0].answer.error.message + missing[0].answer.error.detail)

        # assertions: rows 1–3 pass (the echo contains the country), row 4 fails
        mini = run.configs[0].id
        verdicts = [
            [k.passed for k in c.checks] for c in run.cells if c.config_id == mini and c.checks
        ]
        assert verdicts == [[True]] * 6 + [[False]] * 2
        # the judge scored every answer (no expected answer: 0.5)
        judged = [c for c in run.cells if c.answer and c.answer.status == "done"]
        assert all(c.judge is not None and c.judge.score == 0.5 for c in judged)

        # a malformed judge is shown as such, never as a score
        page.judge_model.setText("judge-malformed")
        page.judge_now()
        await wait_until(lambda: not controller.busy(), 30)
        assert all(c.judge and c.judge.score is None and c.judge.problem for c in judged)
        index = page.results.matrix_model.index(0, 0)
        assert "judge: malformed" in page.results.matrix_model.data(index)

        # by hand: open the cell with Enter and grade it by keyboard
        page.results.matrix.setFocus()
        page.results.matrix.setCurrentIndex(index)
        qtbot.keyClick(page.results.matrix, Qt.Key.Key_Return)
        assert page.results.dialog.isVisible()
        qtbot.keyClick(page.results.dialog, Qt.Key.Key_Plus)
        qtbot.keyClick(page.results.dialog, Qt.Key.Key_4)
        cell = page.results.dialog.cells[0]
        assert cell.human is not None and (cell.human.thumb, cell.human.score) == (1, 4)
        qtbot.keyClick(page.results.dialog, Qt.Key.Key_N)
        assert page.results.matrix.currentIndex().column() == 1
        page.results.dialog.close()

        # filters
        page.results.filter.setCurrentIndex(page.results.filter.findData("failing"))
        assert page.results.matrix_model.rowCount() == 5  # the missing model fails everywhere
        page.results.filter.setCurrentIndex(page.results.filter.findData("disagree"))
        assert page.results.matrix_model.rowCount() == 3  # rows 1–3: mini and a pass, missing fails
        page.results.variable.setCurrentIndex(page.results.variable.findData("country=Peru"))
        assert page.results.matrix_model.rowCount() == 0
        page.results.filter.setCurrentIndex(page.results.filter.findData("all"))
        assert page.results.matrix_model.rowCount() == 1

        # the summary row per configuration
        summary = page.results.summary.table
        assert summary.rowCount() == 3
        assert summary.item(0, 0).text() == "mini"
        # 6 of 10 pass: row 4's answers lack "Lima", row 5 could not be sent
        await wait_until(lambda: summary.item(0, 1).text() == "60%")
        assert summary.item(2, 1).text() == "0%"

        # export
        assert b"Capital of France?" in export_results(page, ".csv")
        assert b"## Summary" in export_results(page, ".md")
        assert b'"cells"' in export_results(page, ".json")
        assert export_testset(page, ".csv").startswith(b"prompt,")

        # re-run only the failed cells: the missing model again, not the good answers
        before = len(gateway.chat_requests())
        page.rerun_failed()
        await wait_until(lambda: not controller.busy(), 30)
        again = gateway.chat_requests()[before:]
        assert {r.body["model"] for r in again} == {"no-such-model"}
        assert len(again) == 8

        # the run is saved and can be opened again
        await controller.flush()
        store = EvalStore(tmp_path / "evals", fsync=False)
        saved = store.load(Run, run.id)
        assert sum(1 for c in saved.cells if c.finished) == 30


async def test_promptfoo_import_brings_rows_and_columns(qapp, gateway, tmp_path: Path):
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        window.new_evaluation()
        page = assembly.eval_page
        config = tmp_path / "promptfooconfig.yaml"
        config.write_text(PROMPTFOO)
        page.import_path(config)
        assert [r.vars for r in page.testset.rows] == [{"name": "Ada"}, {"name": "Bob"}]
        assert [c.model for c in page.configs] == ["gpt-4o-mini", "model-a"]
        assert page.start_run(confirm=False)
        controller = assembly.evaluations
        await wait_until(lambda: not controller.busy(), 30)
        assert controller.counts() == (4, 0, 4)
        temps = sorted(str(r.body.get("temperature")) for r in gateway.chat_requests())
        assert temps == ["0.5", "0.5", "None", "None"]
