"""The README's MCP screenshots: the app against the suite's fake gateway with the weather
server of this folder. ``approval``: the prompt before the tool runs; ``done``: the round
trip finished; ``settings``: Settings › MCP servers and tools after an import.

Run it in a real X11 window and take the screenshot some seconds later, e.g. with the
``xvfb-shot.sh`` helper: ``xvfb-shot.sh -d 14 .venv/bin/python
docs/screenshots/tools_shots.py approval docs/screenshots/mcp-approval.png``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.tools.mcp_config import McpServer  # noqa: E402
from tests.gateway import Gateway, Reply  # noqa: E402
from tests.gateway.replies import chunk  # noqa: E402
from tests.ui.app_support import memory_secrets  # noqa: E402
from ui.app import Assembly, build  # noqa: E402
from ui.tools.servers_dialog import McpDialog  # noqa: E402

ANSWER = "It is **14 °C** in Paris with light rain and a wind of 18 km/h: take an umbrella."


def calling() -> Reply:
    call = {
        "index": 0,
        "id": "call_w1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    return Reply.stream(
        [
            chunk({"role": "assistant", "content": None, "tool_calls": [call]}),
            chunk({}, finish_reason="tool_calls"),
        ],
        delay=0.05,
    )


async def until(predicate: Callable[[], bool]) -> None:
    while True:
        if predicate():
            return
        await asyncio.sleep(0.05)


async def main(mode: str) -> None:
    gateway = Gateway().start()
    gateway.push(calling())
    gateway.push(
        Reply.stream(
            [chunk({"content": w}) for w in ANSWER.split(" ") for w in (w + " ",)]
            + [chunk({}, finish_reason="stop")],
            delay=0.03,
        )
    )
    data = tempfile.mkdtemp(prefix="chorus-shots-")
    env = {"CHORUS_DATA_DIR": data, "OPENAI_BASE_URL": gateway.url}
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assembly = build(app, env, secrets=memory_secrets())
    window = assembly.window
    window.resize(1280, 800)
    window.show()
    assembly.finish_start()
    window.set_model("gpt-4o")
    if mode == "settings":
        await settings(assembly)
        return
    server = McpServer(
        name="weather",
        command=sys.executable,
        args=[str(ROOT / "docs/screenshots/weather_server.py")],
    )
    assembly.services.prefs.set(mcp_servers=[server])
    window.page.set_tool_servers(["weather"], [])
    window.composer.send_requested.emit("What's the weather in Paris right now?", [])
    panel = assembly.chat_page.tool_panel
    await until(lambda: bool(panel.cards()) and panel.cards()[0].view.state == "ask")
    if mode == "done":
        panel.cards()[0].run_once.click()
        chat = assembly.controller.chat
        await until(
            lambda: chat is not None and len(chat.branch()) >= 4 and not window.page.is_generating()
        )
    await asyncio.sleep(600)


async def settings(assembly: Assembly) -> None:
    """The dialog after pasting an ``mcpServers`` JSON and testing the server."""
    window = assembly.window
    window.menu_actions["mcp"].trigger()
    dialog = window.tools_dialog
    assert isinstance(dialog, McpDialog)
    script = str(ROOT / "docs/screenshots/weather_server.py")
    pasted = json.dumps(
        {
            "mcpServers": {
                "weather": {
                    "command": sys.executable,
                    "args": [script],
                    "env": {"WEATHER_API_KEY": "wk-123"},
                },
            }
        },
        indent=2,
    )
    dialog.import_text.setPlainText(pasted)
    dialog.import_json(pasted)
    dialog.tabs.setCurrentIndex(0)
    dialog.test_current()
    await asyncio.sleep(600)


if __name__ == "__main__":
    application = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(application)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(sys.argv[1] if len(sys.argv) > 1 else "approval"))
