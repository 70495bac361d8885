"""The sampling visualiser's arithmetic: candidates, temperature, nucleus, entropy."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.chat import TokenLogprob, TopLogprob
from core.sampling import (
    Bar,
    Candidate,
    candidates,
    display_token,
    entropy,
    nucleus_cutoff,
    reshape,
)

LN = math.log
THREE = [Candidate("a", LN(0.5), True), Candidate("b", LN(0.3)), Candidate("c", LN(0.2))]


def probs(bars: list[Bar]) -> list[float]:
    return [bar.probability for bar in bars]


# --- candidates -------------------------------------------------------------------


def test_chosen_token_in_top_is_listed_once() -> None:
    entry = TokenLogprob(
        token=" the",
        logprob=LN(0.5),
        top=[TopLogprob(" a", LN(0.3)), TopLogprob(" the", LN(0.5)), TopLogprob("\n", LN(0.2))],
    )
    assert candidates(entry) == [
        Candidate(" the", LN(0.5), True),
        Candidate(" a", LN(0.3), False),
        Candidate("\n", LN(0.2), False),
    ]


def test_chosen_token_missing_from_top_is_added_in_order() -> None:
    entry = TokenLogprob(
        token="z", logprob=LN(0.1), top=[TopLogprob("x", LN(0.6)), TopLogprob("y", LN(0.2))]
    )
    assert [(c.token, c.chosen) for c in candidates(entry)] == [
        ("x", False),
        ("y", False),
        ("z", True),
    ]


def test_duplicate_alternatives_keep_the_highest_logprob() -> None:
    entry = TokenLogprob(
        token="a",
        logprob=LN(0.4),
        top=[TopLogprob("b", LN(0.1)), TopLogprob("b", LN(0.3)), TopLogprob("a", LN(0.45))],
    )
    assert candidates(entry) == [Candidate("a", LN(0.4), True), Candidate("b", LN(0.3), False)]


def test_no_top_gives_the_chosen_token_alone_and_nan_is_minus_inf() -> None:
    assert candidates(TokenLogprob(token="a", logprob=-0.1)) == [Candidate("a", -0.1, True)]
    entry = TokenLogprob(token="a", logprob=math.nan, top=[TopLogprob("b", -1.0)])
    assert candidates(entry) == [Candidate("b", -1.0), Candidate("a", -math.inf, True)]


def test_ties_keep_the_chosen_token_first() -> None:
    entry = TokenLogprob(token="b", logprob=LN(0.5), top=[TopLogprob("a", LN(0.5))])
    assert [c.token for c in candidates(entry)] == ["b", "a"]


# --- reshape: hand-checked numbers ------------------------------------------------


def test_temperature_one_top_p_one_returns_the_logprobs() -> None:
    bars = reshape(THREE, 1.0, 1.0)
    assert probs(bars) == pytest.approx([0.5, 0.3, 0.2])
    assert [b.probability_before_top_p for b in bars] == pytest.approx([0.5, 0.3, 0.2])
    assert [b.cumulative for b in bars] == pytest.approx([0.5, 0.8, 1.0])
    assert [b.included for b in bars] == [True, True, True]
    assert [b.chosen for b in bars] == [True, False, False]
    assert [b.token for b in bars] == ["a", "b", "c"]


def test_temperature_zero_is_greedy() -> None:
    bars = reshape(THREE, 0.0, 1.0)
    assert probs(bars) == [1.0, 0.0, 0.0]
    assert all(b.included for b in bars)  # top_p 1 excludes nothing
    assert entropy(bars) == 0.0


def test_temperature_two_is_proportional_to_the_square_root() -> None:
    roots = [math.sqrt(0.5), math.sqrt(0.3), math.sqrt(0.2)]
    expected = [r / sum(roots) for r in roots]
    assert probs(reshape(THREE, 2.0, 1.0)) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx([0.41545, 0.32180, 0.26275], abs=1e-5)


def test_top_p_keeps_the_smallest_prefix_and_renormalises() -> None:
    bars = reshape(THREE, 1.0, 0.6)
    assert probs(bars) == pytest.approx([0.625, 0.375, 0.0])
    assert [b.included for b in bars] == [True, True, False]
    assert bars[2].probability_before_top_p == pytest.approx(0.2)
    assert nucleus_cutoff(bars) == 1


def test_top_p_reached_exactly_keeps_only_the_first() -> None:
    bars = reshape(THREE, 1.0, 0.5)
    assert probs(bars) == [1.0, 0.0, 0.0]
    assert [b.included for b in bars] == [True, False, False]
    assert nucleus_cutoff(bars) == 0


def test_top_p_zero_keeps_one_and_eighty_percent_keeps_two() -> None:
    assert [b.included for b in reshape(THREE, 1.0, 0.0)] == [True, False, False]
    assert [b.included for b in reshape(THREE, 1.0, 0.8)] == [True, True, False]
    assert [b.included for b in reshape(THREE, 1.0, 0.81)] == [True, True, True]


def test_generated_at_rescales_the_logprobs() -> None:
    # logprobs of 0.5/0.3/0.2 produced at T=0.5 come from logits ln(p) * 0.5,
    # so at T=1 the probabilities are proportional to the square roots.
    roots = [math.sqrt(0.5), math.sqrt(0.3), math.sqrt(0.2)]
    bars = reshape(THREE, 1.0, 1.0, generated_at=0.5)
    assert probs(bars) == pytest.approx([r / sum(roots) for r in roots], rel=1e-12)
    same = reshape(THREE, 0.5, 1.0, generated_at=0.5)
    assert probs(same) == pytest.approx([0.5, 0.3, 0.2])
    assert probs(reshape(THREE, 1.0, 1.0, generated_at=0.0)) == pytest.approx([0.5, 0.3, 0.2])


def test_extreme_temperatures() -> None:
    cold = reshape(THREE, 0.01, 1.0)
    assert cold[0].probability == pytest.approx(1.0)
    assert cold[1].probability == pytest.approx(0.6**100, rel=1e-9)  # (0.3/0.5) ** (1/0.01)
    assert probs(reshape(THREE, 1e-300, 1.0)) == [1.0, 0.0, 0.0]
    hot = reshape(THREE, 2.0, 1.0)
    assert entropy(hot) > entropy(reshape(THREE, 1.0, 1.0))
    assert probs(reshape(THREE, math.inf, 1.0)) == pytest.approx([1 / 3] * 3)


def test_minus_inf_logprobs_get_nothing() -> None:
    cands = [Candidate("a", LN(0.5)), Candidate("b", -math.inf), Candidate("c", LN(0.5))]
    bars = reshape(cands, 1.0, 1.0)
    assert [b.token for b in bars] == ["a", "c", "b"]
    assert probs(bars) == pytest.approx([0.5, 0.5, 0.0])
    assert probs(reshape(cands, 0.01, 0.9)) == pytest.approx([0.5, 0.5, 0.0])
    everything_impossible = [Candidate("a", -math.inf), Candidate("b", -math.inf)]
    assert probs(reshape(everything_impossible, 0.7, 1.0)) == [0.5, 0.5]


def test_ties() -> None:
    tied = [Candidate("a", LN(0.4)), Candidate("b", LN(0.4)), Candidate("c", LN(0.2))]
    assert probs(reshape(tied, 0.0, 1.0)) == [0.5, 0.5, 0.0]
    bars = reshape(tied, 1.0, 0.4)
    assert [b.included for b in bars] == [True, False, False]  # the tie is cut
    assert entropy(reshape(tied, 0.0, 1.0)) == pytest.approx(1.0)


def test_single_candidate_and_no_candidates() -> None:
    for temperature, top_p in [(0.0, 0.0), (1.0, 1.0), (2.0, 0.3), (0.01, 0.99)]:
        (bar,) = reshape([Candidate("x", -3.0, True)], temperature, top_p)
        assert bar == Bar("x", 1.0, 1.0, 1.0, True, True)
    assert reshape([], 1.0, 1.0) == []
    assert nucleus_cutoff([]) == -1
    assert entropy([]) == 0.0


def test_unordered_input_is_sorted() -> None:
    bars = reshape(list(reversed(THREE)), 1.0, 1.0)
    assert [b.token for b in bars] == ["a", "b", "c"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        reshape(THREE, -0.1, 1.0)
    with pytest.raises(ValueError):
        reshape(THREE, math.nan, 1.0)
    with pytest.raises(ValueError):
        reshape(THREE, 1.0, math.nan)


def test_entropy_in_bits() -> None:
    assert entropy(reshape(THREE, 1.0, 1.0)) == pytest.approx(
        -(0.5 * math.log2(0.5) + 0.3 * math.log2(0.3) + 0.2 * math.log2(0.2))
    )
    four = [Candidate(t, LN(0.25)) for t in "abcd"]
    assert entropy(reshape(four, 1.3, 1.0)) == pytest.approx(2.0)
    assert entropy(reshape(four, 1.0, 0.5)) == pytest.approx(1.0)  # two kept of four


# --- display_token ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        (" the", "␣the"),
        ("\n\n", "↵↵"),
        ("\tx", "⇥x"),
        ("\r\n", "␍↵"),
        ("", "∅"),
        ("\u00a0", "␣"),
        ("\u200b", "\\u200b"),
        ("\x0b", "\\x0b"),
        ("héllo", "héllo"),
        ("日本", "日本"),
    ],
)
def test_display_token(token: str, shown: str) -> None:
    assert display_token(token) == shown


# --- properties -------------------------------------------------------------------

LOGPROBS = st.lists(
    st.one_of(st.floats(min_value=-60.0, max_value=0.0), st.just(-math.inf)),
    min_size=1,
    max_size=20,
)
TEMPERATURE = st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=2.0))
TOP_P = st.floats(min_value=0.0, max_value=1.0)


def make(logprobs: list[float]) -> list[Candidate]:
    return [Candidate(f"t{i}", lp, i == 0) for i, lp in enumerate(logprobs)]


@settings(max_examples=300)
@given(LOGPROBS, TEMPERATURE, TOP_P)
def test_included_probabilities_sum_to_one(
    logprobs: list[float], temperature: float, top_p: float
) -> None:
    bars = reshape(make(logprobs), temperature, top_p)
    assert len(bars) == len(logprobs)
    assert math.fsum(b.probability for b in bars if b.included) == pytest.approx(1.0)
    assert all(b.probability == 0.0 for b in bars if not b.included)
    assert math.fsum(b.probability_before_top_p for b in bars) == pytest.approx(1.0)
    assert bars[-1].cumulative == pytest.approx(1.0)
    cutoff = nucleus_cutoff(bars)
    assert cutoff >= 0
    assert [b.included for b in bars] == [i <= cutoff for i in range(len(bars))]
    assert all(0.0 <= b.probability <= 1.0 for b in bars)


@settings(max_examples=300)
@given(LOGPROBS, TEMPERATURE, TOP_P)
def test_probabilities_follow_logprob_order(
    logprobs: list[float], temperature: float, top_p: float
) -> None:
    by_token = {f"t{i}": lp for i, lp in enumerate(logprobs)}
    bars = reshape(make(logprobs), temperature, top_p)
    for earlier, later in itertools.pairwise(bars):
        assert by_token[earlier.token] >= by_token[later.token]
        assert earlier.probability_before_top_p >= later.probability_before_top_p
        assert earlier.probability >= later.probability


@settings(max_examples=300)
@given(LOGPROBS, TEMPERATURE, TEMPERATURE)
def test_higher_temperature_never_lowers_entropy(
    logprobs: list[float], t1: float, t2: float
) -> None:
    low, high = sorted((t1, t2))
    cands = make(logprobs)
    assert entropy(reshape(cands, low, 1.0)) <= entropy(reshape(cands, high, 1.0)) + 1e-9


@settings(max_examples=300)
@given(LOGPROBS, TEMPERATURE, TOP_P, TOP_P)
def test_lower_top_p_includes_no_more(
    logprobs: list[float], temperature: float, p1: float, p2: float
) -> None:
    low, high = sorted((p1, p2))
    cands = make(logprobs)
    kept_low = sum(b.included for b in reshape(cands, temperature, low))
    kept_high = sum(b.included for b in reshape(cands, temperature, high))
    assert 1 <= kept_low <= kept_high


@given(LOGPROBS)
def test_top_p_one_excludes_nothing(logprobs: list[float]) -> None:
    assert all(b.included for b in reshape(make(logprobs), 0.7, 1.0))


@given(LOGPROBS, st.floats(min_value=0.1, max_value=2.0), st.floats(min_value=0.1, max_value=2.0))
def test_generated_at_is_a_rescaling_of_temperature(
    logprobs: list[float], temperature: float, generated_at: float
) -> None:
    cands = make(logprobs)
    scaled = reshape(cands, temperature, 1.0, generated_at=generated_at)
    plain = reshape(cands, temperature / generated_at, 1.0)
    assert probs(scaled) == pytest.approx(probs(plain), abs=1e-9)
