"""The MCP hub on a plain asyncio loop (no Qt), against the suite's stdio server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.tools.mcp_config import McpServer, ServerSecrets
from core.tools.mcp_hub import McpHub, McpProblem

ROOT = Path(__file__).resolve().parents[2]


def _hub(*servers: McpServer, timeout: float = 30.0) -> McpHub:
    return McpHub(lambda: list(servers), lambda name: ServerSecrets(), lambda: timeout)


def _server(**env: str) -> McpServer:
    return McpServer(
        name="tools",
        command=sys.executable,
        args=["-m", "tests.mcp_servers.tools_server"],
        cwd=str(ROOT),
        env=env,
    )


async def test_list_call_and_fail() -> None:
    hub = _hub(_server())
    try:
        tools = await hub.connect("tools")
        assert [t.name for t in tools] == ["slow_echo", "fail"]
        assert tools[0].input_schema["required"] == ["text"]
        echoed = await hub.call("tools", "slow_echo", {"text": "hi"})
        assert echoed.text == "Echoed: hi" and not echoed.is_error
        failed = await hub.call("tools", "fail", {"text": "x"})
        assert failed.is_error and "fail refuses 'x'" in failed.text
        assert "tools_server: fail was called" in hub.stderr("tools")
        assert hub.connected("tools")
    finally:
        await hub.aclose()
    assert not hub.connected("tools")


async def test_missing_command_and_unknown_server() -> None:
    missing = McpServer(name="gone", command="/no/such/server")
    hub = _hub(missing)
    with pytest.raises(McpProblem, match="“/no/such/server” was not found"):
        await hub.connect("gone")
    with pytest.raises(McpProblem, match="no MCP server named “other”"):
        await hub.connect("other")


async def test_a_server_that_exits_at_start_says_what_it_wrote() -> None:
    script = "import sys; print('config file missing', file=sys.stderr); sys.exit(2)"
    hub = _hub(McpServer(name="exits", command=sys.executable, args=["-c", script]))
    with pytest.raises(McpProblem, match="stopped as it started") as raised:
        await hub.connect("exits")
    assert "config file missing" in raised.value.detail
