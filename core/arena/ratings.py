"""Ratings from arena votes: a Bradley–Terry fit with bootstrap intervals, and Elo.

Every vote becomes pairwise games (see :func:`core.arena.battle.games`): ``(a, b, score)``
with score 1 when ``a`` won, 0 when ``b`` won and 0.5 for a tie. A tie counts as half a
win for each side, as LMArena counts it.

Bradley–Terry gives each model a strength ``p`` with P(i beats j) = p_i / (p_i + p_j),
fitted by maximum likelihood with Hunter's MM iterations. So that a model that never lost
(or never won) still gets a finite rating, each model also plays ``prior`` virtual games
(half won, half lost) against a fixed reference of strength 1. Ratings are on the Elo
scale: ``BT_BASE + 400 · log10(p)``, so the reference sits at 1000 and a 400-point gap means
odds of ten to one. The interval is the 2.5th to 97.5th percentile of the ratings fitted
to ``rounds`` resamples of the votes (with replacement, seeded, so the same votes give the
same interval).

Elo is the online rating: every model starts at ``ELO_START`` and after each game, in the
order played, moves by ``ELO_K · (score − expected)``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Game = tuple[str, str, float]  # model a, model b, a's score (1 win, 0.5 tie, 0 loss)

BT_BASE = 1000.0
SCALE = 400.0
ELO_K = 32.0
ELO_START = 1000.0
DEFAULT_PRIOR = 1.0
DEFAULT_ROUNDS = 200
MIN_GAMES_FOR_FIT = 10  # fewer games than this: the leaderboard shows Elo
_MAX_ITERATIONS = 10_000
_TOLERANCE = 1e-10


@dataclass(frozen=True, slots=True)
class Record:
    """A model's games: how many, and how they ended."""

    games: int = 0
    wins: int = 0
    ties: int = 0
    losses: int = 0


@dataclass(frozen=True, slots=True)
class Rating:
    model: str
    rating: float
    low: float  # the interval (equal to ``rating`` for Elo, which has none)
    high: float
    record: Record


def records(games: Iterable[Game]) -> dict[str, Record]:
    """Games, wins, ties and losses of every model that played."""
    counts: dict[str, list[int]] = {}
    for a, b, score in games:
        for model, own in ((a, score), (b, 1.0 - score)):
            row = counts.setdefault(model, [0, 0, 0, 0])
            row[0] += 1
            row[1 if own == 1.0 else 3 if own == 0.0 else 2] += 1
    return {m: Record(*row) for m, row in counts.items()}


def bradley_terry(games: Sequence[Game], prior: float = DEFAULT_PRIOR) -> dict[str, float]:
    """Each model's Bradley–Terry rating (on the Elo scale, the reference at 1000).

    With ``prior`` 0 there is no reference: the ratings are centred so that their mean is
    ``BT_BASE`` (only differences mean anything then), and a model that never lost has
    no finite maximum-likelihood rating (ValueError).
    """
    models = sorted({m for a, b, _ in games for m in (a, b)})
    if not models:
        return {}
    wins = dict.fromkeys(models, 0.0)
    pairs: dict[tuple[str, str], float] = {}  # games between the two, key sorted
    for a, b, score in games:
        if a == b:
            continue
        wins[a] += score
        wins[b] += 1.0 - score
        key = (a, b) if a < b else (b, a)
        pairs[key] = pairs.get(key, 0.0) + 1.0
    if prior <= 0 and any(w <= 0 for w in wins.values()):
        raise ValueError("a model without a win has no finite rating without a prior")
    opponents: dict[str, list[tuple[str, float]]] = {m: [] for m in models}
    for (a, b), n in pairs.items():
        opponents[a].append((b, n))
        opponents[b].append((a, n))
    strength = dict.fromkeys(models, 1.0)
    for _ in range(_MAX_ITERATIONS):
        change = 0.0
        updated: dict[str, float] = {}
        for m in models:
            p = strength[m]
            won = wins[m] + prior / 2
            denominator = sum(n / (p + strength[o]) for o, n in opponents[m])
            denominator += prior / (p + 1.0)
            new = won / denominator if denominator > 0 else p
            updated[m] = new
            change = max(change, abs(math.log(new) - math.log(p)))
        strength = updated
        if prior <= 0:  # no anchor: keep the geometric mean at 1
            centre = math.exp(sum(math.log(s) for s in strength.values()) / len(strength))
            strength = {m: s / centre for m, s in strength.items()}
        if change < _TOLERANCE:
            break
    return {m: BT_BASE + SCALE * math.log10(s) for m, s in strength.items()}


