"""The evaluation workbench's core: templates, assertions, judge replies, import and
export, runs, summaries, the limiter and the files."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from core.chat import Chat, Message, Stats, Usage
from core.eval import assertions, judge
from core.eval.limiter import Limiter
from core.eval.model import Assertion, Cell, Config, HumanGrade, JudgeResult, Row, Run, TestSet
from core.eval.results_export import results_csv, results_markdown
from core.eval.runs import cell_passed, estimate, grade, new_run, thread_for, to_send
from core.eval.store import EvalFileError, EvalStore
from core.eval.summary import agreement, compare_runs, summarize, visible_rows
from core.eval.template import TemplateError, render, variables
from core.eval.testset_io import (
    ImportProblem,
    read_csv,
    read_jsonl,
    read_promptfoo,
    rows_from_chat,
    write_csv,
    write_jsonl,
    write_promptfoo,
)
from core.pricing import Price, cost_of, price_for


def test_templates_render_and_name_every_missing_variable() -> None:
    assert variables("{{a}} and {{ b }} and {{a}}") == ["a", "b"]
    assert render("Capital of {{ country }}?", {"country": "France"}) == "Capital of France?"
    with pytest.raises(TemplateError) as info:
        render("{{x}} {{y}}", {"x": "1"})
    assert "{{y}}" in str(info.value) and "{{x}}" not in str(info.value)


@pytest.mark.parametrize(
    ("kind", "value", "text", "passed"),
    [
        ("equals", "Paris", " Paris\n", True),
        ("contains", "Par", "Paris", True),
        ("icontains", "paris", "PARIS", True),
        ("contains-any", ["x", "Par"], "Paris", True),
        ("contains-all", ["x", "Par"], "Paris", False),
        ("icontains-all", ["PAR", "is"], "paris", True),
        ("regex", r"^\d+$", "42", True),
        ("starts-with", "Yes", "  Yes, it is", True),
        ("is-json", None, '```json\n{"a": 1}\n```', True),
        ("is-json", None, "{a", False),
        ("not-contains", "Lyon", "Paris", True),
    ],
)
def test_assertions(kind: str, value: object, text: str, passed: bool) -> None:
    assert assertions.check(Assertion(type=kind, value=value), text).passed is passed


def test_schema_length_latency_and_cost_assertions() -> None:
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
    ok = assertions.check(Assertion(type="json-schema", value=schema), '{"a": 1}')
    bad = assertions.check(Assertion(type="json-schema", value=schema), '{"a": "x"}')
    assert ok.passed is True and bad.passed is False and "at a" in bad.detail
    invalid = assertions.check(Assertion(type="json-schema", value={"type": 12}), "{}")
    assert invalid.passed is None and "JSON Schema is invalid" in invalid.detail
    assert assertions.check(Assertion(type="length", min=2, max=4), "abc").passed is True
    assert (
        assertions.check(Assertion(type="latency", value=100), "", latency_ms=150).passed is False
    )
    unknown = assertions.check(Assertion(type="cost", value=0.01), "", cost=None)
    assert unknown.passed is None and "unknown" in unknown.detail
    assert assertions.check(Assertion(type="regex", value="("), "x").passed is None


def test_judge_replies_are_read_robustly_and_malformed_ones_never_score() -> None:
    assert judge.parse_score('{"score": 0.8, "reason": "Good."}').score == 0.8
    fenced = judge.parse_score('Sure!\n```json\n{"score": "1", "reason": "ok"}\n```')
    assert fenced.score == 1.0
    assert judge.parse_score("Score: 0.25\nReason: weak").reason == "weak"
    for text in ("I like it.", '{"score": 7}', '{"score": "high"}', ""):
        verdict = judge.parse_score(text)
        assert verdict.score is None and verdict.problem
    assert judge.parse_best('{"best": 2, "reason": "clearer"}', 3).best == 2
    assert judge.parse_best('{"best": 9}', 3).best is None


def test_csv_import_keeps_rows_and_says_what_was_wrong() -> None:
    text = (
        "prompt,country,__expected,assert\n"
        "Capital of {{country}}?,France,contains: Paris,\n"
        'Hi {{name}},Spain,,"[{""type"": ""icontains"", ""value"": ""madrid""}]"\n'
        "short line\n"
    )
    result = read_csv(text)
    rows = result.testset.rows
    assert len(rows) == 3
    assert rows[0].vars == {"country": "France"}
    assert rows[0].asserts == [Assertion(type="contains", value="Paris")]
    assert rows[1].asserts[0].type == "icontains"
    assert any("Line 4" in p for p in result.problems)
    with pytest.raises(ImportProblem, match="no “prompt” column"):
        read_csv("question,answer\nq,a\n")


def test_jsonl_and_promptfoo_import_and_round_trip() -> None:
    result = read_jsonl('{"prompt": "Say {{w}}", "vars": {"w": "hi"}}\nnot json\n')
    assert len(result.testset.rows) == 1 and "Line 2" in result.problems[0]
    config = """
