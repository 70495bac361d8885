"""Parameter sweeps: the values to try, the requests to send, and what the answers show.

A sweep asks one model the same question with one numeric parameter set to each of a
few values (one column per value), or with two parameters over a grid, and may repeat
every cell to show how much the answers vary. :func:`parse_values` reads the values a
person types, :func:`plan` lays out the requests, and :func:`cell_stats` summarises the
answers of one cell: their length and how different they are from each other.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.param_validation import validate
from core.params import PARAM_BY_NAME, PARAMS, ParamError, ParamSpec, format_value

MAX_VALUES = 12  # values per parameter
MAX_REQUESTS = 48  # requests per sweep, repeats included

# The numeric request fields, in declared order: the ones a sweep can vary.
SWEEPABLE: tuple[str, ...] = tuple(spec.name for spec in PARAMS if spec.kind in ("float", "int"))

Number = float | int

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_COLON_RANGE = re.compile(rf"^({_NUM})\s*:\s*({_NUM})\s*:\s*({_NUM})$")
_DOTS_RANGE = re.compile(rf"^({_NUM})\s*\.\.\s*({_NUM})\s+step\s+({_NUM})$", re.IGNORECASE)
_NUMBER = re.compile(rf"^{_NUM}$")
_SEPARATORS = re.compile(r"[,;\s]+")
# Slack for float ranges: how far past the stop a step may land and still count.
_TOLERANCE = 1e-9


class SweepError(ValueError):
    """A sweep that cannot be run; ``str()`` is a sentence for a person."""


def _spec(name: str) -> ParamSpec:
    spec = PARAM_BY_NAME.get(name)
    if spec is None:
        raise SweepError(f"{name!r} is not a request field Chorus knows.")
    if spec.kind not in ("float", "int"):
        raise SweepError(f"{spec.label} is not a number, so it cannot be swept.")
    return spec


def _syntax_error(spec: ParamSpec) -> SweepError:
    if spec.kind == "int":
        return SweepError("Enter whole numbers like 256, 512, 1024 or a range like 256:1024:256.")
    return SweepError("Enter values like 0, 0.5, 1 or a range like 0:1.5:0.5.")


def _too_many(count: int | None, what: str) -> SweepError:
    amount = "more" if count is None else str(count)
    return SweepError(f"A sweep takes at most {MAX_VALUES} values; {what} {amount}.")


def _range(start: float, stop: float, step: float) -> list[float]:
    """``start`` to ``stop`` inclusive in steps of ``abs(step)``, in either direction.

    The stop counts as reached when the last step lands within a small tolerance of
    it, so ``0:1:0.1`` ends at 1 despite float rounding; values are rounded to 12
    decimals so that ``0.1 * 3`` reads as 0.3.
    """
    step = abs(step)
    if step == 0:
        raise SweepError("The step of a range cannot be 0.")
    span = abs(stop - start)
    ratio = span / step
    if not ratio <= 1000 * MAX_VALUES:  # far too many, or inf
        raise _too_many(None, "that range gives")
    count = math.floor(ratio + _TOLERANCE) + 1
    if count > MAX_VALUES:
        raise _too_many(count, "that range gives")
    direction = 1.0 if stop >= start else -1.0
    values = [round(start + direction * i * step, 12) for i in range(count)]
    if abs(values[-1] - stop) <= _TOLERANCE * max(step, 1.0):
        values[-1] = stop
    return [v + 0.0 for v in values]  # -0.0 reads as 0


def _parse_number(text: str, spec: ParamSpec) -> float:
    if not _NUMBER.match(text):
        raise _syntax_error(spec)
    value = float(text)
    if not math.isfinite(value):
        raise _syntax_error(spec)
    return value


def _checked(value: float, spec: ParamSpec) -> Number:
    """``value`` as the field takes it, or :class:`SweepError`."""
    result: Number = value
    if spec.kind == "int":
        if abs(value - round(value)) > _TOLERANCE:
            raise SweepError(f"{spec.label} takes whole numbers; {format_value(value)} is not one.")
        result = round(value)
    low, high = spec.minimum, spec.maximum
    if (low is not None and result < low) or (high is not None and result > high):
        raise SweepError(
            f"{spec.label} must be between {format_value(low)} and {format_value(high)}; "
            f"{format_value(result)} is not."
        )
    return result


def parse_values(text: str, spec_name: str) -> list[Number]:
    """The values a person typed for the field ``spec_name``, in order, without repeats.

    Accepts a list (``0, 0.5, 1.0, 1.5``; commas, semicolons or spaces between), a
    range ``start:stop:step`` (``0:1.5:0.5``) or ``start..stop step s``
    (``0..1 step 0.25``). A range includes its stop when a step lands on it (within
    float tolerance) and may run downwards (``1:0:0.25``). Values must lie in the
    field's declared range; ``int`` fields take whole numbers and give ``int`` values,
    ``float`` fields give ``float`` values. At most :data:`MAX_VALUES` values.

    Raises :class:`SweepError` with a sentence for a person.
    """
    spec = _spec(spec_name)
    stripped = text.strip()
    if not stripped:
        raise _syntax_error(spec)
    match = _COLON_RANGE.match(stripped) or _DOTS_RANGE.match(stripped)
    if match:
        start, stop, step = (_parse_number(group, spec) for group in match.groups())
        raw = _range(start, stop, step)
    else:
        pieces = [piece for piece in _SEPARATORS.split(stripped) if piece]
        raw = [_parse_number(piece, spec) for piece in pieces]
    values: list[Number] = []
    for value in raw:
        checked = _checked(value, spec)
        if spec.kind == "float":
            checked = float(checked)
        if checked not in values:
            values.append(checked)
    if len(values) > MAX_VALUES:
        raise _too_many(len(values), "that list has")
    return values


@dataclass(frozen=True)
class SweepCell:
    """One request of a sweep: the swept values and which repeat of them it is (from 1)."""

    values: dict[str, Number]
    repeat: int = 1

    @property
    def key(self) -> tuple[tuple[str, Number], ...]:
        """The swept values without the repeat: equal for all repeats of one cell."""
        return tuple(self.values.items())

    def params(self, base: Mapping[str, object]) -> dict[str, object]:
        """``base`` with the swept values set, a new dict.

        A swept field is always sent: when it is only sent with a boolean field that
        ``base`` leaves off (``top_logprobs`` needs ``logprobs``), that field is
        turned on as well.
        """
        merged = dict(base)
        merged.update(self.values)
        for name in self.values:
            needed = PARAM_BY_NAME[name].requires if name in PARAM_BY_NAME else ""
            if needed and PARAM_BY_NAME[needed].kind == "bool" and merged.get(needed) is not True:
                merged[needed] = True
        return merged


def label(cell: SweepCell) -> str:
    """``temperature 0.5``, ``temperature 0.5 · top_p 0.9``; repeats from the second
    on end in ``#2``, ``#3``...
    """
    text = " · ".join(f"{name} {format_value(value)}" for name, value in cell.values.items())
    return f"{text} #{cell.repeat}" if cell.repeat > 1 else text


def plan(
    base_params: Mapping[str, object],
    axes: Sequence[tuple[str, Sequence[Number]]],
    repeats: int = 1,
) -> list[SweepCell]:
    """Every request of the sweep, row-major, the repeats of a cell next to each other.

    ``axes``: one or two ``(field, values)`` pairs; with two, the first one's values
    are the rows and the second one's the columns, so the order is (row 1, column 1),
    (row 1, column 2)... Values are checked against the fields and stored as the
    fields take them (``int`` or ``float``). ``base_params`` is not read or changed
    here: a cell holds only the swept values, and ``cell.params(base_params)`` gives
    its request. At most :data:`MAX_REQUESTS` requests in all.

    Raises :class:`SweepError` with a sentence for a person.
    """
    del base_params  # the cells are merged into it later, by SweepCell.params
    if not 1 <= len(axes) <= 2:
        raise SweepError("A sweep varies one parameter or a grid of two.")
    names = [name for name, _ in axes]
    if len(set(names)) != len(names):
        raise SweepError(f"Sweep two different parameters, not {_spec(names[0]).label} twice.")
    columns: list[list[Number]] = []
    for name, values in axes:
        spec = _spec(name)
        if not values:
            raise SweepError(f"Give at least one value for {spec.label}.")
        if len(values) > MAX_VALUES:
            raise _too_many(len(values), f"{spec.label} has")
        columns.append([_validated(name, value) for value in values])
    if repeats < 1:
        raise SweepError("Each cell needs at least one request.")
    total = math.prod(len(values) for values in columns) * repeats
    if total > MAX_REQUESTS:
        raise SweepError(
            f"That sweep needs {total} requests; the most is {MAX_REQUESTS}. "
            "Use fewer values or repeats."
        )
    return [
        SweepCell(values=dict(zip(names, combo, strict=True)), repeat=repeat)
        for combo in itertools.product(*columns)
        for repeat in range(1, repeats + 1)
    ]


def _validated(name: str, value: object) -> Number:
    try:
        result = validate(name, value)
    except ParamError as exc:
        raise SweepError(str(exc)) from None
    assert isinstance(result, int | float)  # a float or int field gives a number
    return result


# --- answer statistics -------------------------------------------------------------

_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Lowercased words and punctuation marks, each mark a token of its own.

    ``"Don't stop, go!"`` → ``["don't", "stop", ",", "go", "!"]``.
    """
    return _TOKEN.findall(text.lower())


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_"


