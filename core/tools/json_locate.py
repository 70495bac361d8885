"""Where a value sits in JSON text: the line and column of the value at a path of keys and
indexes, so an editor can point at what a check found wrong."""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.decoder import scanstring  # type: ignore[attr-defined]

_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


def _ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACE:
        i += 1
    return i


def offset_of(text: str, path: Sequence[str | int]) -> int | None:
    """The offset of the value at ``path`` in ``text`` (valid JSON), or None."""
    i = _ws(text, 0)
    try:
        for step in path:
            if i >= len(text):
                return None
            if text[i] == "{" and isinstance(step, str):
                i = _ws(text, i + 1)
                while text[i] != "}":
                    key, i = scanstring(text, i + 1)
                    i = _ws(text, _ws(text, i) + 1)  # past the colon
                    if key == step:
                        break
                    _, i = _DECODER.raw_decode(text, i)
                    i = _ws(text, i)
                    if text[i] == ",":
                        i = _ws(text, i + 1)
                else:
                    return None
            elif text[i] == "[" and isinstance(step, int):
                i = _ws(text, i + 1)
                for _ in range(step):
                    _, i = _DECODER.raw_decode(text, i)
                    i = _ws(text, i)
                    if text[i] != ",":
                        return None
                    i = _ws(text, i + 1)
                if text[i] == "]":
                    return None
            else:
                return None
    except (ValueError, IndexError):
        return None
    return i


def line_column(text: str, path: Sequence[str | int]) -> tuple[int, int] | None:
    """The 1-based line and column of the value at ``path``, or None."""
    offset = offset_of(text, path)
    if offset is None:
        return None
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