description: Capitals
prompts: ["What is the capital of {{country}}?"]
providers:
  - id: openai:gpt-4o-mini
    config: {temperature: 0.2}
defaultTest:
  assert: [{type: icontains, value: "capital"}]
tests:
  - vars: {country: France}
    assert:
      - {type: contains, value: Paris}
      - {type: llm-rubric, value: Names Paris}
  - vars: {country: Japan}
"""
    pf = read_promptfoo(config)
    assert pf.testset.name == "Capitals" and len(pf.testset.rows) == 2
    assert pf.testset.rows[0].rubric == "Names Paris"
    assert [a.type for a in pf.testset.rows[0].asserts] == ["icontains", "contains", "llm-rubric"]
    assert pf.configs[0].model == "gpt-4o-mini" and pf.configs[0].params == {"temperature": 0.2}
    again = read_promptfoo(write_promptfoo(pf.testset, pf.configs)).testset
    assert [r.vars for r in again.rows] == [r.vars for r in pf.testset.rows]
    assert [r.vars for r in read_csv(write_csv(pf.testset)).testset.rows] == [
        r.vars for r in pf.testset.rows
    ]
    assert read_jsonl(write_jsonl(pf.testset)).testset.rows[1].prompt == pf.testset.rows[1].prompt
    with pytest.raises(ImportProblem, match="YAML"):
        read_promptfoo("prompts: [unclosed")


def test_rows_from_a_chat() -> None:
    chat = Chat(system_prompt="Be brief.")
    chat.append(Message(role="user", content="One?"))
    chat.append(Message(role="assistant", content="1"))
    chat.append(Message(role="user", content="Two?"))
    assert [(r.prompt, r.system) for r in rows_from_chat(chat)] == [
        ("One?", "Be brief."),
        ("Two?", "Be brief."),
    ]


def _answered(run: Run, cell: Cell, text: str, status: str = "done") -> None:
    cell.answer = Message(role="assistant", content=text, status=status, model="m")  # type: ignore[arg-type]
    cell.answer.stats = Stats(
        ttft_s=0.1,
        total_s=0.5,
        tokens_per_s=50,
        usage=Usage(prompt_tokens=10, completion_tokens=20, total_tokens=30),
    )
    grade(run, cell, {"m": Price(input=1.0, output=2.0)})


def _run() -> Run:
    rows = [
        Row(prompt="Say {{w}}", vars={"w": "a"}, asserts=[Assertion(type="contains", value="a")]),
        Row(prompt="Say {{w}}", vars={"w": "b"}, asserts=[Assertion(type="contains", value="b")]),
        Row(prompt="Say {{nope}}"),
    ]
    return new_run(
        TestSet(rows=rows), [Config(name="A", model="m"), Config(name="B", model="m")], 2
    )


def test_a_run_sends_only_unfinished_cells_and_grades_them() -> None:
    run = _run()
    assert len(run.cells) == 12 and len(to_send(run)) == 12
    first = run.cells[0]
    chat, answer = thread_for(run, first)
    assert chat.branch()[0].content == "Say a" and answer.status == "streaming"
    assert first.request["messages"] == [{"role": "user", "content": "Say a"}]
    with pytest.raises(TemplateError):
        thread_for(run, run.cells[-1])
    _answered(run, first, "a!")
    _answered(run, run.cells[1], "partial", status="stopped")
    assert first.finished and not run.cells[1].finished
    assert first not in to_send(run) and run.cells[1] in to_send(run)
    _answered(run, run.cells[2], "x", status="error")
    assert to_send(run, "failed") == [run.cells[2]]
    assert cell_passed(first) is True and cell_passed(run.cells[2]) is False
    est = estimate(run, to_send(run), {})
    assert est.cost is None and est.unpriced == ("m",) and "{{nope}}" in est.problems[0]
    assert estimate(run, to_send(run), {"m": Price(input=1, output=1)}).cost is not None


def test_summary_agreement_filters_comparison_and_exports() -> None:
    run = _run()
    a, b = run.configs
    for cell in run.cells:
        row = run.row(cell.row_id)
        assert row is not None
        text = row.vars.get("w", "") if cell.config_id == a.id else "zzz"
        _answered(run, cell, text)
    s_a, s_b = summarize(run, {"m": Price(input=1.0, output=2.0)})
    assert s_a.pass_rate == 1.0 and s_b.pass_rate == 0.0
    assert s_a.total_tokens == 6 * 30 and s_a.cost == pytest.approx(6 * 50 / 1e6)
    assert visible_rows(run, "failing") == [r.id for r in run.testset.rows[:2]]
    assert visible_rows(run, "disagree") == [r.id for r in run.testset.rows[:2]]
    assert visible_rows(run, variable=("w", "b")) == [run.testset.rows[1].id]
    run.cells[0].judge = JudgeResult(model="judge", score=0.9)
    run.cells[0].human = HumanGrade(thumb=1)
    run.cells[1].judge = JudgeResult(model="judge", score=0.1)
    run.cells[1].human = HumanGrade(score=5)
    (agree,) = agreement(run)
    assert (agree.graded, agree.agreed) == (2, 1)
    later = msgspec.convert(msgspec.to_builtins(run), Run)
    for cell in later.cells:
        if cell.config_id == b.id and cell.row_id == run.testset.rows[0].id:
            _answered(later, cell, "a")
    better, worse = compare_runs(run, later)
    assert [c.config for c in better] == ["B"] and not worse
    assert "Say a" in results_csv(run, {}) and "## Summary" in results_markdown(run, {})


def test_limiter_caps_each_endpoint_and_backs_off_on_429() -> None:
    limiter = Limiter(limit=2)
    for _ in range(2):
        assert limiter.ready("e", 0.0)
        limiter.began("e")
    assert not limiter.ready("e", 0.0) and limiter.ready("other", 0.0)
    limiter.ended("e", ok=True)
    assert limiter.back_off("e", 10.0, 3.0) == 3.0
    assert not limiter.ready("e", 12.0) and limiter.ready("e", 13.0)
    assert limiter.back_off("e", 20.0, None) == 2.0  # the second 429 in a row


def test_pricing_is_unknown_without_a_price() -> None:
    assert price_for({"gpt-4o": Price(input=1, output=2)}, "openai/gpt-4o") is not None
    assert cost_of(Usage(prompt_tokens=1000), None) is None
    assert cost_of(Usage(prompt_tokens=1_000_000, completion_tokens=0), Price(input=3)) == 3.0


def test_store_round_trip_newer_versions_and_damaged_files(tmp_path: Path) -> None:
    store = EvalStore(tmp_path, fsync=False)
    run = _run()
    store.save(run)
    store.save(run.testset)
    assert store.load(Run, run.id).cells[0].key == run.cells[0].key
    assert [x.id for x in store.list(TestSet)] == [run.testset.id]
    (tmp_path / "runs" / "bad.json").write_text("{nope")
    (tmp_path / "runs" / "new.json").write_text('{"format": "chorus-eval-run", "version": 99}')
    assert [x.id for x in store.list(Run)] == [run.id]
    assert any("moved to" in p for p in store.problems)
    assert any("newer Chorus" in p for p in store.problems)
    assert (tmp_path / "runs" / "new.json").exists()
    with pytest.raises(EvalFileError):
        store.load(Run, "missing")
