"""The tools as a service: configured MCP servers with their secrets, remembered approvals,
the round limit, and the tools a chat offers its model.

Server settings change only here: :meth:`ToolService.save_servers` puts each server's
secret values in the keyring (the same store as API keys) and the rest in the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from core.chat import Chat
from core.param_validation import tool_names
from core.secrets import Secrets, SecretStoreError
from core.settings import Settings
from core.tools.approval import Policy, decide, tool_key
from core.tools.mcp_config import (
    McpServer,
    ServerSecrets,
    decode_secrets,
    encode_secrets,
    secret_entry,
)
from core.tools.mcp_hub import McpHub, McpProblem, McpTool
from core.tools.offer import Offered, offer
from core.tools.rounds import DEFAULT_ROUND_LIMIT
from ui.common.settings_service import SettingsService

log = logging.getLogger(__name__)


class ToolService(QObject):
    servers_changed = Signal()  # servers added, changed or removed
    policies_changed = Signal()

    def __init__(
        self,
        prefs: SettingsService | None = None,
        secrets: Secrets | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.prefs = prefs
        self.secrets = secrets
        self.hub = McpHub(self.servers, self.secrets_of, lambda: self.settings.tool_timeout_s)

    @property
    def settings(self) -> Settings:
        return self.prefs.settings if self.prefs is not None else Settings()

    # --- servers ---------------------------------------------------------------------

    def servers(self) -> list[McpServer]:
        return list(self.settings.mcp_servers)

    def server(self, name: str) -> McpServer | None:
        return next((s for s in self.servers() if s.name == name), None)

    def secrets_of(self, name: str) -> ServerSecrets:
        server = self.server(name)
        if self.secrets is None or server is None:
            return ServerSecrets()
        if not server.secret_env and not server.secret_headers:
            return ServerSecrets()
        return decode_secrets(self.secrets.get(secret_entry(name)))

    def save_servers(self, servers: Sequence[tuple[McpServer, ServerSecrets]]) -> None:
        """Keep ``servers`` (in this order) and their secrets; servers not listed are
        removed with theirs. Raises :class:`SecretStoreError` when a secret cannot be
        stored (nothing is saved then)."""
        kept = {server.name for server, _ in servers}
        for server, secrets in servers:
            if secrets.env or secrets.headers:
                if self.secrets is None:
                    raise SecretStoreError("There is no keyring to keep the server's secrets in.")
                self.secrets.set(secret_entry(server.name), encode_secrets(secrets))
        for old in self.servers():
            if old.name not in kept and self.secrets is not None:
                try:
                    self.secrets.delete(secret_entry(old.name))
                except SecretStoreError as exc:
                    log.warning("could not delete the secrets of %s: %s", old.name, exc)
        if self.prefs is not None:
            self.prefs.set(mcp_servers=[server for server, _ in servers])
        self.servers_changed.emit()

    # --- approvals -------------------------------------------------------------------

    def policies(self) -> dict[str, str]:
        return dict(self.settings.tool_policies)

    def set_policy(self, key: str, policy: Policy | None) -> None:
        """Remember ``policy`` for ``key`` (``server/tool``); None forgets it."""
        policies = dict(self.settings.tool_policies)
        if policy is None:
            policies.pop(key, None)
        else:
            policies[key] = policy
        if self.prefs is not None:
            self.prefs.set(tool_policies=policies)
        self.policies_changed.emit()

    def decide(self, owner: Chat, offered: Offered) -> str:
        key = tool_key(offered.tool.server, offered.tool.name)
        return decide(key, self.settings.tool_policies, owner.tool_allowed)

    # --- the tool library (ui.params.editors.json_editor.ToolLibrary) -----------------

    def saved(self) -> dict[str, dict[str, object]]:
        return dict(self.settings.tool_library)

    def put(self, name: str, tool: dict[str, object]) -> None:
        if self.prefs is not None:
            self.prefs.set(tool_library={**self.settings.tool_library, name: dict(tool)})

    def remove(self, name: str) -> None:
        library = {k: v for k, v in self.settings.tool_library.items() if k != name}
        if self.prefs is not None:
            self.prefs.set(tool_library=library)

    @property
    def round_limit(self) -> int:
        return self.settings.tool_round_limit if self.prefs is not None else DEFAULT_ROUND_LIMIT

    # --- what a chat offers ----------------------------------------------------------

    def enabled(self, owner: Chat) -> list[str]:
        """The servers switched on for ``owner`` that are still configured."""
        names = {s.name for s in self.servers()}
        return [name for name in owner.tool_servers if name in names]

    def _offer(self, thread: Chat, tools: Sequence[McpTool]) -> list[Offered]:
        """``tools`` under names that the thread's own tools do not use."""
        own = thread.params.get("tools")
        taken = tool_names(own) if isinstance(own, list) else []
        return offer(tools, taken)

    def known_offered(self, owner: Chat, thread: Chat) -> list[Offered]:
        """What ``thread`` offers from the tools its servers listed so far (no waiting)."""
        tools = [t for name in self.enabled(owner) for t in self.hub.known_tools(name)]
        return self._offer(thread, tools)

    async def offered(self, owner: Chat, thread: Chat) -> tuple[list[Offered], list[McpProblem]]:
        """Connect the servers of ``owner`` (those not connected yet) and what ``thread``
        offers from their tools; a server that cannot be used is a problem, not an end."""
        tools: list[McpTool] = []
        problems: list[McpProblem] = []
        for name in self.enabled(owner):
            try:
                tools.extend(await self.hub.connect(name))
            except McpProblem as exc:
                problems.append(exc)
        return self._offer(thread, tools), problems
