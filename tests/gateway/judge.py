"""The gateway playing a judge: models named ``judge…`` answer grading prompts.

``judge`` scores an ``<answer>`` 1.0 when it contains the ``<expected>`` text (0.0 when
it does not, 0.5 without one) and, asked for the best of several ``<answer n="…">``,
picks the longest. ``judge-malformed`` answers with words and no score.
"""

from __future__ import annotations

import json
import re

JUDGE_MODELS = frozenset({"judge", "judge-malformed"})


def judge_reply(model: str, prompt: str) -> str | None:
    """The judge's reply to ``prompt``, or None when ``model`` is not a judge."""
    if not model.startswith("judge"):
        return None
    if "malformed" in model:
        return "I would say this answer is rather fine, all things considered."
    many = re.findall(r'<answer n="(\d+)">\n(.*?)\n</answer>', prompt, re.S)
    if many:
        best = max(many, key=lambda pair: len(pair[1]))
        return json.dumps({"best": int(best[0]), "reason": "It is the most complete answer."})
    answer = re.search(r"<answer>\n(.*?)\n</answer>", prompt, re.S)
    expected = re.search(r"<expected>\n(.*?)\n</expected>", prompt, re.S)
    text = answer.group(1) if answer else ""
    if expected is None:
        score, reason = 0.5, "No expected answer to compare with."
    elif expected.group(1).casefold() in text.casefold():
        score, reason = 1.0, "The answer contains the expected text."
    else:
        score, reason = 0.0, "The answer lacks the expected text."
    return json.dumps({"score": score, "reason": reason})
