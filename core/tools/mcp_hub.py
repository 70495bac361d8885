"""Connections to MCP servers through the official SDK, on the app's asyncio loop.

Each server connects on first use and stays connected while the app runs. The SDK's
client is an anyio context that must be entered and left in one task, so each
connection runs in a task of its own (``mcp:<name>``) that holds the client open until
it is closed; listing and calling tools are awaited from any task. A stdio server's
stderr goes to a temporary file, whose end is the *Details* of every problem.

Every failure (a command that does not start, a server that exits or crashes, one that
does not answer in time, an HTTP error) is an :class:`McpProblem` with one sentence
for a person and the server's own words as ``detail``. The SDK (pydantic, anyio, …) is
imported when the first server connects, not when the app starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import IO, Any

import msgspec

from core.tools.mcp_config import McpServer, ServerSecrets, encode_secrets
from core.tools.mcp_result import ToolOutcome, outcome_of

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 30.0  # at least this long to start (npx and uvx may download first)
STDERR_TAIL = 4000  # characters of a server's stderr shown under Details


class McpProblem(Exception):
    """A server or a call failed: ``str()`` is a sentence, ``detail`` the server's words."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class McpTool(msgspec.Struct, kw_only=True, frozen=True):
    """A tool a server offers."""

    server: str
    name: str
    description: str = ""
    input_schema: dict[str, Any] = {}


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _said(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


class _Connection:
    """One connected server (see the module docstring)."""

    def __init__(self, server: McpServer, secrets: ServerSecrets) -> None:
        self.server = server
        self.secrets = secrets
        self.signature = msgspec.json.encode(server) + encode_secrets(secrets).encode()
        self.client: Any = None
        self.tools: list[McpTool] = []
        self.dead = False
        self._errlog: IO[str] | None = None
        self._closing = asyncio.Event()
        self._ready: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.server.name

    # --- life --------------------------------------------------------------------------

    async def open(self, timeout: float) -> None:  # noqa: ASYNC109 (bounds the start)
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._task = loop.create_task(self._serve(), name=f"mcp:{self.name}")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), timeout)
            listed = await asyncio.wait_for(self.client.list_tools(), timeout)
        except TimeoutError:
            detail = self.stderr()
            await self.close()
            raise McpProblem(
                f"The MCP server “{self.name}” did not answer within {timeout:g} s of starting.",
                detail,
            ) from None
        except McpProblem:
            await self.close()
            raise
        except Exception as exc:
            detail = self.stderr() or _said(_leaf(exc))
            await self.close()
            raise McpProblem(
                f"The MCP server “{self.name}” could not list its tools: {_said(_leaf(exc))}",
                detail,
            ) from None
        self.tools = [
            McpTool(
                server=self.name,
                name=tool.name,
                description=tool.description or "",
                input_schema=dict(tool.input_schema or {}),
            )
            for tool in listed.tools
        ]

    async def _serve(self) -> None:
        from mcp import Client

        ready = self._ready
        assert ready is not None
        try:
            async with contextlib.AsyncExitStack() as stack:
                transport = await self._transport(stack)
                self.client = await stack.enter_async_context(Client(transport))
                ready.set_result(None)
                await self._closing.wait()
        except BaseException as exc:  # the server's end, whatever it was; the task ends here
            if not ready.done():
                leaf = _leaf(exc)
                detail = self.stderr() or _said(leaf)
                ready.set_exception(McpProblem(self._start_failure(leaf), detail))
            elif not self._closing.is_set():
                log.warning("MCP server %s ended: %s", self.name, _said(_leaf(exc)))
        finally:
            self.client = None
            self.dead = True

    async def _transport(self, stack: contextlib.AsyncExitStack) -> Any:
        server, secrets = self.server, self.secrets
        if server.transport == "stdio":
            import tempfile

            from mcp import StdioServerParameters
            from mcp.client.stdio import stdio_client

            # the server's stderr, read back for Details; closed in close()
            self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
            env = {**server.env, **secrets.env}
            params = StdioServerParameters(
                command=server.command,
                args=list(server.args),
                env=env or None,
                cwd=os.path.expanduser(server.cwd) if server.cwd else None,  # noqa: ASYNC240
            )
            return stdio_client(params, errlog=self._errlog)
        headers = {**server.headers, **secrets.headers}
        if server.transport == "sse":
            from mcp.client.sse import sse_client

            return sse_client(server.url, headers=headers or None)
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0))
        await stack.enter_async_context(http)
        return streamable_http_client(server.url, http_client=http)

    def _start_failure(self, exc: BaseException) -> str:
        where = f"The MCP server “{self.name}”"
        if isinstance(exc, FileNotFoundError):
            missing = (
                self.server.cwd
                if self.server.cwd and not os.path.isdir(os.path.expanduser(self.server.cwd))
                else self.server.command
            )
            return f"{where} could not be started: “{missing}” was not found."
        if isinstance(exc, PermissionError):
            return f"{where} could not be started: “{self.server.command}” may not be run."
        if self.server.transport == "stdio":
            return f"{where} stopped as it started ({_said(exc)})."
        return f"{where} at {self.server.url} could not be reached: {_said(exc)}"

    async def close(self) -> None:
        self._closing.set()
        task = self._task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), 5.0)
            except (TimeoutError, Exception):
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        ready = self._ready
        if ready is not None and ready.done() and not ready.cancelled():
            ready.exception()  # retrieved: a start that failed after a timeout is not logged
        if self._errlog is not None:
            self._errlog.close()

    # --- calls ---------------------------------------------------------------------------

    async def call(
        self,
        tool: str,
        arguments: dict[str, Any],
        timeout: float,  # noqa: ASYNC109
    ) -> ToolOutcome:
        client = self.client
        where = f"“{tool}” on the MCP server “{self.name}”"
        if client is None or self.dead:
            raise McpProblem(f"The MCP server “{self.name}” is not running.", self.stderr())
        try:
            result = await asyncio.wait_for(client.call_tool(tool, arguments), timeout)
        except TimeoutError:
            raise McpProblem(
                f"{where} did not finish within {timeout:g} s (the timeout in Settings › "
                "MCP servers and tools).",
                self.stderr(),
            ) from None
        except Exception as exc:
            leaf = _leaf(exc)
            if "closed" in _said(leaf).lower() or self.dead:
                self.dead = True
                self._closing.set()
                raise McpProblem(
                    f"The MCP server “{self.name}” stopped while running “{tool}”.",
                    self.stderr() or _said(leaf),
                ) from None
            raise McpProblem(f"{where} failed: {_said(leaf)}", self.stderr()) from None
        return outcome_of(result)

    def stderr(self) -> str:
        """The end of what the server wrote to stderr (stdio servers)."""
        errlog = self._errlog
        if errlog is None or errlog.closed:
            return ""
        try:
            fd = errlog.fileno()
            size = os.fstat(fd).st_size
            start = max(0, size - STDERR_TAIL * 4)
            data = os.pread(fd, size - start, start)
        except OSError:
            return ""
        return data.decode("utf-8", "replace")[-STDERR_TAIL:].strip()


