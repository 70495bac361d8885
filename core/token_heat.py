"""What the heat map of an answer shows for each token: how likely it was, and how
uncertain the model was between its candidates.

The server's ``top_logprobs`` are a truncated view of the model's distribution, so the
entropy here is that of the returned candidates renormalised to sum to 1 (as in
:mod:`core.sampling`): 0 bits when one candidate takes everything, log2(k) for k
equally likely ones. The probability is the one the server reported for the token it
produced, an absolute figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.chat import TokenLogprob
from core.sampling import candidates, display_token, generated_probability

# A token the model produced with less than this probability is drawn so that it stands
# out (an outline), whichever measure colours the map.
LOW_PROBABILITY = 0.2

Measure = str  # "probability" or "entropy"
PROBABILITY: Measure = "probability"
ENTROPY: Measure = "entropy"


@dataclass(frozen=True, slots=True)
class TokenHeat:
    """One token of an answer as the heat map draws it."""

    token: str
    probability: float  # as generated, 0..1
    entropy: float  # bits, over the returned candidates
    candidates: int  # how many distinct candidates the server returned

    @property
    def low(self) -> bool:
        return self.probability < LOW_PROBABILITY


def candidate_entropy(entry: TokenLogprob) -> tuple[float, int]:
    """The entropy in bits of ``entry``'s candidates renormalised, and their count.

    The candidates are those of :func:`core.sampling.candidates` (one per text, the
    chosen token with its own logprob, NaN as impossible), without building them: the
    heat map asks this of thousands of tokens.
    """
    best: dict[str, float] = {entry.token: _clean(entry.logprob)}
    for alt in entry.top:
        if alt.token != entry.token:
            logprob = _clean(alt.logprob)
            if logprob > best.get(alt.token, -math.inf) or alt.token not in best:
                best[alt.token] = logprob
    finite = [lp for lp in best.values() if lp > -math.inf]
    if len(finite) < 2:
        return 0.0, len(best)
    top = max(finite)
    weights = [math.exp(lp - top) for lp in finite]
    total = math.fsum(weights)
    bits = -math.fsum(w / total * math.log2(w / total) for w in weights if w > 0)
    return max(bits, 0.0) + 0.0, len(best)


def _clean(value: float) -> float:
    return -math.inf if math.isnan(value) else min(value, 0.0)


def token_heat(entry: TokenLogprob) -> TokenHeat:
    bits, count = candidate_entropy(entry)
    return TokenHeat(entry.token, generated_probability(entry), bits, count)


def heat_of(entries: Sequence[TokenLogprob], start: int = 0) -> list[TokenHeat]:
    """The heat of the tokens from ``start`` on."""
    return [token_heat(entry) for entry in entries[start:]]


def entropy_ceiling(heats: Sequence[TokenHeat]) -> float:
    """The top of the entropy scale: log2 of the most candidates any token has, at least
    1 bit (two equally likely candidates)."""
    return ceiling_for(max((h.candidates for h in heats), default=2))


def ceiling_for(candidates: int) -> float:
    """The entropy scale's top for tokens of at most ``candidates`` candidates."""
    return max(1.0, math.log2(max(candidates, 2)))


def level(heat: TokenHeat, measure: Measure, ceiling: float) -> float:
    """How hot ``heat`` is drawn, 0 (cold: certain, likely) to 1 (hot: unlikely or
    uncertain)."""
    if measure == ENTROPY:
        return min(max(heat.entropy / ceiling, 0.0), 1.0) if ceiling > 0 else 0.0
    return 1.0 - min(max(heat.probability, 0.0), 1.0)


def describe(heat: TokenHeat, entry: TokenLogprob, number: int, limit: int = 8) -> str:
    """A tooltip: the token, its probability and entropy, and its top candidates."""
    lines = [
        f"Token {number}: “{display_token(heat.token)}”",
        f"{heat.probability * 100:.1f}% as generated · entropy {heat.entropy:.2f} bits",
    ]
    cands = candidates(entry)
    finite = [c for c in cands if c.logprob > -math.inf]
    if len(cands) > 1:
        lines.append("Candidates the server returned:")
        for cand in finite[:limit]:
            mark = "▸ " if cand.chosen else "   "
            lines.append(f"{mark}{display_token(cand.token)}  {math.exp(cand.logprob) * 100:.1f}%")
        if len(cands) > limit:
            lines.append(f"   … {len(cands) - limit} more")
    else:
        lines.append("The server returned no alternatives for this token.")
    return "\n".join(lines)
