"""markdown-it's HTML renderer with Chorus code boxes, tables and images.

Imported by :func:`ui.render.markdown._parser` when the first message is rendered, so
markdown-it is not imported before the window is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from ui.render.code_box import code_box, escape_attr, fence_language
from ui.render.highlight import (
    HIGHLIGHT_MAX_LINES,
    escape,
    highlight_code,
    lexer_ready,
    load_lexers,
)
from ui.render.palette import palette


class ChorusRenderer(RendererHTML):
    """markdown-it's HTML renderer with Chorus code boxes, tables and images."""

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        return self._code(token.content.removesuffix("\n"), fence_language(token.info), env)

    def code_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._code(tokens[idx].content.removesuffix("\n"), "", env)

    def _code(self, code: str, lang: str, env: EnvType) -> str:
        blocks: list[str] = env["code_blocks"]
        index = env["code_base"] + len(blocks)
        blocks.append(code)
        theme = env["theme"]
        highlight = env["highlight"]
        if highlight and not env.get("wait", True) and not lexer_ready(lang):
            load_lexers([lang])
            highlight = False
        if highlight and code.count("\n") < env.get("highlight_lines", HIGHLIGHT_MAX_LINES):
            body = highlight_code(code, lang, theme)
        else:
            body = escape(code)
        return code_box(body, lang, index, theme)

    def code_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return f"<code>{escape(tokens[idx].content)}</code>"

    def table_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        p = palette(env["theme"])
        return (
            f'<table border="1" cellspacing="0" cellpadding="4" style="border-collapse: '
            f'collapse; border-color: {p.table_border}; margin-bottom: 8px;">\n'
        )

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children, options, env) or "image"
        src = str(token.attrGet("src") or "")
        return f'<a href="{escape_attr(src)}">[{escape(alt)}]</a>'
