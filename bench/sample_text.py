"""Deterministic, realistic chat text for the UI benchmarks (Markdown answers)."""

from __future__ import annotations

import random

_WORDS = [
    "the",
    "a",
    "model",
    "answer",
    "stream",
    "token",
    "render",
    "layout",
    "paint",
    "document",
    "cache",
    "height",
    "width",
    "request",
    "response",
    "latency",
    "buffer",
    "queue",
    "thread",
    "process",
    "event",
    "loop",
    "widget",
    "signal",
    "function",
    "value",
    "result",
    "error",
    "retry",
    "server",
    "client",
    "network",
    "timeout",
    "parse",
    "json",
    "field",
    "because",
    "while",
    "however",
    "therefore",
    "usually",
    "often",
    "rarely",
    "quickly",
    "slowly",
    "carefully",
]

_PYTHON = '''def fibonacci(n: int) -> list[int]:
    """Return the first n Fibonacci numbers."""
    seq = [0, 1]
    while len(seq) < n:
        seq.append(seq[-1] + seq[-2])  # next term
    return seq[:n]


class LRUCache:
    def __init__(self, capacity: int = 128) -> None:
        self.capacity = capacity
        self.data: dict[str, bytes] = {}

    def get(self, key: str, default: bytes | None = None) -> bytes | None:
        value = self.data.pop(key, default)
        if value is not None:
            self.data[key] = value
        return value
'''

_JS = """async function fetchJson(url, { retries = 3, timeout = 10_000 } = {}) {
  for (let attempt = 0; attempt <= retries; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    try {
      const res = await fetch(url, { signal: controller.signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.json();
    } catch (err) {
      if (attempt === retries) throw err;
      await new Promise((r) => setTimeout(r, 2 ** attempt * 250));
    } finally {
      clearTimeout(timer);
    }
  }
}
"""

_BASH = """python -m venv .venv
. .venv/bin/activate
pip install -e ".[dev]"
pytest -q tests/ --maxfail=1
"""


def _sentence(r: random.Random, n: int) -> str:
    words = [r.choice(_WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(r: random.Random) -> str:
    text = " ".join(_sentence(r, r.randint(8, 20)) for _ in range(r.randint(2, 5)))
    return (
        text
        + " See **the docs**, use `stream=True` and read [the guide](https://example.com/guide)."
    )


def answer(target_chars: int, seed: int = 1, *, long_code_every: int = 0) -> str:
    """A Markdown answer of about ``target_chars`` characters."""
    r = random.Random(seed)
    parts: list[str] = []
    size = 0
    i = 0
    while size < target_chars:
        k = i % 9
        if k in (0, 2, 5, 7):
            block = paragraph(r)
        elif k == 1:
            block = "\n".join(
                f"- **Step {j + 1}:** {_sentence(r, r.randint(5, 12))}"
                for j in range(r.randint(3, 6))
            )
        elif k == 3:
            lang, code = r.choice((("python", _PYTHON), ("javascript", _JS), ("bash", _BASH)))
            if long_code_every and i % long_code_every == 3:
                code = code * 12
            block = f"```{lang}\n{code}```"
        elif k == 4:
            rows = "\n".join(
                f"| {r.choice(_WORDS)} | {r.randint(1, 999)} ms | {_sentence(r, 4)} |"
                for _ in range(r.randint(3, 8))
            )
            block = "| Name | Latency | Note |\n|---|---:|---|\n" + rows
        elif k == 6:
            block = f"## Part {i // 9 + 1}: {_sentence(r, 3)[:-1]}"
        else:
            block = "1. " + _sentence(r, 8) + "\n2. " + _sentence(r, 9) + "\n3. " + _sentence(r, 7)
        parts.append(block)
        size += len(block) + 2
        i += 1
    return "\n\n".join(parts)


def question(seed: int) -> str:
    r = random.Random(seed)
    return _sentence(r, r.randint(6, 30))[:-1] + "?"
