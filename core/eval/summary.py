"""What a run comes to: one summary per configuration, judge–person agreement, the
filters of the matrix, and what changed between two runs of the same test set."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from core.eval.model import Cell, Run
from core.eval.runs import cell_cost, cell_passed, cell_score
from core.pricing import Price

Filter = Literal["all", "failing", "disagree"]


@dataclass(frozen=True, slots=True)
class ConfigSummary:
    config_id: str
    label: str
    cells: int
    done: int
    failed: int
    pass_rate: float | None  # of the cells with a verdict
    mean_score: float | None
    score_spread: float | None  # mean over rows of the standard deviation over repeats
    mean_ttft_s: float | None
    mean_tokens_per_s: float | None
    total_tokens: int
    cost: float | None  # None when no cell's cost is known
    cost_complete: bool  # every answered cell's cost is known


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def summarize(run: Run, prices: Mapping[str, Price]) -> list[ConfigSummary]:
    """One summary per configuration, in one pass over the cells."""
    by_config: dict[str, list[Cell]] = {c.id: [] for c in run.configs}
    for cell in run.cells:
        by_config.setdefault(cell.config_id, []).append(cell)
    return [
        _summary(config.id, config.label, by_config[config.id], prices) for config in run.configs
    ]


def _summary(
    config_id: str, label: str, cells: list[Cell], prices: Mapping[str, Price]
) -> ConfigSummary:
    answered = [c for c in cells if c.answer is not None and c.answer.stats is not None]
    verdicts = [v for c in cells if c.finished and (v := cell_passed(c)) is not None]
    scores = [cell_score(c) for c in cells if c.finished]
    per_row: dict[str, list[float]] = {}
    for c in cells:
        if (s := cell_score(c)) is not None:
            per_row.setdefault(c.row_id, []).append(s)
    spreads = [statistics.pstdev(per) for per in per_row.values() if len(per) > 1]
    costs = [cell_cost(c, prices) for c in answered]
    tokens = 0
    for c in answered:
        usage = c.answer.stats.usage if c.answer and c.answer.stats else None
        if usage is not None:
            tokens += usage.total_tokens or (usage.prompt_tokens or 0) + (
                usage.completion_tokens or 0
            )
    known_costs = [x for x in costs if x is not None]
    return ConfigSummary(
        config_id=config_id,
        label=label,
        cells=len(cells),
        done=sum(1 for c in cells if c.finished and not c.failed),
        failed=sum(1 for c in cells if c.failed),
        pass_rate=(sum(verdicts) / len(verdicts)) if verdicts else None,
        mean_score=_mean(scores),
        score_spread=_mean(spreads) if spreads else None,
        mean_ttft_s=_mean(c.answer.stats.ttft_s for c in answered if c.answer and c.answer.stats),
        mean_tokens_per_s=_mean(
            c.answer.stats.tokens_per_s for c in answered if c.answer and c.answer.stats
        ),
        total_tokens=tokens,
        cost=sum(known_costs) if known_costs else None,
        cost_complete=bool(answered) and len(known_costs) == len(costs),
    )


@dataclass(frozen=True, slots=True)
class Agreement:
    judge: str  # the judge model
    graded: int  # cells both the judge and the person graded
    agreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.graded if self.graded else None


def agreement(run: Run, threshold: float = 0.5) -> list[Agreement]:
    """How often each judge's pass (score ≥ ``threshold``, or picked as best) matches the
    person's thumb or 1–5 score, over the cells both graded."""
    tally: dict[str, list[int]] = {}
    for cell in run.cells:
        judged, human = cell.judge, cell.human
        if judged is None or human is None:
            continue
        mine = human.verdict()
        if judged.score is not None:
            theirs: bool | None = judged.score >= threshold
        else:
            theirs = judged.best
        if mine is None or theirs is None:
            continue
        counts = tally.setdefault(judged.model, [0, 0])
        counts[0] += 1
        counts[1] += int(mine == theirs)
    return [Agreement(model, n, ok) for model, (n, ok) in tally.items()]


# --- filters -----------------------------------------------------------------------


def disagreeing_rows(run: Run) -> set[str]:
    """Rows whose configurations do not all pass or all fail."""
    rows: set[str] = set()
    for row in run.testset.rows:
        verdicts = set()
        for config in run.configs:
            cells = run.cells_of(row.id, config.id)
            passes = [p for c in cells if (p := cell_passed(c)) is not None]
            if passes:
                verdicts.add(sum(passes) / len(passes) >= 0.5)
        if len(verdicts) > 1:
            rows.add(row.id)
    return rows


def visible_rows(
    run: Run, kind: Filter = "all", variable: tuple[str, str] | None = None
) -> list[str]:
    """The row ids the matrix shows under a filter and, optionally, one variable's value."""
    rows = run.testset.rows
    if variable is not None:
        name, value = variable
        rows = [r for r in rows if r.vars.get(name) == value]
    if kind == "failing":
        failing = {c.row_id for c in run.cells if cell_passed(c) is False}
        rows = [r for r in rows if r.id in failing]
    elif kind == "disagree":
        disagree = disagreeing_rows(run)
        rows = [r for r in rows if r.id in disagree]
    return [r.id for r in rows]


def variable_values(run: Run) -> dict[str, list[str]]:
    """Each variable and the values the rows give it."""
    found: dict[str, dict[str, None]] = {}
    for row in run.testset.rows:
        for name, value in row.vars.items():
            found.setdefault(name, {})[value] = None
    return {k: list(v) for k, v in found.items()}


# --- two runs ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    row_id: str
    prompt: str
    config: str  # the configuration's label (matched by label between runs)
    before: float | None
    after: float | None


def _row_scores(run: Run, row_id: str, config_id: str) -> float | None:
    cells = run.cells_of(row_id, config_id)
    values: list[float] = []
    for c in cells:
        passed = cell_passed(c)
        score = cell_score(c)
        if score is not None:
            values.append(score)
        elif passed is not None:
            values.append(float(passed))
    return statistics.fmean(values) if values else None


def compare_runs(before: Run, after: Run) -> tuple[list[Change], list[Change]]:
    """(better, worse): the row × configuration pairs whose mean score went up or down.
    Rows match by id (the same test set), configurations by label."""
    better: list[Change] = []
    worse: list[Change] = []
    for row in after.testset.rows:
        if before.row(row.id) is None:
            continue
        for config in after.configs:
            old = next((c for c in before.configs if c.label == config.label), None)
            if old is None:
                continue
            a, b = _row_scores(before, row.id, old.id), _row_scores(after, row.id, config.id)
            if a is None or b is None or abs(a - b) < 1e-9:
                continue
            change = Change(row.id, row.prompt, config.label, a, b)
            (better if b > a else worse).append(change)
    return better, worse


def progress(cells: Iterable[Cell]) -> tuple[int, int, int]:
    """(done, failed, total) of ``cells``."""
    done = failed = total = 0
    for cell in cells:
        total += 1
        if cell.failed:
            failed += 1
        elif cell.finished:
            done += 1
    return done, failed, total
