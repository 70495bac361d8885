"""A run: rows × configurations × repeats, the cells still to send, each cell's request,
the cost estimate before it starts, and grading a finished cell."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import msgspec

from core.chat import Chat, Message
from core.conversation import add_user_message, build_request, start_answer
from core.eval.assertions import check_all
from core.eval.model import Cell, Config, Row, Run, TestSet, cell_key
from core.eval.template import TemplateError, render
from core.params import default_values
from core.pricing import Price, cost_of, estimate_cost, price_for

Scope = Literal["unfinished", "failed", "all"]
CHARS_PER_TOKEN = 4  # a rough count for estimates, with no tokenizer at hand
DEFAULT_COMPLETION_TOKENS = 256  # the estimate's guess when max_tokens is not set


def new_run(
    testset: TestSet, configs: list[Config], repeats: int, *, name: str = "", profile: str = ""
) -> Run:
    """A run of a copy of ``testset`` (edits after it starts do not change it)."""

    run = Run(
        name=name or testset.name,
        testset=msgspec.structs.replace(
            testset, rows=[msgspec.structs.replace(r) for r in testset.rows]
        ),
        configs=[msgspec.structs.replace(c) for c in configs],
        repeats=max(1, repeats),
        profile=profile,
    )
    ensure_cells(run)
    return run


def ensure_cells(run: Run) -> None:
    """One cell for every row × configuration × repeat, in that order (keeping those
    that exist)."""
    have = {c.key: c for c in run.cells}
    cells = []
    for row in run.testset.rows:
        for config in run.configs:
            for k in range(run.repeats):
                key = cell_key(row.id, config.id, k)
                cells.append(have.get(key) or Cell(row_id=row.id, config_id=config.id, repeat=k))
    run.cells = cells


def to_send(
    run: Run,
    scope: Scope = "unfinished",
    *,
    rows: Iterable[str] | None = None,
    configs: Iterable[str] | None = None,
    keys: Iterable[str] | None = None,
) -> list[Cell]:
    """The cells a run sends: those without a finished answer ("unfinished", what Resume
    sends), the failed ones, or all; narrowed to some rows, configurations or cells."""
    row_ids = set(rows) if rows is not None else None
    config_ids = set(configs) if configs is not None else None
    key_set = set(keys) if keys is not None else None
    out = []
    for cell in run.cells:
        if row_ids is not None and cell.row_id not in row_ids:
            continue
        if config_ids is not None and cell.config_id not in config_ids:
            continue
        if key_set is not None and cell.key not in key_set:
            continue
        if scope == "unfinished" and cell.finished:
            continue
        if scope == "failed" and not cell.failed:
            continue
        out.append(cell)
    return out


def reset_cell(cell: Cell) -> None:
    """Forget a cell's answer and grades before it is sent again (human grades stay)."""
    cell.answer = None
    cell.request = {}
    cell.problem = ""
    cell.cached = False
    cell.checks = []
    cell.judge = None


def system_for(row: Row, config: Config) -> str:
    return config.system_prompt or row.system


def prompt_of(row: Row) -> str:
    """The row's prompt rendered; raises TemplateError."""
    return render(row.prompt, row.vars)


def thread_for(run: Run, cell: Cell) -> tuple[Chat, Message]:
    """The one-question chat a cell is asked in, and its empty answer (status
    "streaming"); raises TemplateError or ParamError with a sentence for the cell."""
    row, config = run.row(cell.row_id), run.config(cell.config_id)
    if row is None or config is None:
        raise ValueError("This cell's row or column no longer exists.")
    text = prompt_of(row)
    params = {**default_values(), **config.params}  # streamed, with usage, as a new chat
    chat = Chat(
        title=f"{config.label} · row",
        profile=run.profile,
        model=config.model,
        system_prompt=system_for(row, config),
        params=params,
    )
    add_user_message(chat, text)
    answer = start_answer(chat, config.model, params)
    cell.request = dict(build_request(chat, answer, params).body)
    return chat, answer


