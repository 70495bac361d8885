"""What the row renderer keeps for a row besides its documents: the rendered body kept in
the model, the state of a live (streaming) row, the HTML of the sections around the body
(head, tool calls, foot), and the height a row is guessed to have before it is laid out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from core.chat import Message, ToolCall
from ui.render.live_markdown import MarkdownParts, Part
from ui.render.row_documents import SECTION_GAP, V_PAD, PartHtml, RowDocs
from ui.render.row_html import footer_html, header_html, shown, thinking_html, tool_calls_html
from ui.transcript.message_model import MessageRow


@dataclass(frozen=True, slots=True)
class RowBody:
    """The rendered body of a message, as kept in the model."""

    parts: tuple[Part, ...]
    source: MarkdownParts | None = None  # what made it, while highlighting may update it

    @property
    def html(self) -> str:
        return "".join(part.html for part in self.parts)


@dataclass(slots=True)
class LiveRow:
    """A row whose answer is streaming in."""

    message: Message
    body: MarkdownParts
    think: MarkdownParts
    docs: RowDocs
    content: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    ready: bool = True  # False while a job catches up with text that is already there


def chrome_parts(
    item: MessageRow,
    live: LiveRow | None,
    theme: str,
    *,
    thinking: bool,
    details: bool,
    cost: str = "",
) -> tuple[list[PartHtml], list[PartHtml], list[PartHtml]]:
    """The head, tools and foot sections of a row (empty lists for absent ones);
    ``cost`` goes in the stats line."""
    message = item.message
    if live is not None:
        message = msgspec.structs.replace(
            message, content=live.content, reasoning=live.reasoning, tool_calls=live.tool_calls
        )
    is_live = live is not None
    head = header_html(message, item.sibling_index, item.sibling_count, theme, live=is_live)
    head += thinking_html(message, theme, expanded=thinking, live=is_live)
    tools = tool_calls_html(message.tool_calls, theme, live=is_live)
    foot = footer_html(message, theme, live=is_live, details=details, cost=cost)
    return (
        [PartHtml(head)],
        [PartHtml(tools)] if tools else [],
        [PartHtml(foot)] if foot else [],
    )


def estimate_height(message: Message, width: int, line: float, char: float) -> int:
    """A quick guess at a row's height from its text (``line``: line spacing,
    ``char``: average character width, in pixels)."""
    text = shown(message.content)
    per_line = max(20.0, width / char)
    lines = len(text) / per_line + 0.6 * text.count("\n") + 0.8 * text.count("```")
    height = 2 * V_PAD + 1.4 * line + SECTION_GAP + lines * line * 1.08
    if message.role == "assistant":
        height += SECTION_GAP + line
    if message.reasoning:
        height += line + 8
    if message.error is not None:
        height += 4 * line
    height += len(message.tool_calls) * 5 * line
    return int(height)
