"""Chance or parameters: how far answers to the identical request differ.

"Repeat ×k" sends an answer's request again k times. :func:`repeat_report` compares the
answers: whether they are identical, the first token where they part, and the diversity
figure of the sweep (:func:`core.sweep.diversity`: 1 − the mean pairwise Jaccard
similarity of their word sets). With a seed, identical answers mean the endpoint
honoured it; a different ``system_fingerprint`` (another backend configuration) excuses
a difference.

The same figure tells a parameter's effect from noise (:func:`effect_vs_noise`): the
answers of different settings must differ more than repeats of one setting do.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.chat import Message
from core.sampling import answer_logprobs
from core.sweep import cell_stats, diversity, tokens

# An effect counts as real when the answers of different settings are more diverse than
# repeats of one setting by this factor and this much at least.
EFFECT_FACTOR = 1.25
EFFECT_MARGIN = 0.02


@dataclass(frozen=True, slots=True)
class Parting:
    """Where answers first differ: the position (0-based) in ``unit``s and what each
    answer has there ("" when it has already ended)."""

    index: int
    pieces: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RepeatReport:
    """How the answers to one request compare (the original first)."""

    count: int
    distinct: int  # how many different texts
    same_as_first: tuple[bool, ...]
    parting: Parting | None  # None when all are identical (or fewer than two)
    unit: str  # "token" when every answer has token probabilities, else "word"
    diversity: float | None
    seed: int | None
    fingerprints: tuple[str, ...]  # each distinct system_fingerprint, in order seen

    @property
    def identical(self) -> bool:
        return self.count >= 2 and self.distinct == 1

    @property
    def seed_honoured(self) -> bool | None:
        """With a seed: True when the answers are identical, False when they differ on
        one backend configuration, None when there is no seed, too few answers, or the
        fingerprints differ (nothing can be said)."""
        if self.seed is None or self.count < 2:
            return None
        if self.identical:
            return True
        return False if len(self.fingerprints) <= 1 else None


def _pieces(message: Message, unit: str) -> list[str]:
    if unit == "token":
        return [entry.token for entry in answer_logprobs(message)]
    return tokens(message.content)


def _parting(sequences: Sequence[Sequence[str]]) -> Parting | None:
    longest = max((len(s) for s in sequences), default=0)
    for index in range(longest):
        pieces = tuple(s[index] if index < len(s) else "" for s in sequences)
        if len(set(pieces)) > 1:
            return Parting(index, pieces)
    return None


def _seed(message: Message) -> int | None:
    seed = message.params.get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def repeat_report(answers: Sequence[Message]) -> RepeatReport:
    """Compare ``answers`` (the original first, then its repeats that finished)."""
    texts = [a.content for a in answers]
    unit = "token" if answers and all(answer_logprobs(a) for a in answers) else "word"
    sequences = [_pieces(a, unit) for a in answers]
    parting = _parting(sequences) if len(set(texts)) > 1 else None
    if parting is None and len(set(texts)) > 1:  # same pieces, different spacing
        parting = Parting(0, tuple(t[:12] for t in texts))
    fingerprints: list[str] = []
    for answer in answers:
        fp = answer.stats.system_fingerprint if answer.stats is not None else ""
        if fp and fp not in fingerprints:
            fingerprints.append(fp)
    first = texts[0] if texts else ""
    return RepeatReport(
        count=len(answers),
        distinct=len(set(texts)),
        same_as_first=tuple(t == first for t in texts),
        parting=parting,
        unit=unit,
        diversity=diversity(cell_stats(texts)) if len(texts) >= 2 else None,
        seed=_seed(answers[0]) if answers else None,
        fingerprints=tuple(fingerprints),
    )


def _words(text: str) -> set[str]:
    return {t for t in tokens(text) if t[0].isalnum() or t[0] == "_"}


def _jaccard(a: set[str], b: set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def cross_diversity(first: Sequence[str], second: Sequence[str]) -> float | None:
    """1 − the mean Jaccard similarity of word sets over every pair of one answer from
    ``first`` and one from ``second``: the diversity figure between two settings."""
    if not first or not second:
        return None
    a_sets = [_words(t) for t in first]
    b_sets = [_words(t) for t in second]
    pairs = list(itertools.product(a_sets, b_sets))
    return 1.0 - math.fsum(_jaccard(a, b) for a, b in pairs) / len(pairs)


@dataclass(frozen=True, slots=True)
class NoiseCheck:
    """Answers of several settings against repeats of each setting.

    ``within``: the mean diversity among the repeats of one setting (the noise), None
    when no setting has two answers; ``between``: the mean diversity between answers
    of different settings, None with fewer than two settings.
    """

    within: float | None
    between: float | None

    @property
    def real(self) -> bool | None:
        """True when the settings change the answers beyond the noise; None when there
        is nothing to tell it by."""
        if self.within is None or self.between is None:
            return None
        return is_effect(self.between, self.within)

    def sentence(self) -> str:
        if self.between is None:
            return "Sweep at least two values to see an effect."
        if self.within is None:
            return (
                f"Diversity between values {self.between:.2f}. Repeat each value at least "
                "twice to tell an effect of the parameter from chance."
            )
        verdict = (
            "the parameter changes the answers more than chance does"
            if self.real
            else "the differences are within what chance alone gives"
        )
        return (
            f"Diversity between values {self.between:.2f}, among repeats of one value "
            f"{self.within:.2f}: {verdict}."
        )


def is_effect(between: float, within: float) -> bool:
    """Whether a diversity ``between`` settings stands out from the ``within`` noise."""
    return between > within * EFFECT_FACTOR + EFFECT_MARGIN


def effect_vs_noise(groups: Sequence[Sequence[str]]) -> NoiseCheck:
    """Compare the answer texts of several settings, one group of repeats per setting."""
    withins = [
        d for g in groups if len(g) >= 2 and (d := diversity(cell_stats(list(g)))) is not None
    ]
    filled = [g for g in groups if g]
    betweens = [
        d
        for a, b in itertools.combinations(filled, 2)
        if (d := cross_diversity(list(a), list(b))) is not None
    ]
    return NoiseCheck(
        within=math.fsum(withins) / len(withins) if withins else None,
        between=math.fsum(betweens) / len(betweens) if betweens else None,
    )
