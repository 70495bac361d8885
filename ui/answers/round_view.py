"""What the tool panel shows of a thread's open round (:class:`RoundView`, one
:class:`CallView` per call), and the request parameters with MCP tools added."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from core.chat import ErrorInfo, ToolCall
from core.tools.offer import Offered, api_tools

CallState = Literal["input", "ask", "running"]
Scope = Literal["once", "chat", "always"]


@dataclass(frozen=True, slots=True)
class CallView:
    """One call as the tool panel shows it."""

    call: ToolCall
    server: str = ""  # the MCP server that runs it; "" when a person answers it
    tool: str = ""  # the tool's name on that server
    state: CallState = "input"
    problem: ErrorInfo | None = None  # why the last run did not give a result


@dataclass(frozen=True, slots=True)
class RoundView:
    """The open round of one thread; no calls: nothing to answer."""

    thread_id: str
    calls: tuple[CallView, ...] = ()
    limit: int = 0  # the round limit, when it was reached and this round waits


def with_tools(params: Mapping[str, object], offered: list[Offered]) -> Mapping[str, object]:
    """``params`` with the ``tools`` of ``offered`` after the chat's own."""
    if not offered:
        return params
    merged = dict(params)
    own = params.get("tools")
    merged["tools"] = [*(own if isinstance(own, list) else []), *api_tools(offered)]
    return merged
