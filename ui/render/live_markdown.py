"""Markdown cut into parts (one document each) that can grow as text arrives.

A message body is shown as a stack of small documents, one per top-level block
(paragraph, list, table, heading…), and long code blocks as several stacked boxes of
at most ``CODE_PART_LINES`` lines. Building, laying out and replacing one part is cheap
and bounded, so nothing has to process a whole long message at once.

:class:`MarkdownParts` takes the whole text so far (append-only) at each update:
blocks that another block has followed can no longer change and are frozen into
``parts``; the last, still open block is re-rendered into ``tail``. Inside an unclosed
code fence only the new lines are looked at. Code blocks longer than
``SYNC_HIGHLIGHT_LINES`` are shown plain first and listed in ``highlights`` for the
caller to highlight in slices (:func:`iter_highlight_lines`) and hand back to
:meth:`MarkdownParts.apply_highlight`. A fence whose opening line is still incomplete
is shown unhighlighted: its language name may be cut short, and looking up a lexer
for a name that does not exist searches every lexer.

The same class builds finished messages (:func:`iter_build_parts`), so a streamed answer
and the same answer opened later are cut and rendered the same way.

Pure Python: no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass

from ui.render.code_box import code_box, fence_language
from ui.render.highlight import escape, highlight_lines, lexer_ready, load_lexers
from ui.render.markdown import (
    _CLOSING_FENCE,
    TopBlock,
    pretty_json,
    render_blocks,
    top_blocks,
)

CODE_PART_LINES = 20  # lines of code per part
SYNC_HIGHLIGHT_LINES = 20  # longer code blocks are highlighted later, in slices
FEED_CHARS = 4096  # a finished message is fed in steps of about this many characters
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)


@dataclass(slots=True)
class Part:
    """One document's worth of a message body."""

    html: str
    kind: str = "block"  # "block", "heading" or "code"
    fence: int = -1  # for parts of a top-level code block: its number, else -1
    plain: bool = False  # a code part still waiting for its highlighted version


@dataclass(frozen=True, slots=True)
class PendingHighlight:
    """A long code block shown plain, to be highlighted in slices."""

    generation: int
    fence: int
    lang: str
    code: str
    first_part: int
    part_count: int


@dataclass(slots=True)
class _OpenFence:
    code_start: int  # offset of the first code line
    marker: str  # the opening run of backticks or tildes
    indent: int  # spaces before the opening fence, removed from code lines
    lang: str
    index: int  # code block number
    first_part: int  # index of its first part in ``parts``
    frozen_lines: int = 0
    scan_from: int = 0  # offset of the first line not yet checked for the closing fence


def _code_lines(code: str, indent: int) -> list[str]:
    lines = code.split("\n")
    if indent:
        lines = [_dedent(line, indent) for line in lines]
    return lines


def _dedent(line: str, indent: int) -> str:
    stripped = line.lstrip(" ")
    return line[min(indent, len(line) - len(stripped)) :]


