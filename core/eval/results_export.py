"""A run's results as CSV (one line per cell), JSON (the run file itself) and a Markdown
report (the summary per configuration, then every row)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from core.eval.model import HumanGrade, Run
from core.eval.runs import cell_cost, cell_passed, cell_score, latency_ms, prompt_of
from core.eval.summary import agreement, summarize
from core.eval.template import TemplateError
from core.pricing import Price, money

CSV_COLUMNS = (
    "row", "configuration", "model", "repeat", "prompt", "answer", "status", "passed",
    "score", "judge_reason", "human", "latency_ms", "ttft_ms", "tokens", "cost", "cached",
)  # fmt: skip


def _prompt(run: Run, row_id: str) -> str:
    row = run.row(row_id)
    if row is None:
        return ""
    try:
        return prompt_of(row)
    except TemplateError:
        return row.prompt


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "" if value is None else format(value, spec)


def results_csv(run: Run, prices: Mapping[str, Price]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    numbers = {r.id: i for i, r in enumerate(run.testset.rows, 1)}
    for cell in run.cells:
        config = run.config(cell.config_id)
        answer = cell.answer
        stats = answer.stats if answer else None
        usage = stats.usage if stats else None
        passed = cell_passed(cell)
        writer.writerow(
            [
                numbers.get(cell.row_id, ""),
                config.label if config else "",
                config.model if config else "",
                cell.repeat + 1,
                _prompt(run, cell.row_id),
                answer.content if answer else "",
                (cell.problem and "problem") or (answer.status if answer else "not run"),
                "" if passed is None else ("pass" if passed else "fail"),
                _fmt(cell_score(cell)),
                cell.judge.reason or cell.judge.problem if cell.judge else "",
                _human(cell.human),
                _fmt(latency_ms(cell), ".0f"),
                _fmt(stats.ttft_s * 1000 if stats and stats.ttft_s is not None else None, ".0f"),
                usage.total_tokens if usage and usage.total_tokens is not None else "",
                _fmt(cell_cost(cell, prices), ".6f"),
                "yes" if cell.cached else "",
            ]
        )
    return out.getvalue()


def results_json(run: Run) -> bytes:
    import msgspec

    return msgspec.json.format(msgspec.json.encode(run), indent=2) + b"\n"


def _human(human: HumanGrade | None) -> str:
    if human is None:
        return ""
    parts = ["up" if human.thumb > 0 else "down" if human.thumb < 0 else ""]
    parts += [f"{human.score}/5" if human.score is not None else "", human.comment]
    return " ".join(p for p in parts if p)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def results_markdown(run: Run, prices: Mapping[str, Price]) -> str:
    lines = [f"# {run.name or 'Evaluation'}", ""]
    lines.append(
        f"{len(run.testset.rows)} rows × {len(run.configs)} configurations × {run.repeats} repeats."
    )
    lines += ["", "## Summary", ""]
    lines.append(
        "| configuration | pass rate | mean score (± spread) | TTFT | tok/s | tokens | cost |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for s in summarize(run, prices):
        score = "–" if s.mean_score is None else f"{s.mean_score:.2f}"
        if s.score_spread is not None:
            score += f" ± {s.score_spread:.2f}"
        ttft = "–" if s.mean_ttft_s is None else f"{s.mean_ttft_s * 1000:.0f} ms"
        tps = "–" if s.mean_tokens_per_s is None else f"{s.mean_tokens_per_s:.0f}"
        cost = money(s.cost) + ("" if s.cost_complete or s.cost is None else " (partial)")
        lines.append(
            f"| {s.label} | {_pct(s.pass_rate)} | {score} | {ttft} | {tps} | "
            f"{s.total_tokens:,} | {cost} |"
        )
    agree = agreement(run)
    if agree:
        lines += ["", "## Judge and person", ""]
        for a in agree:
            lines.append(f"- {a.judge}: agreed on {a.agreed} of {a.graded} cells ({_pct(a.rate)}).")
    lines += ["", "## Rows", ""]
    for n, row in enumerate(run.testset.rows, 1):
        lines += [f"### Row {n}", "", "> " + _prompt(run, row.id).replace("\n", "\n> "), ""]
        for config in run.configs:
            for cell in run.cells_of(row.id, config.id):
                passed = cell_passed(cell)
                mark = "–" if passed is None else ("pass" if passed else "fail")
                text = cell.problem or (cell.answer.content if cell.answer else "(not run)")
                short = " ".join(text.split())
                short = short if len(short) <= 200 else short[:199] + "…"
                lines.append(f"- **{config.label}** #{cell.repeat + 1} ({mark}): {short}")
        lines.append("")
    return "\n".join(lines)
