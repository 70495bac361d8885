"""MCP tools offered to a model as ``tools`` of the request, and the way back from the
function name a model calls to the server and tool that run it."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import msgspec

from core.params import FUNCTION_NAME
from core.tools.mcp_hub import McpTool

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class Offered(msgspec.Struct, kw_only=True, frozen=True):
    """An MCP tool under the function name the model sees."""

    function: str
    tool: McpTool


def offer(tools: Sequence[McpTool], taken: Collection[str] = ()) -> list[Offered]:
    """A function name for each tool: its own name when that is a valid function name
    used by nothing else, else ``<server>_<tool>`` made valid (and numbered if needed)."""
    used = set(taken)
    counts: dict[str, int] = {}
    for tool in tools:
        counts[tool.name] = counts.get(tool.name, 0) + 1
    out: list[Offered] = []
    for tool in tools:
        name = tool.name
        if not FUNCTION_NAME.match(name) or name in used or counts[name] > 1:
            base = _UNSAFE.sub("_", f"{tool.server}_{tool.name}").strip("_")[:60] or "tool"
            name, n = base, 2
            while name in used:
                name, n = f"{base[:57]}_{n}", n + 1
        used.add(name)
        out.append(Offered(function=name, tool=tool))
    return out


def api_tools(offered: Sequence[Offered]) -> list[dict[str, object]]:
    """The request's ``tools`` entries for ``offered``."""
    out: list[dict[str, object]] = []
    for item in offered:
        schema = dict(item.tool.input_schema) or {"type": "object", "properties": {}}
        function: dict[str, object] = {"name": item.function, "parameters": schema}
        if item.tool.description:
            function["description"] = item.tool.description
        out.append({"type": "function", "function": function})
    return out
