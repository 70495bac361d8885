"""What the judge model is asked, and how its reply is read.

A score reply is a JSON object ``{"score": 0.0–1.0, "reason": "one sentence"}``; it is
found anywhere in the reply (inside a code fence, after some words), and ``Score: 0.8``
/ ``Reason: …`` lines are read too. Anything else (no score, a score outside 0–1, a
score that is not a number) is a malformed reply: it is kept and shown as such, never
turned into a score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

SCORE_INSTRUCTIONS = (
    "You grade an answer against a rubric. Reply with one JSON object and nothing else: "
    '{"score": <a number from 0 to 1>, "reason": "<one sentence>"}.'
)
BEST_INSTRUCTIONS = (
    "You compare answers to the same question against a rubric. Reply with one JSON "
    'object and nothing else: {"best": <the number of the best answer>, '
    '"reason": "<one sentence>"}.'
)
DEFAULT_RUBRIC = "The answer is correct, complete and clearly written."


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float | None  # 0–1, None when the reply was malformed
    reason: str = ""
    problem: str = ""  # why the reply is malformed


@dataclass(frozen=True, slots=True)
class Pick:
    best: int | None  # 1-based, None when malformed
    reason: str = ""
    problem: str = ""


def score_prompt(rubric: str, question: str, answer: str, expected: str = "") -> str:
    """The user message that asks the judge to score ``answer``."""
    parts = [
        f"<rubric>\n{rubric.strip() or DEFAULT_RUBRIC}\n</rubric>",
        f"<question>\n{question}\n</question>",
    ]
    if expected.strip():
        parts.append(f"<expected>\n{expected.strip()}\n</expected>")
    parts.append(f"<answer>\n{answer}\n</answer>")
    return "\n\n".join(parts)


def best_prompt(rubric: str, question: str, answers: list[str]) -> str:
    """The user message that asks the judge which of ``answers`` is best."""
    parts = [
        f"<rubric>\n{rubric.strip() or DEFAULT_RUBRIC}\n</rubric>",
        f"<question>\n{question}\n</question>",
    ]
    parts += [f'<answer n="{i}">\n{a}\n</answer>' for i, a in enumerate(answers, 1)]
    return "\n\n".join(parts)


def _objects(text: str) -> list[dict[str, object]]:
    """Every JSON object in ``text``, outermost first."""
    found: list[dict[str, object]] = []
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(obj, dict):
            found.append(obj)
    return found


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _shown(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= 80 else one[:79] + "…"


def parse_score(text: str) -> Verdict:
    """The judge's score and reason, or a malformed verdict that says why."""
    if not text.strip():
        return Verdict(None, problem="The judge's reply is empty.")
    for obj in _objects(text):
        if "score" in obj:
            score = _as_number(obj["score"])
            reason = str(obj.get("reason") or "").strip()
            if score is None:
                return Verdict(None, reason, f"The judge's score {obj['score']!r} is not a number.")
            if not 0.0 <= score <= 1.0:
                return Verdict(None, reason, f"The judge's score {score:g} is outside 0–1.")
            return Verdict(score, reason)
    line = re.search(r"(?im)^\W*score\W*[:=]\s*([-+]?\d*\.?\d+)\s*$", text)
    if line:
        score = float(line.group(1))
        why = re.search(r"(?im)^\W*reason\W*[:=]\s*(.+)$", text)
        reason = why.group(1).strip() if why else ""
        if not 0.0 <= score <= 1.0:
            return Verdict(None, reason, f"The judge's score {score:g} is outside 0–1.")
        return Verdict(score, reason)
    return Verdict(None, problem=f"The judge's reply has no score: “{_shown(text)}”")


def parse_best(text: str, count: int) -> Pick:
    """Which of ``count`` answers the judge picked (1-based), or a malformed pick."""
    for obj in _objects(text):
        if "best" in obj:
            best = _as_number(obj["best"])
            reason = str(obj.get("reason") or "").strip()
            if best is None or best != int(best) or not 1 <= best <= count:
                return Pick(None, reason, f"The judge picked {obj['best']!r}, not 1–{count}.")
            return Pick(int(best), reason)
    return Pick(None, problem=f"The judge's reply names no best answer: “{_shown(text)}”")
