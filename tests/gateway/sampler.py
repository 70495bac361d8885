"""The words the default answer samples: a tiny language model and a real sampler.

The "model" knows the 20 words of ``VOCABULARY``. Before each word it scores all of
them from the previous word and the position: they are ranked by ``zlib.crc32`` of
the two and the word (the same on every machine and every run), and the k-th gets
the logit ``-k * spread``, where ``spread`` (0.5 to 1.2) depends on the previous word
and the position too. Tokens are the words with a leading space, as BPE vocabularies
have them.

Each word is then drawn the way a server's sampler draws a token:

- ``temperature`` T: the probabilities are ``softmax(logits / T)``; T = 0 is greedy
  decoding (always the most likely word); a negative T counts as 0;
- ``top_p``: the most likely words are kept until their probabilities add up to
  ``top_p`` (always at least one), and the kept ones are renormalised;
- the random numbers come from ``random.Random(seed)`` when an integer ``seed`` is
  sent, otherwise from ``random.Random()``, seeded afresh from the OS. So the same
  seed, prompt and settings give the same words, and T = 0 always gives the same
  words whatever the seed.

Each sampled token carries its candidates with their log probabilities as a server
reports them: ``log softmax(logits / T)`` after the temperature and before the
top_p cut (for T = 0, those of T = 1), most likely first, all 20 of them, so any
``top_logprobs`` up to 20 is answered in full.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from typing import Any

VOCABULARY = (
    *("the", "model", "samples", "each", "word", "from", "a", "small", "list"),
    *("of", "candidates", "with", "some", "randomness", "and", "care", "here"),
    *("again", "today", "slowly"),
)
SAMPLED_WORDS = 8  # words a sampled answer adds after its echo
_TOLERANCE = 1e-9  # so that a sum such as 0.49999999999999994 reaches a top_p of 0.5


@dataclass(frozen=True)
class Sampling:
    """The sampling settings of one request."""

    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    words: int = SAMPLED_WORDS  # how many words an answer samples

    def rng(self) -> random.Random:
        return random.Random(self.seed) if self.seed is not None else random.Random()


@dataclass(frozen=True)
class Sampled:
    """One drawn token and every candidate it was drawn from, most likely first."""

    token: str
    candidates: tuple[tuple[str, float], ...]  # (token, logprob)

    @property
    def logprob(self) -> float:
        return dict(self.candidates)[self.token]


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value) if math.isfinite(value) else default


def sampling_of(body: dict[str, Any], *, by_default: bool = False) -> Sampling | None:
    """The request's sampling settings, or None when it sends none of ``temperature``,
    ``top_p`` and ``seed`` (and ``by_default`` is off): such requests get fixed text."""
    sent = [body.get(name) for name in ("temperature", "top_p", "seed")]
    if not by_default and all(value is None for value in sent):
        return None
    seed = sent[2]
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    return Sampling(
        temperature=max(0.0, _number(sent[0], 1.0)),
        top_p=_number(sent[1], 1.0),
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
    )


def logits_after(previous: str, position: int) -> list[tuple[str, float]]:
    """Every word of ``VOCABULARY`` as a token with its logit, highest first, for the
    word at ``position`` (0 for the first sampled one) after the word ``previous``."""
    key = f"{previous.strip().lower()}@{position}"
    ranked = sorted(VOCABULARY, key=lambda w: (zlib.crc32(f"{key}>{w}".encode()), w))
    spread = 0.5 + (zlib.crc32(key.encode()) % 8) / 10
    return [(f" {word}", -k * spread) for k, word in enumerate(ranked)]


def _log_softmax(logits: list[float], temperature: float) -> list[float]:
    scaled = [x / temperature for x in logits]
    top = max(scaled)
    total = math.log(math.fsum(math.exp(x - top) for x in scaled))
    return [x - top - total for x in scaled]


def _draw(probabilities: list[float], top_p: float, rng: random.Random) -> int:
    """The index drawn from ``probabilities`` (highest first) within the top_p nucleus."""
    kept, running = len(probabilities), 0.0
    for index, p in enumerate(probabilities):
        running += p
        if running >= top_p - _TOLERANCE:
            kept = index + 1
            break
    nucleus = probabilities[:kept]
    point = rng.random() * math.fsum(nucleus)
    for index, p in enumerate(nucleus):
        point -= p
        if point < 0:
            return index
    return kept - 1


def sample(previous: str, sampling: Sampling, rng: random.Random, count: int) -> list[Sampled]:
    """``count`` tokens drawn one after another, the first after the word ``previous``."""
    out: list[Sampled] = []
    for position in range(count):
        tokens, logits = zip(*logits_after(previous, position), strict=True)
        greedy = sampling.temperature == 0
        logprobs = _log_softmax(list(logits), 1.0 if greedy else sampling.temperature)
        probabilities = [math.exp(lp) for lp in logprobs]
        index = 0 if greedy else _draw(probabilities, sampling.top_p, rng)
        out.append(Sampled(tokens[index], tuple(zip(tokens, logprobs, strict=True))))
        previous = tokens[index]
    return out
