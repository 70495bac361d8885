"""MCP servers as configured: how to start or reach each one, and the ``mcpServers`` JSON
that Claude Desktop, Cursor, LM Studio and others use, read so a person pastes what they
already have.

A server's secrets (environment values and headers named like credentials, or marked
secret by the person) are never part of :class:`McpServer`: they live in the keyring,
one entry per server (:func:`secret_entry`), holding :class:`ServerSecrets` as JSON.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

Transport = Literal["stdio", "http", "sse"]
TRANSPORT_LABELS: dict[str, str] = {
    "stdio": "Program (stdio)",
    "http": "Streamable HTTP",
    "sse": "HTTP with SSE (older servers)",
}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$")
_SECRET_WORDS = re.compile(r"key|token|secret|pass|pwd|auth|cookie|credential|bearer", re.I)


class McpConfigError(ValueError):
    """A server definition that cannot be used; ``str()`` is a sentence for a person."""


class McpServer(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One MCP server. ``env`` and ``headers`` hold the values that are not secret; the
    names in ``secret_env`` / ``secret_headers`` have their values in the keyring.
    ``timeout_s``: how long a tool may run (0: the default of the Tools settings)."""

    name: str
    transport: Transport = "stdio"
    command: str = ""
    args: list[str] = []
    env: dict[str, str] = {}
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = {}
    secret_env: list[str] = []
    secret_headers: list[str] = []
    timeout_s: float = 0.0

    def where(self) -> str:
        """What is run or reached, as a person reads it."""
        if self.transport == "stdio":
            return shlex.join([self.command, *self.args])
        return self.url


class ServerSecrets(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The secret values of one server, as kept in its keyring entry."""

    env: dict[str, str] = {}
    headers: dict[str, str] = {}


def secret_entry(server_name: str) -> str:
    """The keyring user name under which ``server_name``'s secrets are kept."""
    return f"mcp:{server_name}"


def looks_secret(name: str) -> bool:
    """A variable or header name that usually holds a credential (``API_KEY``,
    ``Authorization``, ``GITHUB_TOKEN``)."""
    return bool(_SECRET_WORDS.search(name))


def check(server: McpServer) -> McpServer:
    """``server`` when it can be used, else :class:`McpConfigError` saying what is missing."""
    if not NAME.match(server.name):
        raise McpConfigError(
            f"“{server.name}” cannot name a server: use 1 to 40 letters, digits, spaces, "
            "dots, dashes or underscores, starting with a letter or digit."
        )
    if server.transport == "stdio" and not server.command.strip():
        raise McpConfigError(f"Server “{server.name}” needs a command to run.")
    if server.transport != "stdio" and not re.match(r"^https?://\S+$", server.url.strip()):
        raise McpConfigError(
            f"Server “{server.name}” needs an http:// or https:// URL, not “{server.url}”."
        )
    if server.timeout_s < 0:
        raise McpConfigError(f"The timeout of server “{server.name}” cannot be negative.")
    return server


def split_secrets(
    server: McpServer, env: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[McpServer, ServerSecrets]:
    """``server`` with the plain values of ``env`` and ``headers``, and the secret ones
    apart (those named in ``secret_env`` / ``secret_headers``)."""
    secret_env = [n for n in env if n in server.secret_env]
    secret_headers = [n for n in headers if n in server.secret_headers]
    plain = msgspec.structs.replace(
        server,
        env={k: v for k, v in env.items() if k not in secret_env},
        headers={k: v for k, v in headers.items() if k not in secret_headers},
        secret_env=secret_env,
        secret_headers=secret_headers,
    )
    secrets = ServerSecrets(
        env={k: env[k] for k in secret_env}, headers={k: headers[k] for k in secret_headers}
    )
    return plain, secrets


def encode_secrets(secrets: ServerSecrets) -> str:
    return msgspec.json.encode(secrets).decode()


def decode_secrets(text: str | None) -> ServerSecrets:
    if not text:
        return ServerSecrets()
    try:
        return msgspec.json.decode(text.encode(), type=ServerSecrets)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return ServerSecrets()


# --- the mcpServers JSON ----------------------------------------------------------------


class Imported(msgspec.Struct, kw_only=True):
    """A server read from ``mcpServers`` JSON, with its secret values apart."""

    server: McpServer
    secrets: ServerSecrets


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise McpConfigError(f"{where} must be an object of names and text values.")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def _transport(raw: Mapping[str, Any], name: str) -> Transport:
    kind = str(raw.get("type") or raw.get("transport") or "").lower().replace("_", "-")
    if kind in ("", "stdio"):
        return "stdio" if raw.get("command") or not _url_of(raw) else "http"
    if kind in ("http", "streamable-http", "streamablehttp", "streamable"):
        return "http"
    if kind == "sse":
        return "sse"
    raise McpConfigError(f"Server “{name}” has the type “{kind}”, which Chorus does not know.")


def _url_of(raw: Mapping[str, Any]) -> str:
    value = raw.get("url") or raw.get("serverUrl") or raw.get("httpUrl") or ""
    return value if isinstance(value, str) else ""


def _one(name: str, raw: Any) -> Imported:
    if not isinstance(raw, dict):
        raise McpConfigError(f"Server “{name}” must be an object with a command or a url.")
    transport = _transport(raw, name)
    args = raw.get("args") or []
    if not isinstance(args, list):
        raise McpConfigError(f"The args of server “{name}” must be a list of text.")
    env = _strings(raw.get("env"), f"The env of server “{name}”")
    headers = _strings(raw.get("headers"), f"The headers of server “{name}”")
    server = McpServer(
        name=name,
        transport=transport,
        command=str(raw.get("command") or ""),
        args=[str(a) for a in args],
        cwd=str(raw.get("cwd") or raw.get("workingDirectory") or ""),
        url=_url_of(raw),
        secret_env=[n for n in env if looks_secret(n)],
        secret_headers=[n for n in headers if looks_secret(n)],
    )
    check(server)
    plain, secrets = split_secrets(server, env, headers)
    return Imported(server=plain, secrets=secrets)


def parse_mcp_servers(text: str) -> list[Imported]:
    """The servers of an ``mcpServers`` JSON text, or :class:`McpConfigError`.

    Takes ``{"mcpServers": {name: {...}}}`` (Claude Desktop, Cursor, LM Studio), VS Code's
    ``{"servers": {...}}``, a bare ``{name: {...}}`` or one server ``{"command": …}``
    (named ``server``). Each server has a ``command`` with ``args``, ``env`` and ``cwd``,
    or a ``url`` with ``headers`` (``type``: ``stdio``, ``http``/``streamable-http`` or
    ``sse``). Values named like credentials are returned apart, for the keyring.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise McpConfigError(
            f"This is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    if not isinstance(data, dict):
        raise McpConfigError('Paste a JSON object such as {"mcpServers": {…}}.')
    servers = data.get("mcpServers", data.get("servers"))
    if servers is None:
        servers = {"server": data} if "command" in data or _url_of(data) else data
    if not isinstance(servers, dict) or not servers:
        raise McpConfigError('No servers found: expected {"mcpServers": {"name": {…}}}.')
    return [_one(str(name), raw) for name, raw in servers.items()]
