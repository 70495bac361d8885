"""Settings › MCP servers and tools: the servers (add, edit, remove, import the
``mcpServers`` JSON of another app, test), the remembered approvals (revoke), and the
round limit and default timeout. Non-modal, opened with ``open()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.secrets import SecretStoreError
from core.tools.approval import POLICY_LABELS
from core.tools.mcp_config import McpConfigError, McpServer, ServerSecrets, parse_mcp_servers
from core.tools.mcp_hub import McpProblem
from ui.common.notifier import Notifier
from ui.tools.server_form import ServerForm
from ui.tools.service import ToolService

IMPORT_HINT = (
    "Paste the mcpServers JSON of Claude Desktop, Cursor, LM Studio, VS Code or Windsurf, e.g.\n"
    '{"mcpServers": {"files": {"command": "npx", "args": ["-y", '
    '"@modelcontextprotocol/server-filesystem", "/home/me"]}}}'
)


class McpDialog(QDialog):
    def __init__(
        self, tools: ToolService, notifier: Notifier, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mcpDialog")
        self.setWindowTitle("MCP servers and tools")
        self.resize(860, 600)
        self.tools = tools
        self.notifier = notifier
        self._tasks: set[asyncio.Task[None]] = set()
        self.entries: list[tuple[McpServer, ServerSecrets]] = []
        for server in tools.servers():
            try:
                secrets = tools.secrets_of(server.name)
            except SecretStoreError as exc:
                notifier.warning(str(exc))
                secrets = ServerSecrets()
            self.entries.append((server, secrets))

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._servers_tab(), "&Servers")
        self.tabs.addTab(self._import_tab(), "&Import")
        self.tabs.addTab(self._approvals_tab(), "&Approvals and limits")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        self._fill_list()

    # --- servers -----------------------------------------------------------------------

    def _servers_tab(self) -> QWidget:
        tab = QWidget(self)
        self.list = QListWidget(tab)
        self.list.setObjectName("mcpList")
        self.list.currentRowChanged.connect(self._show_entry)
        add = QPushButton("&Add", tab)
        add.clicked.connect(self.add_server)
        self.remove_button = QPushButton("&Remove", tab)
        self.remove_button.clicked.connect(self.remove_server)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(self.remove_button)
        left.addLayout(row)
        left_box = QWidget(tab)
        left_box.setLayout(left)

        self.form = ServerForm(tab)
        self.save_button = QPushButton("Sa&ve", tab)
        self.save_button.setObjectName("mcpSave")
        self.save_button.clicked.connect(self.save_current)
        self.test_button = QPushButton("&Test", tab)
        self.test_button.setObjectName("mcpTest")
        self.test_button.setToolTip("Save, start the server and list its tools")
        self.test_button.clicked.connect(self.test_current)
        self.status = QLabel(tab)
        self.status.setObjectName("mcpStatus")
        self.status.setWordWrap(True)
        self.output = QPlainTextEdit(tab)
        self.output.setObjectName("mcpOutput")
        self.output.setReadOnly(True)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.output.setPlaceholderText("The server's tools, or what it wrote to stderr, show here.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        right = QVBoxLayout()
        right.addWidget(self.form)
        right.addLayout(buttons)
        right.addWidget(self.output, 1)
        right_box = QWidget(tab)
        right_box.setLayout(right)

        splitter = QSplitter(Qt.Orientation.Horizontal, tab)
        splitter.addWidget(left_box)
        splitter.addWidget(right_box)
        splitter.setSizes([200, 660])
        layout = QVBoxLayout(tab)
        layout.addWidget(splitter)
        return tab

    def _fill_list(self, select: int = 0) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for server, _ in self.entries:
            self.list.addItem(f"{server.name}  ·  {server.where()}")
        self.list.blockSignals(False)
        has = bool(self.entries)
        self.form.setEnabled(has)
        for button in (self.save_button, self.test_button, self.remove_button):
            button.setEnabled(has)
        if has:
            self.list.setCurrentRow(min(select, len(self.entries) - 1))
            self._show_entry(self.list.currentRow())

    def _show_entry(self, row: int) -> None:
        if 0 <= row < len(self.entries):
            server, secrets = self.entries[row]
            self.form.set_server(server, secrets)
            self.status.setText("")
            self.output.setPlainText(self.tools.hub.stderr(server.name))

    def add_server(self) -> None:
        taken = {s.name for s, _ in self.entries}
        name, n = "server", 2
        while name in taken:
            name, n = f"server {n}", n + 1
        self.entries.append((McpServer(name=name, command=""), ServerSecrets()))
        self._fill_list(len(self.entries) - 1)
        self.form.name.setFocus()
        self.form.name.selectAll()

    def remove_server(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.entries):
            server, _ = self.entries.pop(row)
            if self._store():
                self._spawn(self.tools.hub.disconnect(server.name))
                self.notifier.info(f"Removed the MCP server “{server.name}”.")
            self._fill_list(row)

    def save_current(self) -> bool:
        """Check the form and keep it; False (and the reason beside the buttons) if not."""
        row = self.list.currentRow()
        if not 0 <= row < len(self.entries):
            return False
        try:
            server, secrets = self.form.server()
        except McpConfigError as exc:
            self._say(str(exc), error=True)
            return False
        if any(s.name == server.name for i, (s, _) in enumerate(self.entries) if i != row):
            self._say(f"Another server is already named “{server.name}”.", error=True)
            return False
        old = self.entries[row]
        self.entries[row] = (server, secrets)
        if not self._store():
            self.entries[row] = old
            return False
        self._fill_list(row)
        self._say(f"Saved “{server.name}”.")
        return True

    def _store(self) -> bool:
        try:
            self.tools.save_servers(self.entries)
        except SecretStoreError as exc:
            self._say(f"{exc} The server was not saved.", error=True)
            return False
        return True

    def _say(self, text: str, *, error: bool = False) -> None:
        color = "#d63c3c" if error else "palette(text)"
        self.status.setText(f'<span style="color:{color};">{text}</span>')

    def test_current(self) -> None:
        if self.save_current():
            server, _ = self.entries[self.list.currentRow()]
            self._say(f"Starting “{server.name}”…")
            self.output.clear()
            self._spawn(self._test(server.name))

    async def _test(self, name: str) -> None:
        try:
            tools = await self.tools.hub.connect(name)
        except McpProblem as exc:
            self._say(exc.message, error=True)
            self.output.setPlainText(exc.detail)
            return
        count = "1 tool" if len(tools) == 1 else f"{len(tools)} tools"
        self._say(f"“{name}” is connected and offers {count}.")
        lines = [f"{tool.name}: {tool.description}".rstrip(": ") for tool in tools]
        self.output.setPlainText("\n".join(lines))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro, name="mcp-dialog")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- import ------------------------------------------------------------------------

    def _import_tab(self) -> QWidget:
        tab = QWidget(self)
        self.import_text = QPlainTextEdit(tab)
        self.import_text.setObjectName("mcpImportText")
        self.import_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.import_text.setPlaceholderText(IMPORT_HINT)
        self.import_status = QLabel(tab)
        self.import_status.setObjectName("mcpImportStatus")
        self.import_status.setWordWrap(True)
        button = QPushButton("&Import these servers", tab)
        button.setObjectName("mcpImport")
        button.clicked.connect(lambda: self.import_json(self.import_text.toPlainText()))
        row = QHBoxLayout()
        row.addWidget(self.import_status, 1)
        row.addWidget(button)
        layout = QVBoxLayout(tab)
        layout.addWidget(
            QLabel(
                "Values of variables and headers named like credentials (KEY, TOKEN, SECRET, "
                "Authorization…) go to the system keyring.",
                tab,
            )
        )
        layout.addWidget(self.import_text, 1)
        layout.addLayout(row)
        return tab

    def import_json(self, text: str) -> list[str]:
        """Add (or replace, by name) the servers of ``text``; their names, [] on error."""
        try:
            imported = parse_mcp_servers(text)
        except McpConfigError as exc:
            self.import_status.setText(f'<span style="color:#d63c3c;">{exc}</span>')
            return []
        before = list(self.entries)
        names = []
        for item in imported:
            self.entries = [e for e in self.entries if e[0].name != item.server.name]
            self.entries.append((item.server, item.secrets))
            names.append(item.server.name)
        if not self._store():
            self.entries = before
            self.import_status.setText(f'<span style="color:#d63c3c;">{self.status.text()}</span>')
            return []
        replaced = [n for n in names if any(s.name == n for s, _ in before)]
        text_names = ", ".join(f"“{n}”" for n in names)
        note = f" ({', '.join(replaced)} replaced)" if replaced else ""
        self.import_status.setText(
            f"Imported {text_names}{note}. Switch them on with the MCP button."
        )
        self._fill_list(len(self.entries) - 1)
        return names

    # --- approvals and limits ------------------------------------------------------------

    def _approvals_tab(self) -> QWidget:
        tab = QWidget(self)
        self.policies = QTableWidget(0, 2, tab)
        self.policies.setObjectName("mcpPolicies")
        self.policies.setHorizontalHeaderLabels(["Tool (server/tool)", "Choice"])
        self.policies.horizontalHeader().setStretchLastSection(True)
        self.policies.verticalHeader().hide()
        revoke = QPushButton("Re&voke", tab)
        revoke.setObjectName("mcpRevoke")
        revoke.setToolTip("Forget the choice: Chorus asks again next time")
        revoke.clicked.connect(self.revoke_selected)
        self.round_limit = QSpinBox(tab)
        self.round_limit.setObjectName("mcpRoundLimit")
        self.round_limit.setRange(1, 100)
        self.round_limit.setValue(self.tools.settings.tool_round_limit)
        self.round_limit.valueChanged.connect(lambda v: self._set_limit(tool_round_limit=v))
        self.timeout = QDoubleSpinBox(tab)
        self.timeout.setObjectName("mcpDefaultTimeout")
        self.timeout.setRange(1, 3600)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(self.tools.settings.tool_timeout_s)
        self.timeout.valueChanged.connect(lambda v: self._set_limit(tool_timeout_s=v))
        form = QFormLayout()
        form.addRow("Answers in a row that may call tools", self.round_limit)
        form.addRow("How long a tool may run", self.timeout)
        layout = QVBoxLayout(tab)
        layout.addWidget(
            QLabel(
                "Remembered choices. Tools allowed for one chat are listed under the MCP button "
                "of that chat.",
                tab,
            )
        )
        layout.addWidget(self.policies, 1)
        layout.addWidget(revoke, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(form)
        self.tools.policies_changed.connect(self.fill_policies)
        self.fill_policies()
        return tab

    def fill_policies(self) -> None:
        policies = self.tools.policies()
        self.policies.setRowCount(len(policies))
        for row, (key, choice) in enumerate(sorted(policies.items())):
            self.policies.setItem(row, 0, QTableWidgetItem(key))
            self.policies.setItem(row, 1, QTableWidgetItem(POLICY_LABELS.get(choice, choice)))

    def revoke_selected(self) -> None:
        rows = sorted({i.row() for i in self.policies.selectedIndexes()})
        keys = [item.text() for r in rows if (item := self.policies.item(r, 0)) is not None]
        for key in keys:
            self.tools.set_policy(key, None)
        if keys:
            self.notifier.info(f"Chorus will ask again before running {', '.join(keys)}.")

    def _set_limit(self, **values: object) -> None:
        if self.tools.prefs is not None:
            self.tools.prefs.set(**values)
