"""The app with MCP servers for the tool tests: the suite's own servers (tests/mcp_servers)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.chat import Chat
from core.tools.mcp_config import McpServer
from tests.ui.async_wait import wait_until
from ui.app import Assembly
from ui.tools.card import CallCard

ROOT = Path(__file__).resolve().parents[2]
START_S = 60.0  # an MCP server written with the SDK takes seconds to import on a busy machine


def stdio_server(name: str = "tools", **env: str) -> McpServer:
    """The suite's stdio server, with extra environment (MCP_TEST_DELAY_S, MCP_TEST_CRASH)."""
    return McpServer(
        name=name,
        command=sys.executable,
        args=["-m", "tests.mcp_servers.tools_server"],
        cwd=str(ROOT),
        env=dict(env),
    )


def use_servers(assembly: Assembly, *servers: McpServer, on: bool = True) -> None:
    """Configure ``servers`` and switch them on for the page on screen."""
    assert assembly.tools is not None
    assembly.services.prefs.set(mcp_servers=list(servers))
    if on:
        assembly.window.page.set_tool_servers([s.name for s in servers], [])


def shown_chat(assembly: Assembly) -> Chat:
    chat = assembly.controller.chat
    assert chat is not None
    return chat


async def first_card(assembly: Assembly, state: str = "", seconds: float = START_S) -> CallCard:
    panel = assembly.chat_page.tool_panel
    await wait_until(
        lambda: panel.cards() and (not state or panel.cards()[0].view.state == state), seconds
    )
    return panel.cards()[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def http_server() -> Iterator[str]:
    """The suite's server over Streamable HTTP on loopback; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.mcp_servers.tools_server", "--http", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_S
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the HTTP MCP server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)
