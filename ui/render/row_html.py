"""HTML for the parts of a message row around its body: header, thinking toggle, tool
calls, choices, error box, stats line, streaming indicator. Also the texts that the
copy actions put on the clipboard.

Links use the ``chorus:`` scheme; the view maps them to actions:
``chorus:think`` (toggle thinking), ``chorus:branch/-1|1``, ``chorus:choice/<i>``,
``chorus:retry``, ``chorus:fix/<fix id>`` (take a fix a refusal offers, see
``core.refusals``), ``chorus:details`` (toggle error details), ``chorus:copy/<n>``,
``chorus:sampling`` (show the answer in the Sampling tab).

Pure functions: no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.chat import INTERRUPTED, ErrorInfo, Message, ToolCall
from core.refusals import Fix, fixes_for
from core.stats_text import stats_text
from ui.render.code_box import escape_attr
from ui.render.highlight import escape
from ui.render.markdown import pretty_json
from ui.render.palette import palette

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "System", "tool": "Tool"}


# Laying out text costs Qt about 0.2 ms per KB, all at once on the GUI thread; a
# message longer than this shows its start (and says so). Copy and export take it all.
SHOWN_CHARS = 200_000


def shown(text: str) -> str:
    """The part of a message's text that is rendered (a prefix, so it grows while live)."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS]


def body_source(message: Message) -> str:
    """The Markdown a row's body is rendered from: a tool result is shown as it is, in a
    code block (pretty JSON when it is JSON)."""
    text = shown(message.content)
    if message.role != "tool" or not text:
        return text
    pretty = pretty_json(text)
    fence = "~~~~" if "~~~" in text else "~~~"
    return f"{fence}{'json' if pretty else ''}\n{pretty or text}\n{fence}"


def role_label(message: Message) -> str:
    return ROLE_LABELS.get(message.role, message.role.title())


def header_html(
    message: Message, sibling_index: int, sibling_count: int, theme: str, *, live: bool
) -> str:
    """Role and model on the left, the branch switcher on the right."""
    p = palette(theme)
    who = f"<b>{escape(role_label(message))}</b>"
    detail = message.model or message.name
    if message.role == "assistant" and message.stats and message.stats.model:
        detail = message.stats.model
    if message.role == "tool":
        detail = " · ".join(
            p for p in (message.name, message.model and f"MCP {message.model}") if p
        )
    if detail:
        who += f'<span style="color:{p.muted};"> · {escape(detail)}</span>'
    branch = ""
    if sibling_count > 1:
        branch = (
            f'<a href="chorus:branch/-1">‹</a>'
            f'<span style="color:{p.muted};"> {sibling_index + 1}/{sibling_count} </span>'
            f'<a href="chorus:branch/1">›</a>'
        )
    html = (
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td>{who}</td><td align="right">{branch}</td></tr></table>'
    )
    for image in message.images:
        name = image.name or ("image" if image.url.startswith("data:") else image.url)
        html += f'<p style="color:{p.muted};">[image: {escape(name)}]</p>'
    return html


def thinking_html(message: Message, theme: str, *, expanded: bool, live: bool) -> str:
    """The "Thinking" toggle shown above an answer that has reasoning."""
    if not message.reasoning:
        return ""
    p = palette(theme)
    arrow = "▾" if expanded else "▸"
    label = "Thinking…" if live and not message.content else "Thinking"
    return f'<p><a href="chorus:think" style="color:{p.muted};">{arrow} {label}</a></p>'


def tool_calls_html(calls: Sequence[ToolCall], theme: str, *, live: bool) -> str:
    """Each tool call: its name and its arguments (pretty JSON once complete)."""
    if not calls:
        return ""
    p = palette(theme)
    out = []
    for call in calls:
        args = call.arguments if live else (pretty_json(call.arguments) or call.arguments)
        out.append(
            f'<table width="100%" cellspacing="0" cellpadding="0" '
            f'style="background-color:{p.code_bg}; margin-bottom: 6px;">'
            f'<tr><td style="padding: 2px 8px; background-color:{p.code_header_bg}; '
            f'color:{p.muted}; font-size: small;">Tool call · '
            f"<b>{escape(call.name or '?')}</b></td></tr>"
            f'<tr><td style="padding: 6px 8px;"><pre>{escape(args)}</pre></td></tr></table>'
        )
    return "".join(out)