class McpHub:
    """Every configured server, connected on demand (see the module docstring).

    ``servers``: the configured servers now; ``secrets``: a server's secret values;
    ``timeout``: the default time a tool may run, in seconds.
    """

    def __init__(
        self,
        servers: Callable[[], Sequence[McpServer]],
        secrets: Callable[[str], ServerSecrets],
        timeout: Callable[[], float] = lambda: DEFAULT_TIMEOUT_S,
    ) -> None:
        self._servers = servers
        self._secrets = secrets
        self._timeout = timeout
        self._connections: dict[str, _Connection] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.last_stderr: dict[str, str] = {}  # by server, from its last connection

    def server(self, name: str) -> McpServer | None:
        return next((s for s in self._servers() if s.name == name), None)

    def names(self) -> list[str]:
        return [s.name for s in self._servers()]

    def timeout_for(self, name: str) -> float:
        server = self.server(name)
        if server is not None and server.timeout_s > 0:
            return server.timeout_s
        return self._timeout()

    def connected(self, name: str) -> bool:
        connection = self._connections.get(name)
        return connection is not None and not connection.dead

    def known_tools(self, name: str) -> list[McpTool]:
        """The tools ``name`` listed when it last connected (none before that)."""
        connection = self._connections.get(name)
        return list(connection.tools) if connection is not None else []

    async def connect(self, name: str) -> list[McpTool]:
        """Connect ``name`` if it is not (again if its settings changed); its tools."""
        return list((await self._connection(name)).tools)

    async def _connection(self, name: str) -> _Connection:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            server = self.server(name)
            if server is None:
                raise McpProblem(f"There is no MCP server named “{name}” any more.")
            try:
                secrets = self._secrets(name)
            except Exception as exc:  # a locked keyring: the sentence says so
                raise McpProblem(
                    f"The secrets of MCP server “{name}” could not be read: {exc}"
                ) from None
            current = self._connections.get(name)
            wanted = msgspec.json.encode(server) + encode_secrets(secrets).encode()
            if current is not None and not current.dead and current.signature == wanted:
                return current
            if current is not None:
                await self._drop(name)
            connection = _Connection(server, secrets)
            self._connections[name] = connection
            try:
                await connection.open(max(CONNECT_TIMEOUT_S, self.timeout_for(name)))
            except McpProblem as exc:
                self.last_stderr[name] = exc.detail
                self._connections.pop(name, None)
                raise
            return connection

    async def call(self, name: str, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
        """Run ``tool`` of server ``name`` (connecting first if needed)."""
        connection = await self._connection(name)
        try:
            return await connection.call(tool, arguments, self.timeout_for(name))
        finally:
            self.last_stderr[name] = connection.stderr()
            if connection.dead:
                await self._drop(name)

    def stderr(self, name: str) -> str:
        connection = self._connections.get(name)
        return connection.stderr() if connection is not None else self.last_stderr.get(name, "")

    async def _drop(self, name: str) -> None:
        connection = self._connections.pop(name, None)
        if connection is not None:
            self.last_stderr[name] = connection.stderr()
            await connection.close()

    async def disconnect(self, name: str) -> None:
        await self._drop(name)

    async def aclose(self) -> None:
        """Close every connection (stdio servers are stopped)."""
        for name in list(self._connections):
            await self._drop(name)
