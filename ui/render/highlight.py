"""Syntax highlighting of code blocks with pygments, as HTML spans with inline colours.

Creating a pygments lexer the first time costs 2–30 ms (importing its module and
compiling its regular expressions). :func:`load_lexers` does that on a background
thread, so the GUI thread only uses lexers that are ready: callers that must not block
check :func:`lexer_ready` and show the code plain until it is. While the loader runs,
the interpreter's switch interval is lowered: the loader holds the GIL most of the
time, and with the default interval (5 ms) each Python callback of the GUI thread
could wait that long for it. Highlighting a long block
is a generator (:func:`iter_highlight_lines`) that pauses every few hundred tokens.
pygments itself is imported on first use, not with this module.

No Qt.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Generator, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from ui.render.palette import palette

if TYPE_CHECKING:
    from pygments.lexer import Lexer
    from pygments.token import _TokenType

HIGHLIGHT_MAX_LINES = 400  # lines past this are shown plain
HIGHLIGHT_MAX_CHARS = 24_000  # characters past this are shown plain
LEXER_WAIT_S = 0.02  # what a highlighting job yields while its lexer is loading
LOADER_SWITCH_S = 0.0005  # the interpreter's thread switch interval while lexers load
COMMON_LANGUAGES = (
    "python",
    "javascript",
    "typescript",
    "bash",
    "shell",
    "json",
    "html",
    "css",
    "sql",
    "yaml",
    "rust",
    "go",
    "java",
    "c",
    "cpp",
    "diff",
)

_lock = threading.Lock()
_lexers: dict[str, Lexer | None] = {}  # loaded lexers by lower-case name (None: unknown)
_wanted: list[str] = []
_loader: threading.Thread | None = None


def escape(text: str) -> str:
    """Escape text for an HTML element body."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- lexers ---------------------------------------------------------------------------


def _make_lexer(name: str) -> Lexer | None:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    except Exception:  # a broken lexer plugin must not take highlighting down
        return None


def lexer_ready(lang: str) -> bool:
    """True when :func:`get_lexer` answers at once (loaded, or no such language)."""
    key = lang.strip().lower()
    if not key:
        return True
    with _lock:
        return key in _lexers


def get_lexer(lang: str) -> Lexer | None:
    """The lexer for ``lang`` (None for none), created here if not loaded yet."""
    key = lang.strip().lower()
    if not key:
        return None
    with _lock:
        if key in _lexers:
            return _lexers[key]
    made = _make_lexer(key)
    with _lock:
        return _lexers.setdefault(key, made)


def load_lexers(langs: Iterable[str]) -> None:
    """Create the lexers of ``langs`` on a background thread (once each)."""
    global _loader
    with _lock:
        for lang in langs:
            key = lang.strip().lower()
            if key and key not in _lexers and key not in _wanted:
                _wanted.append(key)
        if not _wanted or (_loader is not None and _loader.is_alive()):
            return
        _loader = threading.Thread(target=_load_wanted, name="chorus-lexers", daemon=True)
        _loader.start()


def _load_wanted() -> None:
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, LOADER_SWITCH_S))
    try:
        while True:
            with _lock:
                if not _wanted:
                    return
                key = _wanted[0]
            made = _make_lexer(key)
            with _lock:
                _lexers.setdefault(key, made)
                _wanted.remove(key)
    finally:
        sys.setswitchinterval(switch)


# --- highlighting -----------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _token_css(style_name: str, ttype: _TokenType) -> str:
    from pygments.styles import get_style_by_name

    style = get_style_by_name(style_name).style_for_token(ttype)
    parts = []
    if style["color"]:
        parts.append(f"color:#{style['color']}")
    if style["bold"]:
        parts.append("font-weight:600")
    if style["italic"]:
        parts.append("font-style:italic")
    return ";".join(parts)


def highlight_limit(code: str, max_lines: int = HIGHLIGHT_MAX_LINES) -> int:
    """How many characters of ``code`` to highlight: whole lines within both caps."""
    limit = min(len(code), HIGHLIGHT_MAX_CHARS)
    lines = 0
    pos = code.find("\n")
    while pos != -1 and pos < limit:
        lines += 1
        if lines >= max_lines:
            return pos + 1
        pos = code.find("\n", pos + 1)
    if limit < len(code):
        cut = code.rfind("\n", 0, limit)
        return cut + 1 if cut != -1 else limit
    return limit


def iter_highlight_lines(
    code: str, lang: str, theme: str = "light", *, step: int = 200
) -> Generator[float | None, None, list[str]]:
    """Highlight ``code`` line by line, pausing (``yield``) every ``step`` tokens.

    While the lexer is still loading it yields ``LEXER_WAIT_S`` (seconds to wait).
    Returns one HTML string per line of ``code`` (``code.split("\\n")``); a span never
    crosses a line end, so any run of lines can be shown on its own.
    """
    if not lexer_ready(lang):
        load_lexers([lang])
        while not lexer_ready(lang):
            yield LEXER_WAIT_S
    lexer = get_lexer(lang)
    if lexer is None:
        return [escape(line) for line in code.split("\n")]
    head_len = highlight_limit(code)
    style_name = palette(theme).pygments_style
    lines: list[str] = []
    line: list[str] = []  # finished spans of the current line
    run: list[str] = []  # escaped text of the open span
    run_css = ""
    count = 0
    for ttype, value in lexer.get_tokens(code[:head_len]):
        css = _token_css(style_name, ttype)
        for i, piece in enumerate(value.split("\n")):
            if i:
                _close_run(line, run, run_css)
                lines.append("".join(line))
                line, run, run_css = [], [], ""
            if not piece:
                continue
            if css != run_css and piece.strip():
                _close_run(line, run, run_css)
                run = []
                run_css = css
            run.append(escape(piece))
        count += 1
        if count % step == 0:
            yield None
    _close_run(line, run, run_css)
    tail = code[head_len:].split("\n")
    line.append(escape(tail[0]))
    lines.append("".join(line))
    lines.extend(escape(text) for text in tail[1:])
    return lines


def _close_run(line: list[str], run: list[str], css: str) -> None:
    if run:
        text = "".join(run)
        line.append(f'<span style="{css}">{text}</span>' if css else text)


def highlight_lines(code: str, lang: str, theme: str = "light") -> list[str]:
    """:func:`iter_highlight_lines` run to the end (creating the lexer here if needed)."""
    get_lexer(lang)
    job = iter_highlight_lines(code, lang, theme, step=1 << 30)
    while True:
        try:
            next(job)
        except StopIteration as done:
            return cast(list[str], done.value)


def highlight_code(code: str, lang: str, theme: str = "light") -> str:
    """``code`` as escaped HTML with coloured spans; plain beyond the size caps."""
    if get_lexer(lang) is None:
        return escape(code)
    return "\n".join(highlight_lines(code, lang, theme))
