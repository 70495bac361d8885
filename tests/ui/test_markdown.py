"""Markdown → HTML for message bodies, and the incremental parts used while streaming."""

from __future__ import annotations

import random
import re
import time

import pytest
from PySide6.QtGui import QTextDocument, QTextTable
from PySide6.QtWidgets import QApplication

from ui.render.highlight import (
    HIGHLIGHT_MAX_LINES,
    get_lexer,
    highlight_code,
    highlight_lines,
    iter_highlight_lines,
    lexer_ready,
    load_lexers,
)
from ui.render.live_markdown import (
    CODE_PART_LINES,
    SYNC_HIGHLIGHT_LINES,
    MarkdownParts,
    build_parts,
)
from ui.render.markdown import (
    code_blocks_of,
    plain_text,
    pretty_json,
    render_markdown,
    top_blocks,
)
from ui.render.palette import palette, stylesheet

SAMPLE = """# Title

Some **bold**, `inline code` and a [link](https://example.com).

- one
- two

```python
def f(x):
    return x + 1
```

| a | b |
|---|---|
| 1 | 2 |

```
plain block
```
"""


def copy_links(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="chorus:copy/(\d+)"', html)]


def test_render_has_headings_tables_and_code_boxes() -> None:
    out = render_markdown(SAMPLE)
    assert "<h1>Title</h1>" in out.html
    assert "<strong>bold</strong>" in out.html
    assert "<code>inline code</code>" in out.html
    assert 'href="https://example.com"' in out.html
    assert "<table border=" in out.html  # the Markdown table
    assert copy_links(out.html) == [0, 1]
    assert out.code_blocks == ("def f(x):\n    return x + 1", "plain block")
    assert ">python</td>" in out.html  # the language label of the code box
    assert ">text</td>" in out.html  # a block without a language


def test_code_is_highlighted_with_inline_colours_per_theme() -> None:
    light = highlight_code("def f(): return 1", "python", "light")
    dark = highlight_code("def f(): return 1", "python", "dark")
    assert '<span style="color:#' in light
    assert light != dark
    assert highlight_code("a < b", "no-such-language") == "a &lt; b"


def test_highlighted_lines_never_span_line_ends() -> None:
    code = 's = """first\nsecond"""\nx = 1'
    lines = highlight_lines(code, "python")
    assert len(lines) == 3
    for line in lines:
        assert line.count("<span") == line.count("</span>")
    assert re.sub(r"<[^>]+>", "", lines[1]) == 'second"""'


def test_long_code_is_highlighted_only_up_to_the_cap() -> None:
    code = "\n".join(f"x{i} = {i}" for i in range(HIGHLIGHT_MAX_LINES + 50))
    lines = highlight_lines(code, "python")
    assert len(lines) == HIGHLIGHT_MAX_LINES + 50
    assert "<span" in lines[0]
    assert "<span" not in lines[-1]
    assert lines[-1] == f"x{HIGHLIGHT_MAX_LINES + 49} = {HIGHLIGHT_MAX_LINES + 49}"


def test_raw_html_in_messages_is_escaped() -> None:
    out = render_markdown("<script>alert(1)</script> and <b>x</b>")
    assert "<script>" not in out.html
    assert "&lt;script&gt;" in out.html


def test_images_become_links() -> None:
    out = render_markdown("![a cat](https://example.com/cat.png)")
    assert "<img" not in out.html
    assert '<a href="https://example.com/cat.png">[a cat]</a>' in out.html


def test_json_answers_are_pretty_printed() -> None:
    assert pretty_json('{"a": [1, 2]}') == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty_json("not json {") is None
    assert pretty_json('"just a string"') is None
    out = render_markdown('{"name": "chorus", "ok": true}')
    assert out.code_blocks == ('{\n  "name": "chorus",\n  "ok": true\n}',)
    assert ">json</td>" in out.html


def test_plain_text_strips_markup() -> None:
    text = plain_text(SAMPLE)
    assert text.startswith("Title\n\nSome bold, inline code and a link.")
    assert "- one\n- two" in text
    assert "def f(x):\n    return x + 1" in text
    assert "a\tb\n1\t2" in text
    assert "**" not in text and "```" not in text


def test_code_block_numbers_match_copy_links() -> None:
    text = (
        "```\na\n```\n\n- item\n\n  ```\n  nested\n  ```\n\nPara\n\n    indented\n\n```js\nb\n```"
    )
    assert code_blocks_of(text) == ("a", "nested", "indented", "b")
    assert copy_links(render_markdown(text).html) == [0, 1, 2, 3]
    parts = build_parts(text)
    assert copy_links("".join(p.html for p in parts.parts)) == [0, 1, 2, 3]


def test_themes_have_their_own_colours() -> None:
    assert palette("dark").code_bg != palette("light").code_bg
    assert palette("unknown") == palette("light")
    assert palette("dark").link in stylesheet("dark")
    assert palette("dark").code_bg in render_markdown("```\nx\n```", "dark").html


def test_qtextdocument_shows_the_code_box_background(qapp: QApplication) -> None:
    doc = QTextDocument()
    doc.setHtml(render_markdown("```python\nx = 1\n```", "dark").html)
    tables = [f for f in doc.rootFrame().childFrames() if isinstance(f, QTextTable)]
    assert len(tables) == 1
    assert tables[0].format().background().color().name() == palette("dark").code_bg
    assert "x = 1" in doc.toPlainText()
    assert "Copy" in doc.toPlainText()


def test_open_fence_counts_as_open_until_its_closing_line_ends() -> None:
    assert top_blocks("```py\nx = 1\n```", final=False)[-1].open_fence
    assert not top_blocks("```py\nx = 1\n```\n", final=False)[-1].open_fence
    assert not top_blocks("```py\nx = 1\n```", final=True)[-1].open_fence


# --- incremental parts --------------------------------------------------------------


LONG_TEXT = (
    "Intro paragraph.\n\n"
    + "\n".join(f"- item {i}" for i in range(5))
    + "\n\n```python\n"
    + "\n".join(f"value_{i} = {i}  # comment" for i in range(2 * CODE_PART_LINES + 7))
    + "\n```\n\n## Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    + "```js\nconst x = 1;\n```\n\n~~~\nnever closed\n"
    + "tail line\n" * (CODE_PART_LINES + 3)
)


def _settled(parts: MarkdownParts) -> list[tuple[str, str, int, bool]]:
    for job in parts.take_highlights():
        parts.apply_highlight(job, highlight_lines(job.code, job.lang, parts.theme))
    return [(p.html, p.kind, p.fence, p.plain) for p in parts.parts]


@pytest.mark.parametrize("seed", range(6))
def test_streamed_parts_equal_parts_built_at_once(seed: int) -> None:
    expected = _settled(build_parts(LONG_TEXT))
    rnd = random.Random(seed)
    live = MarkdownParts()
    pos = 0
    while pos < len(LONG_TEXT):
        pos += rnd.randint(1, 80)
        live.update(LONG_TEXT[:pos])
        assert live.tail or live.parts
    live.finish(LONG_TEXT)
    assert _settled(live) == expected


def test_long_code_blocks_are_split_and_highlighted_later() -> None:
    parts = build_parts(LONG_TEXT)
    python_parts = [p for p in parts.parts if p.kind == "code" and p.fence == 0]
    assert len(python_parts) == 3  # 2 × CODE_PART_LINES + 7 lines
    assert all(p.plain for p in python_parts)
    assert "chorus:copy/0" in python_parts[0].html
    assert "chorus:copy/" not in python_parts[1].html  # continuation boxes have no header
    jobs = parts.take_highlights()
    assert [(j.fence, j.part_count) for j in jobs] == [(0, 3), (2, 2)]
    changed = parts.apply_highlight(jobs[0], highlight_lines(jobs[0].code, "python"))
    assert len(changed) == 3
    assert all("<span" in parts.parts[i].html and not parts.parts[i].plain for i in changed)


def test_lexers_load_in_the_background_and_code_waits_for_them() -> None:
    assert get_lexer("no-such-language") is None
    assert lexer_ready("") and lexer_ready("no-such-language")
    assert not lexer_ready("erlang")
    live = MarkdownParts()
    live.update("```erlang\nfoo() -> ok.\n```\n\nafter")
    code = live.parts[0]
    assert code.plain and "<span" not in code.html  # shown plain, not waited for
    (job,) = live.take_highlights()
    steps = iter_highlight_lines(job.code, job.lang, live.theme)
    while True:
        try:
            value = next(steps)
        except StopIteration as done:
            lines = done.value
            break
        if value:
            time.sleep(value)
    assert lexer_ready("erlang")
    assert "<span" in lines[0]
    assert live.apply_highlight(job, lines) == [0]
    assert "<span" in live.parts[0].html
    load_lexers(["erlang"])  # already loaded: nothing to do
    assert lexer_ready("erlang")


def test_short_code_blocks_are_highlighted_when_they_close() -> None:
    get_lexer("python")
    live = MarkdownParts()
    live.update("Text\n\n```python\ndef f():\n")
    assert live.tail and live.tail[0].plain and "<span" not in live.tail[0].html
    live.update("Text\n\n```python\ndef f():\n    pass\n```\n\nAfter")
    code = [p for p in live.parts if p.kind == "code"]
    assert len(code) == 1 and not code[0].plain and "<span" in code[0].html
    assert SYNC_HIGHLIGHT_LINES > 2


def test_only_the_open_block_is_rendered_again() -> None:
    live = MarkdownParts()
    live.update("First paragraph.\n\nSecond")
    first = live.parts[0]
    assert len(live.parts) == 1 and "Second" in live.tail[0].html
    live.update("First paragraph.\n\nSecond paragraph grows")
    assert live.parts[0] is first
    assert "grows" in live.tail[0].html


def test_a_text_that_is_not_an_extension_starts_over() -> None:
    live = MarkdownParts()
    live.update("Hello world.\n\nMore")
    generation = live.generation
    live.update("Something else entirely")
    assert live.generation == generation + 1
    assert "Something else" in live.tail[0].html


def test_stats_line_says_when_token_counts_are_an_estimate() -> None:
    from core.chat import Stats, Usage
    from core.stats_text import stats_text

    measured = Stats(model="m", ttft_s=0.5, usage=Usage(prompt_tokens=12, completion_tokens=240))
    assert stats_text(measured) == "m · TTFT 0.50 s · 12+240 tokens"
    estimated = Stats(model="m", estimated_tokens=57, finish_reason="stop")
    assert stats_text(estimated) == "m · ~57 tokens (no usage from the server) · stop"


def test_footer_tells_an_interrupted_answer_from_a_stopped_one() -> None:
    from core.chat import Chat, Message
    from core.conversation import settle_interrupted
    from ui.render.row_html import footer_html

    stopped = Message(role="assistant", content="part", status="stopped")
    interrupted = Message(role="assistant", content="part", status="streaming")
    settle_interrupted(Chat(messages=[interrupted]))
    assert "Stopped" in footer_html(stopped, "light", live=False, details=False)
    html = footer_html(interrupted, "light", live=False, details=False)
    assert "Interrupted: Chorus closed" in html and "Stopped" not in html
