"""An evaluation run meeting what servers do: a 429 with Retry-After holds the endpoint,
a refused row's request (400) is a message at its cell, identical requests come from the
cache only when it is on, and a judge picks the best answer of each row."""

from __future__ import annotations

from pathlib import Path

from core.eval.model import Config, Row, TestSet
from tests.gateway import Gateway, Reply
from tests.gateway.replies import error_body
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly
from ui.eval.page import EvalPage


def _page(assembly: Assembly, rows: list[Row], configs: list[Config]) -> EvalPage:
    assembly.window.new_evaluation()
    page = assembly.eval_page
    page.set_testset(TestSet(name="Faults", rows=rows), configs)
    return page


def _texts(page: EvalPage) -> list[str]:
    model = page.results.matrix_model
    return [
        str(model.data(model.index(r, c)))
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    ]


async def _run(assembly: Assembly, page: EvalPage) -> None:
    assert page.start_run(confirm=False)
    await wait_until(lambda: not assembly.evaluations.busy(), 30)


async def test_a_429_holds_the_endpoint_for_its_retry_after(
    qapp, gateway: Gateway, tmp_path: Path
) -> None:
    gateway.delay = 0.01
    slow_down = error_body("Rate limit reached for requests.", code="rate_limit_exceeded")
    gateway.push(Reply.error(429, slow_down, headers={"Retry-After": "1"}))
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        rows = [Row(prompt=f"Question {n}") for n in range(4)]
        page = _page(assembly, rows, [Config(name=m, model=m) for m in ("model-a", "model-b")])
        page.concurrency.setValue(3)
        assert page.start_run(confirm=False)
        await wait_until(
            lambda: "asked to slow down (429)" in page.results.progress_label.text(), 10
        )
        shown = _texts(page)
        assert "answering…" in shown and "queued" in shown
        await wait_until(lambda: not assembly.evaluations.busy(), 30)
        assert assembly.evaluations.counts() == (8, 0, 8)
        assert "slow down" not in page.results.progress_label.text()

    sent = gateway.chat_requests()
    assert len(sent) == 9  # the refused request was sent again
    first = {("Question 0", "model-a"), ("Question 0", "model-b"), ("Question 1", "model-a")}

    def cell(n: int) -> tuple[str, str]:
        return (sent[n].body["messages"][-1]["content"], sent[n].body["model"])

    assert cell(0) in first  # the three sent at once; the first to arrive was refused
    assert {cell(1), cell(2)} == first - {cell(0)}
    held = sent[0].received_at + 0.95  # Retry-After: 1, on the gateway's own clock
    assert all(r.received_at >= held for r in sent[3:])  # nothing new went out meanwhile


async def test_a_refused_row_is_a_message_at_its_cell_and_the_rest_goes_on(
    qapp, gateway: Gateway, tmp_path: Path
) -> None:
    gateway.accepted_models.add("o1-mini")  # which takes no system message
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        rows = [
            Row(prompt="What is two and two?"),
            Row(prompt="Name a colour.", system="Answer in one word."),
            Row(prompt="Say hello."),
        ]
        configs = [Config(name="o1", model="o1-mini"), Config(name="mini", model="gpt-4o-mini")]
        page = _page(assembly, rows, configs)
        await _run(assembly, page)
        assert assembly.evaluations.counts() == (5, 1, 6)
        run = assembly.evaluations.run
        assert run is not None
        refused = [c for c in run.cells if c.failed]
        where = (run.testset.rows[1].id, run.configs[0].id)  # row 2 × o1-mini
        assert [(c.row_id, c.config_id) for c in refused] == [where]
        error = refused[0].answer.error if refused[0].answer else None
        assert error is not None and error.status == 400
        text = page.results.matrix_model.data(page.results.matrix_model.index(1, 0))
        assert "does not support 'system'" in text and text.startswith("✗")
        assert all(
            c.answer and c.answer.status == "done" and c.answer.content
            for c in run.cells
            if not c.failed
        )
        await wait_until(lambda: page.results.summary.table.item(0, 7).text() == "2 / 1 of 3")


async def test_the_cache_is_off_by_default_and_marked_when_it_answers(
    qapp, gateway: Gateway, tmp_path: Path
) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        rows = [Row(prompt="Question one"), Row(prompt="Question two")]
        page = _page(assembly, rows, [Config(name="a", model="model-a")])
        assert not page.use_cache.isChecked()
        await _run(assembly, page)
        await _run(assembly, page)
        assert len(gateway.chat_requests()) == 4  # off: every run asks
        cache = tmp_path / "evals" / "cache"
        assert not cache.exists() or not any(cache.iterdir())  # and keeps nothing

        page.use_cache.setChecked(True)
        await _run(assembly, page)  # the cache fills
        assert len(gateway.chat_requests()) == 6
        run = assembly.evaluations.run
        assert run is not None and not any(c.cached for c in run.cells)
        answers = [c.answer.content for c in run.cells if c.answer]
        assert not any("cached" in t for t in _texts(page))

        await _run(assembly, page)  # answered from it: nothing is sent
        assert len(gateway.chat_requests()) == 6
        run = assembly.evaluations.run
        assert run is not None and all(c.cached for c in run.cells)
        assert [c.answer.content for c in run.cells if c.answer] == answers
        assert all("cached" in t for t in _texts(page))
        assert assembly.evaluations.counts() == (2, 0, 2)


async def test_a_judge_picks_the_best_answer_of_each_row(
    qapp, gateway: Gateway, tmp_path: Path
) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        rows = [Row(prompt="Describe the sea."), Row(prompt="Describe the sky.")]
        configs = [
            Config(name="full", model="model-a"),
            Config(name="short", model="model-b", params={"max_tokens": 3}),
        ]
        page = _page(assembly, rows, configs)
        page.judge_model.setText("judge")
        page.judge_mode.setCurrentIndex(page.judge_mode.findData("best"))
        await _run(assembly, page)
        run = assembly.evaluations.run
        assert run is not None and run.judge is not None and run.judge.mode == "best"
        judged = [r for r in gateway.chat_requests() if r.body["model"] == "judge"]
        assert len(judged) == 2  # one question per row, with both of its answers
        assert all(r.body["messages"][-1]["content"].count("<answer n=") == 2 for r in judged)
        for cell in run.cells:
            assert cell.judge is not None and cell.judge.problem == ""
            assert cell.judge.best is (cell.config_id == run.configs[0].id)  # "full"
            assert cell.judge.reason == "It is the most complete answer."
        for r in range(2):
            assert "★ best" in page.results.matrix_model.data(page.results.matrix_model.index(r, 0))
            assert "★ best" not in page.results.matrix_model.data(
                page.results.matrix_model.index(r, 1)
            )
