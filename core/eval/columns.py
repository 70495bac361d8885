"""Making configurations: a parameter sweep (one model × a grid of one or two request
fields) becomes one configuration per grid point."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.eval.model import Config
from core.sweep import Number, label, plan


def sweep_configs(
    model: str, base: Mapping[str, object], axes: Sequence[tuple[str, Sequence[Number]]]
) -> list[Config]:
    """One configuration per point of the grid (row-major), named by its values; raises
    :class:`core.sweep.SweepError` with a sentence for a person."""
    return [
        Config(name=f"{model} · {label(cell)}", model=model, params=cell.params(base))
        for cell in plan(base, axes)
    ]