def bootstrap(
    games: Sequence[Game],
    rounds: int = DEFAULT_ROUNDS,
    seed: int = 0,
    prior: float = DEFAULT_PRIOR,
) -> dict[str, tuple[float, float]]:
    """The 95 % interval of each model's Bradley–Terry rating, from ``rounds`` resamples.

    A model missing from a resample does not count in that round.
    """
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        drawn = [games[rng.randrange(len(games))] for _ in games]
        for model, value in bradley_terry(drawn, prior).items():
            samples.setdefault(model, []).append(value)
    return {m: (_percentile(v, 2.5), _percentile(v, 97.5)) for m, v in samples.items()}


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def elo(games: Iterable[Game], k: float = ELO_K, start: float = ELO_START) -> dict[str, float]:
    """Elo ratings after playing ``games`` in order."""
    ratings: dict[str, float] = {}
    for a, b, score in games:
        ra = ratings.setdefault(a, start)
        rb = ratings.setdefault(b, start)
        expected = 1.0 / (1.0 + 10 ** ((rb - ra) / SCALE))
        ratings[a] = ra + k * (score - expected)
        ratings[b] = rb - k * (score - expected)
    return ratings


def expected_score(rating_a: float, rating_b: float) -> float:
    """The chance that a model rated ``rating_a`` beats one rated ``rating_b``."""
    return 1.0 / (1.0 + 10 ** ((rating_b - rating_a) / SCALE))


@dataclass(frozen=True, slots=True)
class Leaderboard:
    method: str  # "bradley-terry" or "elo"
    rows: list[Rating]  # best first

    @property
    def description(self) -> str:
        if self.method == "elo":
            return (
                f"Elo (K = {ELO_K:g}, start {ELO_START:g}): fewer than {MIN_GAMES_FOR_FIT} "
                "games for a Bradley–Terry fit"
            )
        return "Bradley–Terry fit, 95 % bootstrap interval"


def leaderboard(games: Sequence[Game], rounds: int = DEFAULT_ROUNDS, seed: int = 0) -> Leaderboard:
    """The table: Bradley–Terry with intervals, or Elo when there are too few games."""
    counts = records(games)
    if len(games) < MIN_GAMES_FOR_FIT:
        values = elo(games)
        rows = [Rating(m, r, r, r, counts[m]) for m, r in values.items()]
        method = "elo"
    else:
        values = bradley_terry(games)
        intervals = bootstrap(games, rounds, seed)
        rows = [Rating(m, r, *intervals.get(m, (r, r)), counts[m]) for m, r in values.items()]
        method = "bradley-terry"
    rows.sort(key=lambda row: (-row.rating, row.model))
    return Leaderboard(method, rows)


def win_rates(games: Iterable[Game]) -> dict[tuple[str, str], tuple[float, int]]:
    """For each ordered pair (i, j) that met: i's share of points against j, and games."""
    points: dict[tuple[str, str], list[float]] = {}
    for a, b, score in games:
        if a == b:
            continue
        for key, own in (((a, b), score), ((b, a), 1.0 - score)):
            cell = points.setdefault(key, [0.0, 0.0])
            cell[0] += own
            cell[1] += 1
    return {key: (p / n, int(n)) for key, (p, n) in points.items()}