class MarkdownParts:
    """The parts of one growing Markdown text; see the module docstring."""

    def __init__(self, theme: str = "light") -> None:
        self.theme = theme
        self.parts: list[Part] = []
        self.tail: list[Part] = []
        self.highlights: list[PendingHighlight] = []
        self.generation = 0  # bumped when ``parts`` is rebuilt from scratch
        self.finished = False
        self._text = ""
        self._committed = 0  # offset where the open block starts
        self._code_index = 0  # number of the next code block
        self._fence: _OpenFence | None = None

    @property
    def text(self) -> str:
        return self._text

    def all_parts(self) -> list[Part]:
        return self.parts + self.tail

    def reset(self) -> None:
        """Forget everything; the next update renders from the start."""
        self.parts = []
        self.tail = []
        self.highlights = []
        self.generation += 1
        self.finished = False
        self._text = ""
        self._committed = 0
        self._code_index = 0
        self._fence = None

    def update(self, text: str) -> None:
        """Take the whole text so far; it extends the previous text."""
        self._advance(text, final=False)

    def finish(self, text: str) -> None:
        """Take the final text: the open block is frozen too."""
        pretty = pretty_json(text)
        if pretty is not None or _REFERENCE_DEFINITION.search(text):
            self.reset()
        if pretty is not None:
            self._text = text
            self._add_code(pretty, "json", 0)
            self._code_index = 1
        else:
            self._advance(text, final=True)
        self.tail = []
        self.finished = True

    def take_highlights(self) -> list[PendingHighlight]:
        jobs, self.highlights = self.highlights, []
        return jobs

    def apply_highlight(self, job: PendingHighlight, lines: list[str]) -> list[int]:
        """Put the highlighted lines of ``job`` into its parts; returns their indices."""
        changed = [self.highlight_part(job, lines, k) for k in range(job.part_count)]
        return [i for i in changed if i >= 0]

    def highlight_part(self, job: PendingHighlight, lines: list[str], k: int) -> int:
        """Put part ``k`` of ``job`` highlighted into ``parts``; its index, or -1 if gone."""
        i = job.first_part + k
        if job.generation != self.generation or i >= len(self.parts):
            return -1
        if self.parts[i].fence != job.fence:
            return -1
        chunk = lines[k * CODE_PART_LINES : (k + 1) * CODE_PART_LINES]
        last = k == job.part_count - 1
        html = code_box(
            "\n".join(chunk), job.lang, job.fence, self.theme, header=k == 0, footer=last
        )
        self.parts[i] = Part(html, "code", job.fence)
        return i

    # --- internals ----------------------------------------------------------------

    def _advance(self, text: str, *, final: bool) -> None:
        if not text.startswith(self._text) or self.finished:
            self.reset()
        self._text = text
        if self._fence is not None and not self._advance_fence(text, final):
            return
        rest = text[self._committed :]
        blocks = top_blocks(rest, final=final)
        if not blocks:
            self.tail = []
            return
        for block in blocks[:-1]:
            self._freeze(block)
        last = blocks[-1]
        if final:
            self._freeze(last)
            self._committed = len(text)
            return
        start = self._committed + last.start
        if last.open_fence:
            line_end = text.find("\n", start)
            if line_end != -1:
                self._open_fence(last, start, line_end + 1)
                self._advance_fence(text, final)
                return
        self._committed = start
        rendered = render_blocks(
            [last],
            self.theme,
            highlight=not last.open_fence,
            code_base=self._code_index,
            highlight_lines=SYNC_HIGHLIGHT_LINES,
            wait=False,
        )
        self.tail = [Part(rendered.html, _kind(last))]

    def _open_fence(self, block: TopBlock, start: int, code_start: int) -> None:
        token = block.tokens[0]
        opening = self._text[start:code_start]
        self._fence = _OpenFence(
            code_start=code_start,
            marker=token.markup,
            indent=len(opening) - len(opening.lstrip(" ")),
            lang=fence_language(token.info),
            index=self._code_index,
            first_part=len(self.parts),
            scan_from=code_start,
        )
        self._code_index += 1
        self._committed = start
        load_lexers([self._fence.lang])

    def _advance_fence(self, text: str, final: bool) -> bool:
        """Feed the open fence; True when it closed and the text after it needs parsing."""
        fence = self._fence
        assert fence is not None
        pos = fence.scan_from
        close_start = close_end = -1
        while pos < len(text):
            end = text.find("\n", pos)
            if end == -1 and not final:
                break
            line = text[pos : end if end != -1 else len(text)]
            match = _CLOSING_FENCE.match(line)
            if match and match[1][0] == fence.marker[0] and len(match[1]) >= len(fence.marker):
                close_start, close_end = pos, (end + 1 if end != -1 else len(text))
                break
            if end == -1:
                break
            pos = end + 1
        fence.scan_from = pos if close_start == -1 else close_start
        if close_start == -1 and not final:
            self._grow_fence(fence, text[fence.code_start :])
            return False
        if close_start == -1:
            close_start = close_end = len(text)
        code = text[fence.code_start : close_start].removesuffix("\n")
        self._close_fence(fence, code)
        self._fence = None
        self._committed = close_end
        self.tail = []
        return True

    def _grow_fence(self, fence: _OpenFence, code: str) -> None:
        lines = _code_lines(code, fence.indent)
        while len(lines) - 1 - fence.frozen_lines >= CODE_PART_LINES:
            chunk = lines[fence.frozen_lines : fence.frozen_lines + CODE_PART_LINES]
            self.parts.append(self._plain_code_part(chunk, fence, last=False))
            fence.frozen_lines += CODE_PART_LINES
        chunk = lines[fence.frozen_lines :]
        self.tail = [self._plain_code_part(chunk, fence, last=True)]

    def _plain_code_part(self, lines: list[str], fence: _OpenFence, *, last: bool) -> Part:
        html = "\n".join(escape(line) for line in lines)
        box = code_box(
            html, fence.lang, fence.index, self.theme, header=fence.frozen_lines == 0, footer=last
        )
        return Part(box, "code", fence.index, True)

    def _close_fence(self, fence: _OpenFence, code: str) -> None:
        lines = _code_lines(code, fence.indent)
        frozen_parts = fence.frozen_lines // CODE_PART_LINES
        if frozen_parts == 0:
            self._add_code("\n".join(lines), fence.lang, fence.index)
            return
        count = frozen_parts
        rest = lines[fence.frozen_lines :]
        for start in range(0, len(rest), CODE_PART_LINES):
            chunk = rest[start : start + CODE_PART_LINES]
            last = start + CODE_PART_LINES >= len(rest)
            self.parts.append(self._plain_code_part(chunk, fence, last=last))
            count += 1
        self.highlights.append(
            PendingHighlight(
                self.generation,
                fence.index,
                fence.lang,
                "\n".join(lines),
                fence.first_part,
                count,
            )
        )

    def _add_code(self, code: str, lang: str, index: int) -> None:
        """Append the parts of a whole code block (highlighted now or later)."""
        lines = code.split("\n")
        count = max(1, -(-len(lines) // CODE_PART_LINES))
        now = len(lines) <= SYNC_HIGHLIGHT_LINES and lexer_ready(lang)
        shown = highlight_lines(code, lang, self.theme) if now else [escape(x) for x in lines]
        first = len(self.parts)
        for k in range(count):
            chunk = shown[k * CODE_PART_LINES : (k + 1) * CODE_PART_LINES]
            html = code_box(
                "\n".join(chunk), lang, index, self.theme, header=k == 0, footer=k == count - 1
            )
            self.parts.append(Part(html, "code", index, not now))
        if not now:
            self.highlights.append(
                PendingHighlight(self.generation, index, lang, code, first, count)
            )

    def _freeze(self, block: TopBlock) -> None:
        token = block.tokens[0]
        if token.type in ("fence", "code_block"):
            lang = fence_language(token.info) if token.type == "fence" else ""
            self._add_code(token.content.removesuffix("\n"), lang, self._code_index)
            self._code_index += 1
            return
        rendered = render_blocks(
            [block],
            self.theme,
            code_base=self._code_index,
            highlight_lines=SYNC_HIGHLIGHT_LINES,
            wait=False,
        )
        self._code_index += len(rendered.code_blocks)
        self.parts.append(Part(rendered.html, _kind(block)))


def _kind(block: TopBlock) -> str:
    return "heading" if block.kind == "heading_open" else "block"


def iter_build_parts(text: str, theme: str = "light") -> Generator[None, None, MarkdownParts]:
    """Build the parts of a finished text in steps (``yield`` between steps)."""
    parts = MarkdownParts(theme)
    if pretty_json(text) is None:
        pos = 0
        while len(text) - pos > FEED_CHARS:
            cut = text.find("\n", pos + FEED_CHARS)
            if cut == -1:
                break
            pos = cut + 1
            parts.update(text[:pos])
            yield
    parts.finish(text)
    return parts


def build_parts(text: str, theme: str = "light") -> MarkdownParts:
    """:func:`iter_build_parts` run to the end."""
    job = iter_build_parts(text, theme)
    while True:
        try:
            next(job)
        except StopIteration as done:
            result: MarkdownParts = done.value
            return result