def choices_html(message: Message, theme: str) -> str:
    """'Choice 1 of 2 ‹ ›' when the answer has several choices (n > 1)."""
    count = len(message.choices)
    if count < 2:
        return ""
    p = palette(theme)
    chosen = min(max(message.chosen, 0), count - 1)
    prev_link = f'<a href="chorus:choice/{chosen - 1}">‹</a>' if chosen > 0 else "‹"
    next_link = f'<a href="chorus:choice/{chosen + 1}">›</a>' if chosen < count - 1 else "›"
    return (
        f'<p style="color:{p.muted};">Choice {chosen + 1} of {count} '
        f"&nbsp;{prev_link}&nbsp;{next_link}</p>"
    )


def error_html(
    error: ErrorInfo,
    theme: str,
    *,
    details: bool,
    fixes: Sequence[Fix] = (),
    retry: bool = True,
) -> str:
    """The error box: one sentence; the fixes a refusal offers, Retry (``retry``) and
    Details links; the details when open."""
    p = palette(theme)
    links = [
        f'<a href="chorus:fix/{escape_attr(fix.id)}"><b>{escape(fix.label)}</b></a>'
        for fix in fixes
    ]
    if retry:
        links.append('<a href="chorus:retry">Retry</a>')
    links.append('<a href="chorus:details">Details</a>')
    body = (
        f'<span style="color:{p.error_text};"><b>{escape(error.message)}</b></span><br>'
        + " · ".join(links)
    )
    if fixes:
        body += (
            f'<br><span style="color:{p.muted}; font-size: small;">A fix is remembered for '
            "this model on this endpoint and shown in Parameters, where it can be removed."
            "</span>"
        )
    if details:
        lines = [f"Kind: {error.kind}"]
        if error.status is not None:
            lines.append(f"Status: {error.status}")
        if error.request_id:
            lines.append(f"Request id: {error.request_id}")
        if error.retry_after_s is not None:
            lines.append(f"Retry after: {error.retry_after_s:g} s")
        if error.detail:
            lines.append(error.detail)
        body += f"<pre>{escape(chr(10).join(lines))}</pre>"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="8" '
        f'style="background-color:{p.error_bg}; border: 1px solid {p.error_border}; '
        f'border-collapse: collapse; margin-top: 4px;"><tr><td>{body}</td></tr></table>'
    )


def footer_html(message: Message, theme: str, *, live: bool, details: bool, cost: str = "") -> str:
    """Choices indicator, error box, stats line (with ``cost``, and a link to the heat
    map when the answer has token probabilities) and the streaming indicator."""
    p = palette(theme)
    out = [choices_html(message, theme)]
    longest = max(len(message.content), len(message.reasoning))
    if longest > SHOWN_CHARS:
        out.append(
            f'<p style="color:{p.muted};">Only the first {SHOWN_CHARS:,} of {longest:,} '
            "characters are shown here; Copy and Export give the whole text.</p>"
        )
    if message.error is not None and message.status == "error":
        retry = message.role != "tool"
        fixes = fixes_for(message.error, message.params) if retry else ()
        out.append(error_html(message.error, theme, details=details, fixes=fixes, retry=retry))
    if live:
        out.append(f'<p style="color:{p.link};">● Generating…</p>')
    elif message.role == "assistant":
        line = stats_text(message.stats, cost=cost) if message.stats else ""
        if message.status == "stopped":
            interrupted = message.error is not None and message.error.kind == INTERRUPTED
            line = (
                "Interrupted: Chorus closed before it finished" if interrupted else "Stopped"
            ) + (f" · {line}" if line else "")
        if line:
            tip = ""
            if message.stats is not None:
                ids = [
                    f"{label}: {value}"
                    for label, value in (
                        ("Request id", message.stats.request_id),
                        ("Response id", message.stats.response_id),
                    )
                    if value
                ]
                if ids:
                    tip = f' title="{escape_attr(" · ".join(ids))}"'
            heat = ""
            if message.prefix_logprobs or any(c.logprobs for c in message.choices):
                heat = ' · <a href="chorus:sampling">Heat map</a>'
            out.append(
                f'<p style="color:{p.muted}; font-size: small;"><span{tip}>'
                f"{escape(line)}</span>{heat}</p>"
            )
    return "".join(out)
