"""The HTML of a code block: a tinted box with the language and a Copy link.

Used by the Markdown renderer and by the live (streaming) renderer; no markdown-it here,
so it can be imported before the first message is rendered.
"""

from __future__ import annotations

from ui.render.highlight import escape
from ui.render.palette import palette

COPY_HREF = "chorus:copy/"


def escape_attr(text: str) -> str:
    """Escape text for a double-quoted HTML attribute."""
    return escape(text).replace('"', "&quot;")


def code_box(
    code_html: str,
    lang: str,
    index: int,
    theme: str = "light",
    *,
    header: bool = True,
    footer: bool = True,
) -> str:
    """A code block in a tinted box: a header (language, Copy link) over the code.

    A long block is shown as several boxes stacked with no gap: the first with
    ``header``, the last with ``footer`` (its bottom padding).
    """
    p = palette(theme)
    rows = ""
    if header:
        label = escape(lang) if lang else "text"
        cell = f"padding: 2px 8px; background-color:{p.code_header_bg}; font-size: small;"
        rows = (
            f'<tr><td style="{cell} color:{p.muted};">{label}</td>'
            f'<td align="right" style="{cell}"><a href="{COPY_HREF}{index}">Copy</a></td></tr>'
        )
    pad = f"{6 if header else 0}px 8px {6 if footer else 0}px 8px"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="0" '
        f'style="background-color:{p.code_bg};">{rows}'
        f'<tr><td colspan="2" style="padding: {pad};">'
        f'<pre style="white-space: pre-wrap;">{code_html}</pre></td></tr></table>\n'
    )


def fence_language(info: str) -> str:
    """The language name of a fence info string (its first word)."""
    info = info.strip()
    return info.split(None, 1)[0] if info else ""
