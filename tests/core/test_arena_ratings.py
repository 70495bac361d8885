"""The arena's ratings against worked examples: Bradley–Terry by hand and against a
reference fit written here another way (gradient ascent on the log-likelihood), Elo by
hand, bootstrap intervals, and the games a vote makes."""

from __future__ import annotations

import math

import pytest

from core.arena import ratings
from core.arena.battle import BattleRecord, games
from core.arena.ratings import Game


def reference_bt(played: list[Game], prior: float) -> dict[str, float]:
    """Maximum likelihood by plain gradient ascent on θ (p = e^θ), the reference at θ = 0."""
    models = sorted({m for a, b, _ in played for m in (a, b)})
    theta = dict.fromkeys(models, 0.0)

    def sigmoid(x: float) -> float:
        return 1.0 / (1.0 + math.exp(-x))

    for _ in range(200_000):
        grad = dict.fromkeys(models, 0.0)
        for a, b, score in played:
            p = sigmoid(theta[a] - theta[b])
            grad[a] += score - p
            grad[b] -= score - p
        for m in models:  # prior/2 wins and prior/2 losses against the reference
            grad[m] += prior * (0.5 - sigmoid(theta[m]))
        if max(abs(g) for g in grad.values()) < 1e-12:
            break
        for m in models:
            theta[m] += 0.1 * grad[m]
    return {m: 1000 + 400 * t / math.log(10) for m, t in theta.items()}


# Five battles' worth of games between three models, with a tie.
WORKED: list[Game] = [
    ("alpha", "beta", 1.0),
    ("alpha", "beta", 1.0),
    ("beta", "alpha", 1.0),
    ("alpha", "gamma", 1.0),
    ("gamma", "beta", 0.5),
    ("beta", "gamma", 1.0),
    ("gamma", "alpha", 1.0),
]


def test_two_models_by_hand() -> None:
    # three wins to one: p_a / p_b = 3, so the gap is 400 · log10(3) = 190.85 points
    played = [("a", "b", 1.0)] * 3 + [("a", "b", 0.0)]
    fit = ratings.bradley_terry(played, prior=0)
    assert fit["a"] - fit["b"] == pytest.approx(400 * math.log10(3), abs=1e-6)
    assert fit["a"] + fit["b"] == pytest.approx(2000, abs=1e-6)  # centred on 1000
    assert fit["a"] == pytest.approx(1095.4243, abs=1e-3)


def test_a_tie_is_half_a_win_each() -> None:
    fit = ratings.bradley_terry([("a", "b", 1.0), ("a", "b", 0.5)], prior=0)
    assert fit["a"] - fit["b"] == pytest.approx(400 * math.log10(1.5 / 0.5), abs=1e-6)


@pytest.mark.parametrize("prior", [1.0, 0.5, 2.0])
def test_three_models_match_the_reference_fit(prior: float) -> None:
    fit = ratings.bradley_terry(WORKED, prior=prior)
    ref = reference_bt(WORKED, prior)
    for model in ("alpha", "beta", "gamma"):
        assert fit[model] == pytest.approx(ref[model], abs=1e-4)
    assert fit["alpha"] > fit["beta"] > fit["gamma"]


def test_an_unbeaten_model_has_a_finite_rating_with_the_prior() -> None:
    fit = ratings.bradley_terry([("a", "b", 1.0)] * 4, prior=1.0)
    assert math.isfinite(fit["a"]) and fit["a"] > 1000 > fit["b"]
    # symmetric: a at 1000 + x, b at 1000 - x; 4.5 points of 5 won against b and the reference
    assert fit["a"] - 1000 == pytest.approx(1000 - fit["b"], abs=1e-6)
    with pytest.raises(ValueError):
        ratings.bradley_terry([("a", "b", 1.0)], prior=0)


def test_elo_by_hand() -> None:
    first = ratings.elo([("a", "b", 1.0)])
    assert first == {"a": 1016.0, "b": 984.0}  # expected 0.5 each, K = 32
    both = ratings.elo([("a", "b", 1.0), ("b", "a", 1.0)])
    expected_b = 1 / (1 + 10 ** ((1016 - 984) / 400))  # 10^0.08 = 1.20226, so 0.454078
    assert expected_b == pytest.approx(0.454078, abs=1e-6)
    assert both["b"] == pytest.approx(984 + 32 * (1 - expected_b), abs=1e-9)  # 1001.4695
    assert both["a"] == pytest.approx(1016 - 32 * (1 - expected_b), abs=1e-9)  # 998.5305
    assert both["b"] == pytest.approx(1001.4695, abs=1e-3)
    assert ratings.elo([("a", "b", 0.5)], k=10, start=1500) == {"a": 1500.0, "b": 1500.0}


def test_bootstrap_interval_is_seeded_and_holds_the_fit() -> None:
    played = WORKED * 4
    fit = ratings.bradley_terry(played)
    once = ratings.bootstrap(played, rounds=100, seed=7)
    assert once == ratings.bootstrap(played, rounds=100, seed=7)
    for model, (low, high) in once.items():
        assert low < fit[model] < high
    wider = ratings.bootstrap(WORKED, rounds=100, seed=7)
    assert wider["alpha"][1] - wider["alpha"][0] > once["alpha"][1] - once["alpha"][0]


def test_percentile_is_linear_between_ranks() -> None:
    assert ratings._percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert ratings._percentile([5.0], 97.5) == 5.0


def test_leaderboard_uses_elo_until_there_are_enough_games() -> None:
    few = ratings.leaderboard(WORKED)
    assert few.method == "elo" and "K = 32" in few.description and "start 1000" in few.description
    many = ratings.leaderboard(WORKED * 2, rounds=50)
    assert many.method == "bradley-terry"
    assert [row.model for row in many.rows] == ["alpha", "beta", "gamma"]
    alpha = many.rows[0]
    assert alpha.low <= alpha.rating <= alpha.high
    assert (alpha.record.games, alpha.record.wins, alpha.record.ties, alpha.record.losses) == (
        10,
        6,
        0,
        4,
    )


def test_records_and_win_rates() -> None:
    counts = ratings.records(WORKED)
    assert counts["gamma"] == ratings.Record(games=4, wins=1, ties=1, losses=2)
    rates = ratings.win_rates(WORKED)
    assert rates[("alpha", "beta")] == (pytest.approx(2 / 3), 3)
    assert rates[("beta", "alpha")] == (pytest.approx(1 / 3), 3)
    assert rates[("gamma", "beta")] == (pytest.approx(0.25), 2)


def test_votes_become_games() -> None:
    two = BattleRecord(models=["x", "y"], vote="win", winner=1, voted_at=1.0)
    tie = BattleRecord(models=["x", "y"], vote="tie", voted_at=2.0)
    bad = BattleRecord(models=["y", "z"], vote="bad", voted_at=3.0)
    four = BattleRecord(models=["w", "x", "y", "z"], vote="win", winner=2, voted_at=4.0)
    pending = BattleRecord(models=["x", "y"])
    assert games([four, bad, pending, tie, two]) == [
        ("x", "y", 0.0),
        ("x", "y", 0.5),
        ("y", "z", 0.5),
        ("w", "y", 0.0),
        ("x", "y", 0.0),
        ("y", "z", 1.0),
    ]
