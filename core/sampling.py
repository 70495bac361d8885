"""How temperature and top_p reshape the candidates of one generated token.

The sampling visualiser takes one token of an answer whose server returned
``logprobs`` with ``top_logprobs``, lists the chosen token and its runners-up as
:class:`Candidate` values, and re-shapes them into :class:`Bar` values for a
temperature and a top_p a person picks with sliders.

``top_logprobs`` is a truncated view of the model's distribution: only the few most
likely tokens are returned. Every probability computed here is therefore relative to
the candidates shown, renormalised so that they sum to 1; the mass of the tokens the
server did not return is unknown and left out.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from core.chat import Message, TokenLogprob

# Slack for comparing a cumulative probability against top_p, so that a sum such as
# 0.49999999999999994 still reaches a top_p of 0.5.
_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Candidate:
    """One token the model could have produced at this position."""

    token: str
    logprob: float
    chosen: bool = False


@dataclass(frozen=True, slots=True)
class Bar:
    """One candidate as it would be sampled at a given temperature and top_p.

    ``probability_before_top_p``: after the temperature, before the nucleus cutoff.
    ``cumulative``: the running sum of ``probability_before_top_p`` up to and
    including this bar, in bar order; the nucleus cutoff compares it with top_p.
    ``probability``: the final sampling probability, renormalised over the included
    bars; 0 for an excluded bar.
    """

    token: str
    probability: float
    probability_before_top_p: float
    cumulative: float
    included: bool
    chosen: bool


def answer_logprobs(message: Message) -> list[TokenLogprob]:
    """The token log probabilities of the text ``message`` shows, or an empty list.

    Those of the choice whose ``index`` is ``message.chosen`` (else the one at that
    position in ``choices``), after the probabilities of the message's prefix when it
    was branched from a token of another answer.
    """
    choice = next((c for c in message.choices if c.index == message.chosen), None)
    if choice is None and 0 <= message.chosen < len(message.choices):
        choice = message.choices[message.chosen]
    own = list(choice.logprobs) if choice is not None else []
    if message.prefix_logprobs:
        return [*message.prefix_logprobs, *own]
    return own


def generated_probability(entry: TokenLogprob) -> float:
    """The probability the server reported for the token it produced (NaN reads as 0)."""
    if math.isnan(entry.logprob):
        return 0.0
    return math.exp(min(entry.logprob, 0.0))


def _clean_logprob(value: float) -> float:
    """A logprob usable in arithmetic: NaN becomes -inf, anything above 0 becomes 0."""
    if math.isnan(value):
        return -math.inf
    return min(value, 0.0)


def candidates(entry: TokenLogprob) -> list[Candidate]:
    """The chosen token and its alternatives, one per token text, most likely first.

    The chosen token may or may not appear in ``entry.top``; it is listed once either
    way and keeps ``entry.logprob``. When several alternatives share a text, the one
    with the highest logprob is kept. Ties keep the chosen token first, then the
    server's order.
    """
    best: dict[str, float] = {entry.token: _clean_logprob(entry.logprob)}
    for alt in entry.top:
        if alt.token == entry.token:
            continue
        logprob = _clean_logprob(alt.logprob)
        if alt.token not in best or logprob > best[alt.token]:
            best[alt.token] = logprob
    result = [Candidate(token, lp, token == entry.token) for token, lp in best.items()]
    result.sort(key=lambda c: c.logprob, reverse=True)
    return result


def _softmax(logprobs: Sequence[float], temperature: float, generated_at: float) -> list[float]:
    """Probabilities of the logits ``logprob * generated_at / temperature``.

    The largest value is subtracted before exponentiating (log-sum-exp), so nothing
    overflows at any temperature. ``temperature`` 0 puts all mass on the largest
    logprob, split evenly between tied ones (the limit of the softmax as the
    temperature falls to 0). When every logprob is -inf they count as tied.
    """
    top = max(logprobs)
    if top == -math.inf:
        return [1.0 / len(logprobs)] * len(logprobs)
    if temperature == 0:
        ties = sum(1 for lp in logprobs if lp == top)
        return [1.0 / ties if lp == top else 0.0 for lp in logprobs]
    scale = generated_at / temperature  # may be inf for a tiny temperature
    weights: list[float] = []
    for lp in logprobs:
        shifted = lp - top  # <= 0, or -inf
        if shifted == 0:
            weights.append(1.0)
        elif shifted == -math.inf:
            weights.append(0.0)
        else:
            weights.append(math.exp(shifted * scale))
    total = math.fsum(weights)  # >= 1: the maximum contributes exp(0)
    return [w / total for w in weights]


def reshape(
    cands: Sequence[Candidate],
    temperature: float,
    top_p: float,
    generated_at: float = 1.0,
) -> list[Bar]:
    """The distribution the server would sample from, as bars, most likely first.

    The logprobs were produced at the temperature ``generated_at`` the answer was
    generated with, so the logits at ``temperature`` are taken as
    ``logprob * generated_at / temperature`` before the softmax. ``top_logprobs`` is
    a truncated view of the distribution: the probabilities are renormalised over the
    shown candidates only, so they describe the choice among these candidates, not
    the model's absolute probabilities.

    ``temperature`` 0 is greedy decoding: all mass on the most likely candidate
    (split evenly between exact ties). A ``generated_at`` of 0 or less (a greedy
    answer carries no temperature of its own) is taken as 1.

    The nucleus then keeps the smallest prefix of the bars whose cumulative
    probability reaches ``top_p``, always at least one bar, and renormalises the kept
    ones; bars tied with the last kept one stay out, as in a sorted cutoff. A
    ``top_p`` of 1 or more excludes nothing.

    Raises ``ValueError`` for a negative or NaN temperature or a NaN top_p.
    """
    if not temperature >= 0:
        raise ValueError(f"temperature must be 0 or more, not {temperature}")
    if math.isnan(top_p):
        raise ValueError("top_p must be a number, not NaN")
    if not cands:
        return []
    if not generated_at > 0:
        generated_at = 1.0
    ordered = sorted(cands, key=lambda c: _clean_logprob(c.logprob), reverse=True)
    before = _softmax([_clean_logprob(c.logprob) for c in ordered], temperature, generated_at)

    kept = len(ordered)
    cumulative: list[float] = []
    running = 0.0
    for index, probability in enumerate(before):
        running += probability
        cumulative.append(min(running, 1.0))
        if top_p < 1 and kept == len(ordered) and running >= top_p - _TOLERANCE:
            kept = index + 1
    kept_mass = math.fsum(before[:kept])

    bars: list[Bar] = []
    for index, (cand, probability) in enumerate(zip(ordered, before, strict=True)):
        included = index < kept
        if not included:
            final = 0.0
        elif kept_mass > 0:
            final = probability / kept_mass
        else:
            final = 1.0 / kept
        bars.append(Bar(cand.token, final, probability, cumulative[index], included, cand.chosen))
    return bars


def nucleus_cutoff(bars: Sequence[Bar]) -> int:
    """The index of the last included bar, where the top_p line is drawn; -1 for none."""
    last = -1
    for index, bar in enumerate(bars):
        if bar.included:
            last = index
    return last


def entropy(bars: Sequence[Bar]) -> float:
    """The entropy in bits of the final sampling distribution (``Bar.probability``).

    0 when one bar takes all the mass; log2(k) for k equally likely bars.
    """
    total = -math.fsum(b.probability * math.log2(b.probability) for b in bars if b.probability > 0)
    return max(total, 0.0) + 0.0  # + 0.0 turns -0.0 into 0.0


_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


def display_token(token: str) -> str:
    """The token with its whitespace made visible: ``" the"`` → ``"␣the"``.

    Space ␣, newline ↵, tab ⇥, carriage return ␍; other space characters (such as a
    no-break space) are shown as ␣ too; other invisible characters as an escape such
    as ``\\x0b`` or ``\\u200b``. The empty token is ∅.
    """
    if token == "":
        return "∅"
    out: list[str] = []
    for char in token:
        if char in _VISIBLE:
            out.append(_VISIBLE[char])
            continue
        category = unicodedata.category(char)
        if category == "Zs":
            out.append("␣")
        elif category in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
