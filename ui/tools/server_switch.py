"""The header's MCP button: which servers the chat (or comparison) on screen uses, the
tools allowed in it without asking (click one to revoke it), and the settings."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from core.chat import Chat


class ServerSwitch(QToolButton):
    changed = Signal(list, list)  # servers switched on, tools allowed here
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mcpSwitch")
        self.setAutoRaise(True)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.setMenu(self.menu_)
        self._servers: list[str] = []
        self._on: list[str] = []
        self._allowed: list[str] = []
        self._built = False
        self.set_state([], None)

    def set_state(self, servers: list[str], holder: Chat | None) -> None:
        """Show the configured ``servers`` and what ``holder`` (the chat on screen) uses.
        The same state again changes nothing (a send says "changed" once per column)."""
        on = [s for s in holder.tool_servers if s in servers] if holder is not None else []
        allowed = list(holder.tool_allowed) if holder is not None else []
        state = (list(servers), on, allowed)
        if self._built and state == (self._servers, self._on, self._allowed):
            return
        self._built = True
        self._servers, self._on, self._allowed = state
        count = len(self._on)
        self.setText(f"MCP · {count}" if count else "MCP")
        names = ", ".join(self._on) or "none"
        self.setToolTip(f"MCP servers this chat uses: {names}")
        self._build()

    def _build(self) -> None:
        menu = self.menu_
        menu.clear()
        if not self._servers:
            none = menu.addAction("No MCP servers yet")
            none.setEnabled(False)
        for name in self._servers:
            action = menu.addAction(name)
            action.setObjectName(f"mcpServer:{name}")
            action.setCheckable(True)
            action.setChecked(name in self._on)
            action.toggled.connect(lambda on, n=name: self.toggle_server(n, on))
        if self._allowed:
            menu.addSeparator()
            menu.addSection("Allowed here without asking (click to revoke)")
            for key in self._allowed:
                action = menu.addAction(f"✓ {key}")
                action.triggered.connect(lambda _=False, k=key: self.revoke(k))
        menu.addSeparator()
        menu.addAction("MCP servers and tools…").triggered.connect(self.settings_requested)

    def toggle_server(self, name: str, on: bool) -> None:
        servers = [s for s in self._on if s != name] + ([name] if on else [])
        self.changed.emit(servers, list(self._allowed))

    def revoke(self, key: str) -> None:
        self.changed.emit(list(self._on), [k for k in self._allowed if k != key])
