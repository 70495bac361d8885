"""A small MCP server with two tools, one slow and one that fails (see the package docstring).

``python -m tests.mcp_servers.tools_server`` serves over stdio; ``--http PORT`` serves
Streamable HTTP on 127.0.0.1 at ``/mcp``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("chorus-test-tools")


def _maybe_crash() -> None:
    if os.environ.get("MCP_TEST_CRASH") == "1":
        print("tools_server: simulated crash while calling a tool", file=sys.stderr, flush=True)
        os._exit(3)


@server.tool()
async def slow_echo(text: str) -> str:
    """Echo the text back, after a pause."""
    _maybe_crash()
    await asyncio.sleep(float(os.environ.get("MCP_TEST_DELAY_S", "0.05")))
    return f"Echoed: {text}"


@server.tool()
async def fail(text: str) -> str:
    """Always fails."""
    _maybe_crash()
    print(f"tools_server: fail was called with {text!r}", file=sys.stderr, flush=True)
    raise ToolError(f"fail refuses {text!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=0, help="serve Streamable HTTP on this port")
    args = parser.parse_args()
    print("tools_server: starting", file=sys.stderr, flush=True)
    if args.http:
        asyncio.run(server.run_streamable_http_async(port=args.http))
    else:
        server.run()


if __name__ == "__main__":
    main()
