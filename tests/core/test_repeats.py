"""Chance or parameters: comparing repeats of one request, and settings against noise."""

from __future__ import annotations

import pytest

from core.chat import ChoiceSnapshot, Message, Stats, TokenLogprob
from core.repeats import cross_diversity, effect_vs_noise, repeat_report


def _answer(
    text: str, *, seed: int | None = None, fp: str = "fp_1", tokens: bool = False
) -> Message:
    params: dict[str, object] = {"model": "m"}
    if seed is not None:
        params["seed"] = seed
    message = Message(
        role="assistant", content=text, params=params, stats=Stats(system_fingerprint=fp)
    )
    if tokens:
        pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
        logprobs = [TokenLogprob(token=p, logprob=-0.1) for p in pieces]
        message.choices = [ChoiceSnapshot(content=text, logprobs=logprobs)]
    return message


def test_identical_answers_with_a_seed_honour_it() -> None:
    report = repeat_report([_answer("the cat sat", seed=7) for _ in range(3)])
    assert report.identical and report.distinct == 1 and report.parting is None
    assert report.diversity == 0 and report.seed == 7 and report.seed_honoured is True
    assert report.fingerprints == ("fp_1",)


def test_where_answers_part_in_words_or_tokens() -> None:
    answers = [_answer("the cat sat down"), _answer("the cat ran off"), _answer("the cat sat")]
    report = repeat_report(answers)
    assert not report.identical and report.distinct == 3 and report.unit == "word"
    assert report.parting is not None and report.parting.index == 2
    assert report.parting.pieces == ("sat", "ran", "sat")
    assert report.same_as_first == (True, False, False)
    assert report.diversity is not None and 0 < report.diversity < 1
    assert report.seed_honoured is None  # no seed
    tokened = repeat_report([_answer("abcdef", tokens=True), _answer("abcxyz", tokens=True)])
    assert tokened.unit == "token" and tokened.parting.index == 1


def test_a_seed_that_changes_nothing_is_reported_unless_the_backend_changed() -> None:
    differing = [_answer("one two", seed=1), _answer("three four", seed=1)]
    assert repeat_report(differing).seed_honoured is False
    other_backend = [_answer("one two", seed=1, fp="a"), _answer("three", seed=1, fp="b")]
    report = repeat_report(other_backend)
    assert report.seed_honoured is None and report.fingerprints == ("a", "b")


def test_an_effect_stands_out_from_the_noise() -> None:
    steady = [["red green blue"] * 3, ["cats dogs birds"] * 3]
    check = effect_vs_noise(steady)
    assert check.within == 0 and check.between == 1 and check.real is True
    assert "more than chance" in check.sentence()
    noisy = [
        ["alpha beta", "gamma delta", "beta gamma"],
        ["delta alpha", "beta delta", "gamma alpha"],
    ]
    check = effect_vs_noise(noisy)
    assert check.real is False and "within what chance" in check.sentence()
    single = effect_vs_noise([["a b"], ["c d"]])
    assert single.within is None and single.real is None
    assert "Repeat each value" in single.sentence()
    assert effect_vs_noise([["a"]]).between is None
    assert cross_diversity(["a b"], ["a b"]) == pytest.approx(0)