@dataclass(frozen=True)
class CellStats:
    """What the answers of one sweep cell (one per repeat) have in common.

    ``distinct_1``/``distinct_2``: unique n-grams over all n-grams of all answers'
    tokens (words and punctuation; an n-gram never spans two answers), None when
    there is no n-gram. ``pairwise_similarity``: the mean Jaccard similarity of the
    answers' word sets (punctuation left out) over all pairs, None with fewer than two
    answers; two answers without words count as identical. ``mean_words`` counts
    words only.
    """

    count: int
    mean_chars: float
    min_chars: int
    max_chars: int
    mean_words: float
    distinct_1: float | None
    distinct_2: float | None
    pairwise_similarity: float | None


def _distinct(token_lists: Sequence[Sequence[str]], n: int) -> float | None:
    grams: list[tuple[str, ...]] = []
    for toks in token_lists:
        grams.extend(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))
    if not grams:
        return None
    return len(set(grams)) / len(grams)


def _jaccard(a: set[str], b: set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def cell_stats(texts: Sequence[str]) -> CellStats:
    """The statistics of one cell's answer texts, one text per repeat."""
    if not texts:
        return CellStats(0, 0.0, 0, 0, 0.0, None, None, None)
    lengths = [len(text) for text in texts]
    token_lists = [tokens(text) for text in texts]
    word_lists = [[t for t in toks if _is_word(t)] for toks in token_lists]
    similarity: float | None = None
    if len(texts) >= 2:
        sets = [set(words) for words in word_lists]
        pairs = list(itertools.combinations(sets, 2))
        similarity = math.fsum(_jaccard(a, b) for a, b in pairs) / len(pairs)
    return CellStats(
        count=len(texts),
        mean_chars=sum(lengths) / len(texts),
        min_chars=min(lengths),
        max_chars=max(lengths),
        mean_words=sum(len(words) for words in word_lists) / len(texts),
        distinct_1=_distinct(token_lists, 1),
        distinct_2=_distinct(token_lists, 2),
        pairwise_similarity=similarity,
    )


def diversity(stats: CellStats) -> float | None:
    """1 − the mean pairwise similarity: 0 when all answers use the same words."""
    if stats.pairwise_similarity is None:
        return None
    return 1.0 - stats.pairwise_similarity
