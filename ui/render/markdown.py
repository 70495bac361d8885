"""Markdown → HTML that QTextDocument renders well, with highlighted code blocks.

Pure functions (no Qt). The HTML uses only what QTextDocument understands: inline
``style`` colours on ``<span>``, tables with ``cellpadding`` and background colours for
boxes, ``<pre>`` for code. Colours come from :mod:`ui.render.palette`, highlighting from
:mod:`ui.render.highlight`.

Every code block gets a header with its language and a ``chorus:copy/<n>`` link, where
``n`` counts the code blocks of one message from 0; ``Rendered.code_blocks[n]`` is the
text that link copies.

markdown-it (tens of ms to import) is imported on a background thread once the window is
on screen (:func:`load_parser`), or when the first message is rendered if that comes
first; its renderer subclass lives in :mod:`ui.render.html_renderer`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ui.render.code_box import code_box
from ui.render.highlight import HIGHLIGHT_MAX_LINES, escape, highlight_code

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from markdown_it.utils import EnvType

JSON_MAX_CHARS = 200_000  # larger JSON answers are not reparsed for pretty-printing


# --- Markdown ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    from ui.render.html_renderer import ChorusRenderer

    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": False}, renderer_cls=ChorusRenderer)
    md.enable(["table", "strikethrough"])
    return md


def load_parser() -> None:
    """Make the Markdown parser on a background thread, unless it is made: importing
    markdown-it would otherwise hold up the first answer (a new chat shows no Markdown
    before it)."""
    if _parser.cache_info().currsize == 0:
        threading.Thread(target=_parser, name="chorus-markdown", daemon=True).start()


@dataclass(frozen=True, slots=True)
class Rendered:
    """HTML for a piece of Markdown and the code its Copy links copy."""

    html: str
    code_blocks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TopBlock:
    """One top-level block of a Markdown source (a paragraph, a list, a fence…)."""

    start: int  # offset in the source where the block's first line starts
    tokens: list[Token]
    open_fence: bool  # a fence whose closing line has not arrived yet

    @property
    def kind(self) -> str:
        return self.tokens[0].type


_CLOSING_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def _fence_is_open(token: Token, lines: list[str], final: bool) -> bool:
    first, end = token.map or (0, 0)
    if end - first < 2:
        return True
    if not final and end >= len(lines):
        return True  # the closing line may still grow ("```" → "```py" is a code line)
    match = _CLOSING_FENCE.match(lines[end - 1])
    marker = token.markup
    return not (match and match.group(1)[0] == marker[0] and len(match.group(1)) >= len(marker))


def top_blocks(text: str, *, final: bool = True) -> list[TopBlock]:
    """Split ``text`` into its top-level blocks, in order.

    ``final=False`` is for text that is still arriving: a fence whose closing line is the
    last line and has no line end yet counts as open.
    """
    tokens = _parser().parse(text)
    starts = _line_starts(text)
    lines: list[str] | None = None
    blocks: list[TopBlock] = []
    current: list[Token] = []
    start = 0
    for token in tokens:
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            start = starts[min(token.map[0], len(starts) - 1)]
            current = []
        current.append(token)
        if token.level == 0 and token.nesting <= 0:
            open_fence = False
            if token.type == "fence":
                if lines is None:
                    lines = text.split("\n")
                open_fence = _fence_is_open(token, lines, final)
            blocks.append(TopBlock(start, current, open_fence))
    return blocks


def render_blocks(
    blocks: Sequence[TopBlock],
    theme: str = "light",
    *,
    highlight: bool = True,
    code_base: int = 0,
    highlight_lines: int = HIGHLIGHT_MAX_LINES,
    wait: bool = True,
) -> Rendered:
    """HTML for consecutive top-level blocks; code blocks are numbered from ``code_base``.

    Code blocks of ``highlight_lines`` lines or more are left plain, and with
    ``wait=False`` so are those whose lexer is not loaded yet (it starts loading).
    """
    env: EnvType = {"theme": theme, "highlight": highlight, "code_base": code_base}
    env["highlight_lines"] = highlight_lines
    env["wait"] = wait
    env["code_blocks"] = []
    md = _parser()
    tokens = [t for block in blocks for t in block.tokens]
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(html, tuple(env["code_blocks"]))


def pretty_json(text: str) -> str | None:
    """``text`` re-indented when the whole of it is a JSON object or array, else None."""
    stripped = text.strip()
    if len(stripped) > JSON_MAX_CHARS or len(stripped) < 2:
        return None
    if (stripped[0], stripped[-1]) not in (("{", "}"), ("[", "]")):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return json.dumps(value, indent=2, ensure_ascii=False)


def render_markdown(text: str, theme: str = "light", *, highlight: bool = True) -> Rendered:
    """HTML for a whole message. An answer that is only JSON is shown as a JSON block."""
    pretty = pretty_json(text)
    if pretty is not None:
        body = highlight_code(pretty, "json", theme) if highlight else escape(pretty)
        return Rendered(code_box(body, "json", 0, theme), (pretty,))
    env: EnvType = {"theme": theme, "highlight": highlight, "code_base": 0}
    env["code_blocks"] = []
    html = _parser().render(text, env)
    return Rendered(html, tuple(env["code_blocks"]))


def code_blocks_of(text: str) -> tuple[str, ...]:
    """The code of each code block of ``text``, in Copy-link order."""
    pretty = pretty_json(text)
    if pretty is not None:
        return (pretty,)
    blocks: list[str] = []
    for token in _parser().parse(text):
        if token.type in ("fence", "code_block"):
            blocks.append(token.content.removesuffix("\n"))
    return tuple(blocks)


def _inline_text(tokens: Sequence[Token] | None) -> str:
    out: list[str] = []
    for token in tokens or ():
        if token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.type == "image":
            out.append(_inline_text(token.children))
    return "".join(out)


def plain_text(text: str) -> str:
    """``text`` without Markdown syntax: what "Copy" puts on the clipboard."""
    out: list[str] = []
    lists: list[str] = []  # the marker style of each open list
    numbers: list[int] = []
    row: list[str] = []
    in_cell = False
    for token in _parser().parse(text):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(kind)
            numbers.append(int(str(token.attrGet("start") or 1)))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            numbers.pop()
            if not lists:
                out.append("\n")
        elif kind == "list_item_open":
            indent = "  " * (len(lists) - 1)
            if lists[-1] == "ordered_list_open":
                out.append(f"{indent}{numbers[-1]}. ")
                numbers[-1] += 1
            else:
                out.append(f"{indent}- ")
        elif kind == "inline":
            (row if in_cell else out).append(_inline_text(token.children))
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("_open")
        elif kind == "tr_close":
            out.append("\t".join(row) + "\n")
            row = []
        elif kind == "table_close":
            out.append("\n")
        elif kind in ("fence", "code_block"):
            out.append(token.content + ("\n" if not lists else ""))
        elif kind in ("paragraph_close", "heading_close"):
            out.append("\n" if lists else "\n\n")
        elif kind == "hr":
            out.append("\n")
    return "".join(out).strip()
