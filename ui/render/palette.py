"""The colours of the light and dark themes of the message view.

Pure data and functions: no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Palette:
    """The colours of one theme, for documents and for what the delegate paints."""

    name: str
    text: str
    muted: str
    link: str
    base: str  # the view background
    user_bg: str  # the box behind user messages
    code_bg: str
    code_header_bg: str
    inline_code_bg: str
    table_border: str
    table_header_bg: str
    error_bg: str
    error_border: str
    error_text: str
    pygments_style: str


PALETTES: dict[str, Palette] = {
    "light": Palette(
        name="light",
        text="#1f2328",
        muted="#656d76",
        link="#0969da",
        base="#ffffff",
        user_bg="#f1f4f8",
        code_bg="#f6f8fa",
        code_header_bg="#eaeef2",
        inline_code_bg="#eff1f3",
        table_border="#d0d7de",
        table_header_bg="#f6f8fa",
        error_bg="#ffebe9",
        error_border="#ff8182",
        error_text="#82071e",
        pygments_style="default",
    ),
    "dark": Palette(
        name="dark",
        text="#e6edf3",
        muted="#8d96a0",
        link="#4493f8",
        base="#0d1117",
        user_bg="#161b22",
        code_bg="#161b22",
        code_header_bg="#21262d",
        inline_code_bg="#2a2f36",
        table_border="#3d444d",
        table_header_bg="#161b22",
        error_bg="#25171c",
        error_border="#f85149",
        error_text="#ff9492",
        pygments_style="github-dark",
    ),
}


def palette(theme: str) -> Palette:
    """The palette of ``theme``; unknown names fall back to light."""
    return PALETTES.get(theme, PALETTES["light"])


@lru_cache(maxsize=4)
def stylesheet(theme: str) -> str:
    """The default stylesheet of documents showing Chorus HTML.

    The text colour is not set here: painting passes it (muted for reasoning).
    """
    p = palette(theme)
    return (
        f"a {{ color: {p.link}; text-decoration: none; }}\n"
        f"code {{ background-color: {p.inline_code_bg}; }}\n"
        "pre { margin-top: 0px; margin-bottom: 0px; }\n"
        "h1 { font-size: x-large; } h2 { font-size: large; } h3 { font-size: medium; }\n"
        f"blockquote {{ color: {p.muted}; }}\n"
        f"th {{ background-color: {p.table_header_bg}; }}\n"
    )
