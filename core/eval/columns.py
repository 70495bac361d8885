"""Making configurations: a parameter sweep (one model × a grid of one or two request
fields) becomes one configuration per grid point; the grid is read back from the
configurations, and the answers of each point are summed up for the sweep's view."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.eval.model import Config, Row, Run, TestSet
from core.sweep import CellStats, Number, cell_stats, label, plan

PROMPT_NAME_CHARS = 40


def sweep_configs(
    model: str, base: Mapping[str, object], axes: Sequence[tuple[str, Sequence[Number]]]
) -> list[Config]:
    """One configuration per point of the grid (row-major), named by its values and
    marked with them (``Config.sweep``); raises :class:`core.sweep.SweepError` with a
    sentence for a person."""
    return [
        Config(
            name=f"{model} · {label(cell)}",
            model=model,
            params=cell.params(base),
            sweep=dict(cell.values),
        )
        for cell in plan(base, axes)
    ]


def sweep_testset(prompt: str, system: str = "") -> TestSet:
    """The test set of a sweep of one prompt: one row, named after the prompt."""
    name = " ".join(prompt.split())
    if len(name) > PROMPT_NAME_CHARS:
        name = name[: PROMPT_NAME_CHARS + 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return TestSet(name=f"Sweep: {name}", rows=[Row(prompt=prompt, system=system)])


@dataclass(frozen=True, slots=True)
class SweepGrid:
    """The sweep the configurations make: its axes (one or two fields and their values,
    in the order the columns first use them) and its points, row-major."""

    axes: list[tuple[str, list[Number]]]
    points: list[Config]

    @property
    def rows(self) -> list[str]:
        """The first field's values, as labels (``temperature 0.5``)."""
        name, values = self.axes[0]
        return [f"{name} {v:g}" for v in values]

    @property
    def columns(self) -> list[str]:
        """The second field's values, as labels; one empty label for a sweep of one."""
        if len(self.axes) < 2:
            return [""]
        name, values = self.axes[1]
        return [f"{name} {v:g}" for v in values]


def sweep_grid(configs: Sequence[Config]) -> SweepGrid | None:
    """The grid of the configurations a sweep made (those marked with the same swept
    fields as the first marked one), or None when there is none or its points do not
    fill a grid."""
    marked = [c for c in configs if c.sweep]
    if not marked:
        return None
    names = list(marked[0].sweep)
    points = [c for c in marked if list(c.sweep) == names]
    values: list[list[Number]] = [[] for _ in names]
    for config in points:
        for axis, name in zip(values, names, strict=True):
            if config.sweep[name] not in axis:
                axis.append(config.sweep[name])
    by_place = {tuple(c.sweep[n] for n in names): c for c in points}
    if len(by_place) != len(points) or len(points) != math.prod(len(v) for v in values):
        return None
    if len(names) == 1:
        ordered = [by_place[(v,)] for v in values[0]]
    else:
        ordered = [by_place[(a, b)] for a in values[0] for b in values[1]]
    return SweepGrid(list(zip(names, values, strict=True)), ordered)


def point_texts(run: Run, config_id: str) -> dict[str, list[str]]:
    """The finished answers of one configuration, by row (one text per repeat)."""
    texts: dict[str, list[str]] = {}
    for cell in run.cells:
        answer = cell.answer
        if cell.config_id == config_id and answer is not None and answer.status == "done":
            texts.setdefault(cell.row_id, []).append(answer.content)
    return texts


def point_stats(by_row: Mapping[str, Sequence[str]]) -> CellStats:
    """One configuration's answers summed up across rows: lengths over every answer;
    distinct-n and similarity within each row's repeats, averaged over the rows (two
    answers to different questions say nothing of how much a setting varies)."""
    rows = [cell_stats(list(texts)) for texts in by_row.values() if texts]
    if len(rows) == 1:
        return rows[0]
    everything = cell_stats([t for texts in by_row.values() for t in texts])
    if not rows:
        return everything

    def mean(values: Sequence[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.fmean(known) if known else None

    return CellStats(
        count=everything.count,
        mean_chars=everything.mean_chars,
        min_chars=everything.min_chars,
        max_chars=everything.max_chars,
        mean_words=everything.mean_words,
        distinct_1=mean([r.distinct_1 for r in rows]),
        distinct_2=mean([r.distinct_2 for r in rows]),
        pairwise_similarity=mean([r.pairwise_similarity for r in rows]),
    )
