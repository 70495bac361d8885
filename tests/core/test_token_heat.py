"""What the heat map shows for a token: probability, candidate entropy, the tooltip."""

from __future__ import annotations

import math

import pytest

from core.chat import TokenLogprob, TopLogprob
from core.token_heat import (
    ENTROPY,
    PROBABILITY,
    candidate_entropy,
    describe,
    entropy_ceiling,
    heat_of,
    level,
    token_heat,
)

LN = math.log


def entry(token: str, *alternatives: tuple[str, float]) -> TokenLogprob:
    top = [TopLogprob(t, LN(p)) for t, p in alternatives]
    return TokenLogprob(token=token, logprob=top[0].logprob, top=top)


def test_entropy_of_the_returned_candidates() -> None:
    assert candidate_entropy(entry("a", ("a", 0.5), ("b", 0.5))) == (pytest.approx(1.0), 2)
    four = entry("a", ("a", 0.2), ("b", 0.2), ("c", 0.2), ("d", 0.2))
    assert candidate_entropy(four)[0] == pytest.approx(2.0)  # renormalised over the shown
    assert candidate_entropy(TokenLogprob(token="x", logprob=-0.1)) == (0.0, 1)


def test_levels_and_low_tokens() -> None:
    sure = token_heat(entry("a", ("a", 0.95), ("b", 0.05)))
    unsure = token_heat(entry("b", ("b", 0.1), ("a", 0.45), ("c", 0.45)))
    assert not sure.low and unsure.low
    assert level(sure, PROBABILITY, 1) == pytest.approx(0.05)
    assert level(unsure, PROBABILITY, 1) == pytest.approx(0.9)
    ceiling = entropy_ceiling([sure, unsure])
    assert ceiling == pytest.approx(math.log2(3))
    assert 0 < level(sure, ENTROPY, ceiling) < level(unsure, ENTROPY, ceiling) <= 1
    assert len(heat_of([entry("a", ("a", 1.0))] * 5, start=2)) == 3


def test_the_tooltip_lists_the_candidates_with_the_chosen_marked() -> None:
    e = entry(" sat", (" sat", 0.6), (" ran", 0.3), ("\n", 0.1))
    text = describe(token_heat(e), e, 3)
    assert text.splitlines()[0] == "Token 3: “␣sat”"
    assert "60.0% as generated" in text
    assert "▸ ␣sat  60.0%" in text and "␣ran  30.0%" in text and "↵  10.0%" in text
    alone = TokenLogprob(token="x", logprob=-0.1)
    assert "no alternatives" in describe(token_heat(alone), alone, 1)
