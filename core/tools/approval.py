"""Whether an MCP tool may run: the person's remembered choices per tool.

A choice is kept under :func:`tool_key` (``server/tool``): ``always`` and ``never`` in
the settings (``Settings.tool_policies``), ``chat`` in the chat or comparison it was
given for (``Chat.tool_allowed``). Without a choice, the person is asked every time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

Policy = Literal["always", "never"]
Decision = Literal["run", "ask", "deny"]
POLICY_LABELS: dict[str, str] = {"always": "Always allowed", "never": "Never allowed"}


def tool_key(server: str, tool: str) -> str:
    return f"{server}/{tool}"


def decide(key: str, policies: Mapping[str, str], allowed_here: Collection[str]) -> Decision:
    """``run`` (always allowed, or allowed in this chat), ``deny`` (never) or ``ask``."""
    policy = policies.get(key)
    if policy == "never":
        return "deny"
    if policy == "always" or key in allowed_here:
        return "run"
    return "ask"
