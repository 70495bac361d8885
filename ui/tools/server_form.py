"""The form of one MCP server: how it starts or where it is, its environment or headers
(each value marked secret or not), and its timeout. Secret values come from and go to
the keyring through the dialog; here they are text in a table like the others."""

from __future__ import annotations

import shlex

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.tools.mcp_config import (
    TRANSPORT_LABELS,
    McpConfigError,
    McpServer,
    ServerSecrets,
    Transport,
    check,
    looks_secret,
    split_secrets,
)

MASK = "••••••••"
_SECRET_ROLE = Qt.ItemDataRole.UserRole + 1


class ValuesTable(QWidget):
    """Name, value and a secret check box per row, with Add and Remove. A secret value
    read from the keyring shows as dots; typing over it replaces it."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([what, "Value", "Secret"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMaximumHeight(130)
        self.table.itemChanged.connect(self._name_changed)
        add = QPushButton("Add", self)
        add.clicked.connect(lambda: self.add_row("", "", False, edit=True))
        remove = QPushButton("Remove", self)
        remove.clicked.connect(self._remove)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def add_row(self, name: str, value: str, secret: bool, *, edit: bool = False) -> None:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        value_item = QTableWidgetItem(MASK if secret and value else value)
        if secret and value:
            value_item.setData(_SECRET_ROLE, value)
            value_item.setToolTip("Kept in the system keyring; type to replace it")
        self.table.setItem(row, 1, value_item)
        box = QTableWidgetItem()
        box.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        box.setCheckState(Qt.CheckState.Checked if secret else Qt.CheckState.Unchecked)
        box.setToolTip("Kept in the system keyring, never in the settings file")
        self.table.setItem(row, 2, box)
        self.table.blockSignals(False)
        first = self.table.item(row, 0)
        if edit and first is not None:
            self.table.editItem(first)

    def _name_changed(self, item: QTableWidgetItem) -> None:
        """A name that looks like a credential is marked secret as it is typed."""
        if item.column() == 0 and looks_secret(item.text()):
            box = self.table.item(item.row(), 2)
            if box is not None:
                box.setCheckState(Qt.CheckState.Checked)

    def _remove(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def set_values(self, values: dict[str, str], secret: dict[str, str]) -> None:
        self.table.setRowCount(0)
        for name, value in values.items():
            self.add_row(name, value, False)
        for name, value in secret.items():
            self.add_row(name, value, True)

    def values(self) -> tuple[dict[str, str], list[str]]:
        """Every row by name, and the names marked secret (rows without a name are left out)."""
        out: dict[str, str] = {}
        secret: list[str] = []
        for row in range(self.table.rowCount()):
            name_item, value_item, box = (self.table.item(row, c) for c in range(3))
            name = name_item.text().strip() if name_item is not None else ""
            if not name:
                continue
            value = value_item.text() if value_item is not None else ""
            kept = value_item.data(_SECRET_ROLE) if value_item is not None else None
            out[name] = kept if value == MASK and isinstance(kept, str) else value
            if box is not None and box.checkState() == Qt.CheckState.Checked:
                secret.append(name)
        return out, secret


class ServerForm(QWidget):
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit(self)
        self.name.setObjectName("mcpName")
        self.transport = QComboBox(self)
        self.transport.setObjectName("mcpTransport")
        for key, label in TRANSPORT_LABELS.items():
            self.transport.addItem(label, key)
        self.command = QLineEdit(self)
        self.command.setObjectName("mcpCommand")
        self.command.setPlaceholderText("npx, uvx, python, /path/to/server…")
        self.args = QLineEdit(self)
        self.args.setObjectName("mcpArgs")
        self.args.setPlaceholderText('-y @modelcontextprotocol/server-filesystem "/home/me/notes"')
        self.cwd = QLineEdit(self)
        self.cwd.setObjectName("mcpCwd")
        self.cwd.setPlaceholderText("(the default folder)")
        self.env = ValuesTable("Variable", self)
        self.url = QLineEdit(self)
        self.url.setObjectName("mcpUrl")
        self.url.setPlaceholderText("https://example.com/mcp")
        self.headers = ValuesTable("Header", self)
        self.timeout = QDoubleSpinBox(self)
        self.timeout.setObjectName("mcpTimeout")
        self.timeout.setRange(0, 3600)
        self.timeout.setDecimals(1)
        self.timeout.setSuffix(" s")
        self.timeout.setSpecialValueText("default")
        self.timeout.setToolTip("How long a tool of this server may run (0: the default)")
        self.layout_ = QFormLayout(self)
        self.layout_.addRow("&Name", self.name)
        self.layout_.addRow("&Type", self.transport)
        self.layout_.addRow("&Command", self.command)
        self.layout_.addRow("&Arguments", self.args)
        self.layout_.addRow("&Working folder", self.cwd)
        self.layout_.addRow("&Environment", self.env)
        self.layout_.addRow("&URL", self.url)
        self.layout_.addRow("&Headers", self.headers)
        self.layout_.addRow("T&imeout", self.timeout)
        self.transport.currentIndexChanged.connect(self._show_fields)
        self._show_fields()

    def _kind(self) -> Transport:
        data = self.transport.currentData()
        return data if data in ("stdio", "http", "sse") else "stdio"

    def _show_fields(self) -> None:
        stdio = self._kind() == "stdio"
        for widget in (self.command, self.args, self.cwd, self.env):
            self.layout_.setRowVisible(widget, stdio)
        for widget in (self.url, self.headers):
            self.layout_.setRowVisible(widget, not stdio)

    def set_server(self, server: McpServer, secrets: ServerSecrets) -> None:
        self.name.setText(server.name)
        self.transport.setCurrentIndex(max(0, self.transport.findData(server.transport)))
        self.command.setText(server.command)
        self.args.setText(shlex.join(server.args))
        self.cwd.setText(server.cwd)
        self.env.set_values(server.env, secrets.env)
        self.url.setText(server.url)
        self.headers.set_values(server.headers, secrets.headers)
        self.timeout.setValue(server.timeout_s)

    def server(self) -> tuple[McpServer, ServerSecrets]:
        """The server in the form and its secret values, or :class:`McpConfigError`."""
        try:
            args = shlex.split(self.args.text())
        except ValueError as exc:
            raise McpConfigError(f"The arguments cannot be read: {exc}.") from None
        env, secret_env = self.env.values()
        headers, secret_headers = self.headers.values()
        stdio = self._kind() == "stdio"
        server = McpServer(
            name=self.name.text().strip(),
            transport=self._kind(),
            command=self.command.text().strip() if stdio else "",
            args=args if stdio else [],
            cwd=self.cwd.text().strip() if stdio else "",
            url=self.url.text().strip() if not stdio else "",
            secret_env=secret_env if stdio else [],
            secret_headers=secret_headers if not stdio else [],
            timeout_s=self.timeout.value(),
        )
        check(server)
        return split_secrets(server, env if stdio else {}, headers if not stdio else {})
