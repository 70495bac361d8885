"""MCP tools through the window: a real stdio server written with the SDK (two tools, one
slow, one that fails), approvals, results, a round trip the loopback gateway answers in a
second turn, a crashing server, a hanging tool hitting its timeout, a server that does not
start, and a Streamable HTTP server the suite starts on loopback."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from tests.ui.tools_support import (
    START_S,
    first_card,
    http_server,
    shown_chat,
    stdio_server,
    use_servers,
)

pytestmark = pytest.mark.slow


def _env(tmp_path: Path, gateway) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}


async def _ask(assembly, text: str, tool_choice: str = "required") -> None:  # type: ignore[no-untyped-def]
    window = assembly.window
    window.page.set_params({"stream": True, "tool_choice": tool_choice})
    window.composer.send_requested.emit(text, [])


def _roles(chat) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.role for m in chat.branch()]


async def test_approval_run_and_second_turn(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        use_servers(assembly, stdio_server())
        await _ask(assembly, "hello tools")
        card = await first_card(assembly, "ask")
        # the prompt names the server and the tool and shows the exact arguments first
        assert "slow_echo" in card.prompt.text() and "tools" in card.prompt.text()
        assert json.loads(card.arguments.toPlainText()) == {"text": "hello tools"}
        assert card.prompt.isVisible() and not card.result.isVisible()
        sent = gateway.requests[-1].body
        assert [t["function"]["name"] for t in sent["tools"]] == ["slow_echo", "fail"]
        assert not window.page.is_generating()

        card.run_once.click()
        chat = shown_chat(assembly)
        await wait_until(
            lambda: _roles(chat)[-1:] == ["assistant"] and len(chat.branch()) == 4, START_S
        )
        await wait_until(lambda: not window.page.is_generating())
        _user, calling, result, answer = chat.branch()
        assert result.role == "tool" and result.content == "Echoed: hello tools"
        assert result.tool_call_id == calling.tool_calls[0].id and result.model == "tools"
        assert answer.content.startswith("Tool said: Echoed: hello tools")
        body = gateway.requests[-1].body
        tool_message = body["messages"][-1]
        assert tool_message == {
            "role": "tool",
            "tool_call_id": calling.tool_calls[0].id,
            "content": "Echoed: hello tools",
        }
        assert body["messages"][-2]["tool_calls"][0]["function"]["name"] == "slow_echo"
        assert not assembly.chat_page.tool_panel.isVisible()
        # saved like any message, and reopened with its round
        await assembly.runner.flush()
        saved = assembly.services.store.load(chat.id)
        assert [m.role for m in saved.branch()] == ["user", "assistant", "tool", "assistant"]
        assert saved.tool_servers == ["tools"]


async def test_allow_in_chat_and_always_then_revoke(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        use_servers(assembly, stdio_server())
        await _ask(assembly, "first")
        card = await first_card(assembly, "ask")
        card.allow_chat.click()
        chat = shown_chat(assembly)
        await wait_until(
            lambda: len(chat.branch()) == 4 and not window.page.is_generating(), START_S
        )
        assert chat.tool_allowed == ["tools/slow_echo"]
        # the next call of that tool in this chat runs without asking
        await _ask(assembly, "second")
        await wait_until(
            lambda: len(chat.branch()) == 8 and not window.page.is_generating(), START_S
        )
        assert chat.branch()[6].content == "Echoed: second"
        # the MCP button lists it and revokes it
        switch = window.tool_switch
        assert switch is not None and switch.text() == "MCP · 1"
        switch.revoke("tools/slow_echo")
        assert chat.tool_allowed == []

        # always allow: kept in the settings, listed in the dialog, revoked there
        window.new_chat()
        use_servers(assembly, stdio_server())
        await _ask(assembly, "third")
        card = await first_card(assembly, "ask")
        card.allow_always.click()
        other = shown_chat(assembly)
        await wait_until(
            lambda: len(other.branch()) == 4 and not window.page.is_generating(), START_S
        )
        assert assembly.services.settings.tool_policies == {"tools/slow_echo": "always"}
        window.menu_actions["mcp"].trigger()
        dialog = window.tools_dialog
        assert dialog is not None
        assert dialog.policies.item(0, 0).text() == "tools/slow_echo"
        dialog.policies.selectRow(0)
        dialog.revoke_selected()
        assert assembly.services.settings.tool_policies == {}
        assert dialog.policies.rowCount() == 0
        dialog.close()


async def test_deny_tells_the_model(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        assembly.window.set_model("gpt-4o")
        use_servers(assembly, stdio_server())
        await _ask(assembly, "no thanks")
        card = await first_card(assembly, "ask")
        card.never.click()
        chat = shown_chat(assembly)
        await wait_until(
            lambda: len(chat.branch()) == 4 and not assembly.window.page.is_generating(), START_S
        )
        assert chat.branch()[2].content == "The person declined to run this tool."
        assert assembly.services.settings.tool_policies == {"tools/slow_echo": "never"}
        # never: the next call is declined without asking
        await _ask(assembly, "again")
        await wait_until(
            lambda: len(chat.branch()) == 8 and not assembly.window.page.is_generating(), START_S
        )
        assert chat.branch()[6].content == "The person declined to run this tool."


async def test_failing_tool_gives_its_error_and_the_chat_goes_on(
    qapp, gateway, tmp_path: Path
) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        assembly.window.set_model("gpt-4o")
        use_servers(assembly, stdio_server())
        assembly.services.prefs.set(tool_policies={"tools/fail": "always"})
        await _ask(assembly, "break it", tool_choice="fail")
        chat = shown_chat(assembly)
        await wait_until(
            lambda: len(chat.branch()) == 4 and not assembly.window.page.is_generating(), START_S
        )
        result = chat.branch()[2]
        assert result.status == "error" and result.error is not None
        assert "fail refuses 'break it'" in result.content
        assert result.error.message == "“fail” reported an error."
        assert chat.branch()[3].content.startswith("Tool said:")
        row = assembly.chat_page.view.model.row_of(result.id)
        assert row >= 0


async def test_crashing_server_is_said_at_the_call(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        assembly.window.set_model("gpt-4o")
        use_servers(assembly, stdio_server(MCP_TEST_CRASH="1"))
        assembly.services.prefs.set(tool_policies={"tools/slow_echo": "always"})
        await _ask(assembly, "crash now")
        chat = shown_chat(assembly)
        await wait_until(
            lambda: len(chat.branch()) == 4 and not assembly.window.page.is_generating(), START_S
        )
        result = chat.branch()[2]
        assert result.status == "error" and result.error is not None
        assert result.error.message == "The MCP server “tools” stopped while running “slow_echo”."
        assert "simulated crash" in result.error.detail  # the server's stderr, under Details
        assert chat.branch()[3].content.startswith("Tool said: Error: The MCP server")


async def test_hanging_tool_hits_its_timeout(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        assembly.window.set_model("gpt-4o")
        server = stdio_server(MCP_TEST_DELAY_S="300")
        use_servers(assembly, server)
        assembly.services.prefs.set(
            mcp_servers=[type(server)(**{**_fields(server), "timeout_s": 1.0})],
            tool_policies={"tools/slow_echo": "always"},
        )
        ticks = []
        timer_alive = _heartbeat(ticks)
        await _ask(assembly, "wait forever")
        chat = shown_chat(assembly)
        card = await first_card(assembly, "running")
        assert card.busy.isVisible() and card.stop.isVisible()
        await wait_until(
            lambda: len(chat.branch()) == 4 and not assembly.window.page.is_generating(), START_S
        )
        result = chat.branch()[2]
        assert result.error is not None
        assert "did not finish within 1 s" in result.error.message
        assert timer_alive()  # the window kept running while the tool hung


async def test_stop_while_a_tool_runs(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        use_servers(assembly, stdio_server(MCP_TEST_DELAY_S="300"))
        assembly.services.prefs.set(tool_policies={"tools/slow_echo": "always"})
        await _ask(assembly, "slow one")
        card = await first_card(assembly, "running")
        assert window.page.is_generating()
        window.stop()
        card = await first_card(assembly, "input")
        assert card.view.problem is not None and "Stopped" in card.view.problem.message
        assert card.run_again.isVisible()
        # answered by hand instead, the chat goes on
        card.result.setPlainText("typed instead")
        card.send.click()
        chat = shown_chat(assembly)
        await wait_until(
            lambda: len(chat.branch()) == 4 and not window.page.is_generating(), START_S
        )
        assert chat.branch()[3].content.startswith("Tool said: typed instead")


async def test_server_that_does_not_start(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        assembly.window.set_model("gpt-4o")
        broken = stdio_server()
        use_servers(assembly, type(broken)(**{**_fields(broken), "command": "/no/such/mcp-server"}))
        assembly.window.composer.send_requested.emit("plain question", [])
        chat = shown_chat(assembly)
        await wait_until(
            lambda: len(chat.branch()) == 2 and not assembly.window.page.is_generating(), START_S
        )
        assert chat.branch()[1].content.startswith("Echo: plain question")
        said = [n.text for n in assembly.notifier.shown if n.level == "warning"]
        assert any("“/no/such/mcp-server” was not found" in text for text in said), said
        assert "tools" not in gateway.requests[-1].body


async def test_http_server_on_loopback(qapp, gateway, tmp_path: Path) -> None:
    with http_server() as url:
        async with running_app(_env(tmp_path, gateway)) as assembly:
            assembly.window.set_model("gpt-4o")
            from core.tools.mcp_config import McpServer

            use_servers(assembly, McpServer(name="web", transport="http", url=url))
            assembly.services.prefs.set(tool_policies={"web/slow_echo": "always"})
            await _ask(assembly, "over http")
            chat = shown_chat(assembly)
            await wait_until(
                lambda: len(chat.branch()) == 4 and not assembly.window.page.is_generating(),
                START_S,
            )
            assert chat.branch()[2].content == "Echoed: over http"
            assert chat.branch()[2].model == "web"
            assert chat.branch()[3].content.startswith("Tool said: Echoed: over http")


def _fields(server) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {name: getattr(server, name) for name in server.__struct_fields__}


def _heartbeat(ticks: list[float]):  # type: ignore[no-untyped-def]
    """A 10 ms timer; the returned check says whether it never stalled for a second."""
    import time

    from PySide6.QtCore import QTimer

    timer = QTimer(QApplication.instance())
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()

    def alive() -> bool:
        timer.stop()
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        return bool(ticks) and max(gaps, default=0) < 1.0

    return alive


async def test_a_comparison_asks_per_column_and_allowing_runs_both(
    qapp, gateway, tmp_path: Path
) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        window.menu_actions["compare"].trigger()
        page = assembly.compare_page
        use_servers(assembly, stdio_server())
        cmp = page.comparison
        assert cmp is not None and cmp.tool_servers == ["tools"]
        await _ask(assembly, "both columns")
        columns = [page.view.column(col.id) for col in cmp.columns]
        await wait_until(
            lambda: all(c is not None and c.tool_panel.cards() for c in columns), START_S
        )
        first = columns[0]
        assert first is not None
        await wait_until(lambda: first.tool_panel.cards()[0].view.state == "ask", START_S)
        first.tool_panel.cards()[0].allow_chat.click()
        await wait_until(
            lambda: all(len(col.branch()) == 4 for col in cmp.columns) and not page.is_generating(),
            START_S,
        )
        assert cmp.tool_allowed == ["tools/slow_echo"]
        assert all(col.branch()[2].content == "Echoed: both columns" for col in cmp.columns)


async def test_a_reopened_chat_can_still_run_its_call(qapp, gateway, tmp_path: Path) -> None:
    env = _env(tmp_path, gateway)
    async with running_app(env) as assembly:
        assembly.window.set_model("gpt-4o")
        use_servers(assembly, stdio_server())
        await _ask(assembly, "later")
        await first_card(assembly, "ask")
        chat_id = shown_chat(assembly).id
        await assembly.runner.flush()
    async with running_app(env) as assembly:
        assembly.window.open_chat(chat_id)
        card = await first_card(assembly)
        assert card.view.state == "input"  # nothing runs by itself after a restart
        await wait_until(lambda: card.run_again.isVisible(), START_S)  # once its server is known
        card.run_again.click()
        chat = shown_chat(assembly)
        await wait_until(
            lambda: len(chat.branch()) == 4 and not assembly.window.page.is_generating(), START_S
        )
        assert chat.branch()[2].content == "Echoed: later"
