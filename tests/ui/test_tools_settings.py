"""Settings › MCP servers and tools: import the mcpServers JSON of another app (secrets to
the keyring, never the settings file), edit and test a server, switch it on for a chat."""

from __future__ import annotations

import json
from pathlib import Path

from core.tools.mcp_config import decode_secrets, secret_entry
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from tests.ui.tools_support import ROOT, START_S

CLAUDE_DESKTOP = {
    "mcpServers": {
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret123", "LOG_LEVEL": "info"},
        },
        "remote": {
            "type": "http",
            "url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Bearer sk-remote-456", "X-Team": "blue"},
        },
    }
}


async def test_import_mcp_servers_json(qapp, gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        window.menu_actions["mcp"].trigger()
        dialog = window.tools_dialog
        assert dialog is not None and dialog.isVisible()
        # bad JSON says where
        assert dialog.import_json('{"mcpServers": {"x": ') == []
        assert "line 1" in dialog.import_status.text()
        assert dialog.import_json(json.dumps(CLAUDE_DESKTOP)) == ["github", "remote"]
        servers = {s.name: s for s in assembly.services.settings.mcp_servers}
        github, remote = servers["github"], servers["remote"]
        assert github.command == "npx" and github.env == {"LOG_LEVEL": "info"}
        assert github.secret_env == ["GITHUB_PERSONAL_ACCESS_TOKEN"]
        assert remote.transport == "http" and remote.headers == {"X-Team": "blue"}
        secrets = assembly.services.secrets
        kept = decode_secrets(secrets.get(secret_entry("github")))
        assert kept.env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret123"}
        assert decode_secrets(secrets.get(secret_entry("remote"))).headers == {
            "Authorization": "Bearer sk-remote-456"
        }
        assembly.services.prefs.flush()
        saved = assembly.services.settings_path.read_text()
        assert "ghp_secret123" not in saved and "sk-remote-456" not in saved
        assert '"GITHUB_PERSONAL_ACCESS_TOKEN"' in saved  # the name is kept, not the value
        assert dialog.list.count() == 2
        # the form shows the secret value from the keyring as dots, and keeps it
        dialog.list.setCurrentRow(0)
        table = dialog.form.env.table
        rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
        assert rows == {"LOG_LEVEL": "info", "GITHUB_PERSONAL_ACCESS_TOKEN": "••••••••"}
        assert dialog.form.env.values()[0]["GITHUB_PERSONAL_ACCESS_TOKEN"] == "ghp_secret123"
        assert dialog.save_current()
        kept = decode_secrets(secrets.get(secret_entry("github")))
        assert kept.env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret123"}

        # the header's MCP button lists them and switches one on for the chat on screen
        switch = window.tool_switch
        assert switch is not None
        names = [a.text() for a in switch.menu_.actions() if a.isCheckable()]
        assert names == ["github", "remote"]
        switch.toggle_server("remote", True)
        chat = assembly.controller.chat
        assert chat is not None and chat.tool_servers == ["remote"]
        assert switch.text() == "MCP · 1"
        dialog.list.setCurrentRow(1)
        dialog.remove_server()
        assert [s.name for s in assembly.services.settings.mcp_servers] == ["github"]
        assert secrets.get(secret_entry("remote")) is None
        dialog.close()


async def test_add_and_test_a_server_in_the_dialog(qapp, gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        window.menu_actions["mcp"].trigger()
        dialog = window.tools_dialog
        assert dialog is not None
        dialog.add_server()
        form = dialog.form
        form.name.setText("local")
        form.command.setText("")
        assert not dialog.save_current()
        assert "needs a command" in dialog.status.text()
        import sys

        form.command.setText(sys.executable)
        form.args.setText("-m tests.mcp_servers.tools_server")
        form.cwd.setText(str(ROOT))
        form.env.add_row("", "k-789", False)
        form.env.table.item(0, 0).setText("API_KEY")  # as typed
        assert form.env.values()[1] == ["API_KEY"]  # named like a credential: marked secret
        dialog.test_current()
        await wait_until(lambda: "offers 2 tools" in dialog.status.text(), START_S)
        assert "slow_echo" in dialog.output.toPlainText()
        (server,) = assembly.services.settings.mcp_servers
        assert server.env == {} and server.secret_env == ["API_KEY"]
        dialog.close()


async def test_schema_checked_as_typed_and_the_tool_library(qapp, gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        row = window.params_panel.rows["tools"]
        editor = row.editor
        text = (
            '[\n  {\n    "type": "function",\n    "function": {\n      "name": "lookup",\n'
            '      "parameters": {\n        "type": "object",\n        "properties": {\n'
            '          "q": {"type": "strin"}\n        }\n      }\n    }\n  }\n]'
        )
        editor.text_edit.setPlainText(text)
        error = editor.error()
        assert "not a valid JSON Schema at properties.q.type" in error
        assert "(line 9, column 25)" in error and editor.error_at == (9, 25)
        assert editor.text_edit.extraSelections()  # the line is marked
        editor.text_edit.setPlainText(text.replace("strin", "string"))
        assert editor.error() == "" and not editor.text_edit.extraSelections()
        assert not editor.library_button.isHidden()
        assert editor.save_to_library() == ["lookup"]
        assert "lookup" in assembly.services.settings.tool_library
        editor.text_edit.setPlainText("[]")
        editor.add_from_library("lookup")
        assert [t["function"]["name"] for t in editor.value()] == ["lookup"]
