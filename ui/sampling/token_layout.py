"""Where each token of an answer sits when its text wraps at a width: the geometry of
the heat map, without painting.

Tokens are placed left to right on lines of equal height; a token that does not fit
the rest of a line starts the next one, and a token holding newlines ends its line (one
empty line for each further newline). :meth:`TokenLayout.extend` places tokens after the
ones already placed, so an answer that grows costs only its new tokens.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence


class TokenLayout:
    def __init__(self, width_of: Callable[[str], float], margin: float, line_height: float):
        self.width_of = width_of
        self.margin = margin
        self.line_height = line_height
        self.width = 0
        self.x: list[float] = []
        self.w: list[float] = []
        self.line: list[int] = []  # the line of each token
        self.line_first: list[int] = []  # the first token of each line
        self._cursor = (margin, 0)  # where the next token goes: x, line

    def reset(self, width: int) -> None:
        self.width = width
        for items in (self.x, self.w, self.line, self.line_first):
            items.clear()
        self._cursor = (self.margin, 0)

    def count(self) -> int:
        return len(self.x)

    def last_line(self) -> int:
        """The line the next token would go on."""
        return self._cursor[1]

    def extend(self, texts: Sequence[str], breaks: Sequence[int], start: int) -> None:
        """Place the tokens ``texts[start:]`` (``breaks``: how many newlines each ends)."""
        right = max(self.width - self.margin, self.margin + 40)
        x, line = self._cursor
        lines = self.line_first
        if not lines and start < len(texts):
            lines.append(0)
        for index in range(start, len(texts)):
            w = self.width_of(texts[index])
            if x + w > right and x > self.margin:
                x, line = self.margin, line + 1
                lines.append(index)
            self.x.append(x)
            self.w.append(w)
            self.line.append(line)
            x += w
            for _ in range(breaks[index]):
                x, line = self.margin, line + 1
                lines.append(index + 1)
        self._cursor = (x, line)

    def line_top(self, line: int) -> float:
        return self.margin + line * self.line_height

    def line_end(self, line: int) -> int:
        """One past the last token of ``line``."""
        lines = self.line_first
        return lines[line + 1] if line + 1 < len(lines) else len(self.x)

    def lines(self) -> int:
        return len(self.line_first)

    def height(self) -> float:
        lines = self._cursor[1] + 1 if self.x else 0
        return 2 * self.margin + lines * self.line_height

    def line_at(self, y: float) -> int:
        """The line at content height ``y`` (may be out of range)."""
        return int((y - self.margin) // self.line_height)

    def token_at(self, x: float, y: float) -> int:
        """The token at content point ``(x, y)``, or -1."""
        line = self.line_at(y)
        if not 0 <= line < len(self.line_first):
            return -1
        first, end = self.line_first[line], self.line_end(line)
        position = bisect.bisect_right(self.x, x, first, end) - 1
        if first <= position < end and x < self.x[position] + self.w[position]:
            return position
        return -1

    def neighbour(self, index: int, step: int) -> int:
        """The token above (``step`` -1) or below (+1) ``index``, empty lines skipped;
        ``index`` itself at the first or last line."""
        line = self.line[index] + step
        while 0 <= line < len(self.line_first):
            first, end = self.line_first[line], self.line_end(line)
            if first < end:
                middle = self.x[index] + self.w[index] / 2
                position = bisect.bisect_right(self.x, middle, first, end) - 1
                return min(max(position, first), end - 1)
            line += step
        return index