def body_key(base_url: str, body: Mapping[str, object]) -> str:
    """The cache key of a request: its endpoint and exact body."""
    text = json.dumps({"url": base_url, "body": body}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- before it starts ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate:
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None  # None when a model in it has no price
    unpriced: tuple[str, ...]  # the models without a price
    problems: tuple[str, ...]  # rows that cannot be sent ("Row 3: …")


def estimate(run: Run, cells: list[Cell], prices: Mapping[str, Price]) -> Estimate:
    prompt_total = completion_total = 0
    cost = 0.0
    unpriced: dict[str, None] = {}
    problems: dict[str, None] = {}
    numbers = {r.id: i for i, r in enumerate(run.testset.rows, 1)}
    for cell in cells:
        row, config = run.row(cell.row_id), run.config(cell.config_id)
        if row is None or config is None:
            continue
        try:
            text = prompt_of(row)
        except TemplateError as exc:
            problems[f"Row {numbers[row.id]}: {exc}"] = None
            continue
        prompt = (len(text) + len(system_for(row, config))) // CHARS_PER_TOKEN + 8
        limit = config.params.get("max_completion_tokens") or config.params.get("max_tokens")
        completion = limit if isinstance(limit, int) else DEFAULT_COMPLETION_TOKENS
        prompt_total += prompt
        completion_total += completion
        price = price_for(prices, config.model)
        part = estimate_cost(prompt, completion, price)
        if part is None:
            unpriced[config.model] = None
        else:
            cost += part
    return Estimate(
        len(cells),
        prompt_total,
        completion_total,
        None if unpriced else cost,
        tuple(unpriced),
        tuple(problems),
    )


def describe(est: Estimate) -> str:
    """``240 requests · about 30,000 tokens · cost unknown (no price for m)``."""
    from core.pricing import money

    tokens = est.prompt_tokens + est.completion_tokens
    text = f"{est.requests} requests · about {tokens:,} tokens · "
    if est.cost is None:
        text += f"cost unknown (no price for {', '.join(est.unpriced)})"
    else:
        text += f"about {money(est.cost)}"
    return text


# --- after an answer -----------------------------------------------------------------


def latency_ms(cell: Cell) -> float | None:
    stats = cell.answer.stats if cell.answer is not None else None
    if stats is None or stats.total_s is None:
        return None
    return stats.total_s * 1000.0


def cell_cost(cell: Cell, prices: Mapping[str, Price]) -> float | None:
    if cell.answer is None or cell.answer.stats is None:
        return None
    price = price_for(prices, cell.answer.model)
    return cost_of(cell.answer.stats.usage, price)


def grade(run: Run, cell: Cell, prices: Mapping[str, Price]) -> None:
    """Run the row's assertions on the cell's answer (not on a failed one)."""
    row = run.row(cell.row_id)
    if row is None or cell.answer is None or cell.answer.status != "done":
        cell.checks = []
        return
    cell.checks = check_all(
        row.asserts,
        cell.answer.content,
        latency_ms=latency_ms(cell),
        cost=cell_cost(cell, prices),
    )


def cell_passed(cell: Cell) -> bool | None:
    """Every check passed (True), one failed or the request failed (False), or
    nothing was checked (None)."""
    if cell.failed:
        return False
    results = [c.passed for c in cell.checks if c.passed is not None]
    if not results:
        return None
    return all(results)


def cell_score(cell: Cell) -> float | None:
    """0–1: the judge's score, else the person's (1–5 mapped to 0–1), else the share of
    checks passed."""
    if cell.judge is not None and cell.judge.score is not None:
        return cell.judge.score
    if cell.human is not None and cell.human.score is not None:
        return (cell.human.score - 1) / 4
    if cell.human is not None and cell.human.thumb:
        return 1.0 if cell.human.thumb > 0 else 0.0
    results = [c.passed for c in cell.checks if c.passed is not None]
    if results:
        return sum(results) / len(results)
    return 0.0 if cell.failed else None
