"""Tool calls answered by a person: in a chat (two calls at once, a result from a file, the
request preview, export, regenerate) and in a compare column, and the round limit."""

from __future__ import annotations

from pathlib import Path

from core.export import chat_to_markdown
from core.params import PARAM_BY_NAME
from tests.gateway import Reply
from tests.gateway.replies import chunk
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from tests.ui.tools_support import first_card, shown_chat

TOOLS = PARAM_BY_NAME["tools"].initial_value()  # get_weather(city)


def _env(tmp_path: Path, gateway) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}


def two_calls() -> Reply:
    """An answer that calls two tools at once, arguments in fragments."""
    calls = [
        {
            "index": 0,
            "id": "call_a",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        },
        {
            "index": 1,
            "id": "call_b",
            "type": "function",
            "function": {"name": "get_time", "arguments": ""},
        },
    ]
    return Reply.stream(
        [
            chunk({"role": "assistant", "content": None, "tool_calls": [calls[0]]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
            chunk({"tool_calls": [calls[1]]}),
            chunk({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]}),
            chunk({}, finish_reason="tool_calls"),
        ]
    )


async def test_two_calls_answered_by_hand(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        window.page.set_params({"stream": True, "tools": TOOLS})
        gateway.push(two_calls())
        window.composer.send_requested.emit("Weather and time in Paris?", [])
        await first_card(assembly, "input")
        panel = assembly.chat_page.tool_panel
        assert [c.call_id for c in panel.cards()] == ["call_a", "call_b"]
        weather, clock = panel.cards()
        assert weather.arguments.toPlainText() == '{\n  "city": "Paris"\n}'
        assert "2 tools" in panel.heading.text()
        assert not weather.run_again.isVisible()  # answered by a person: nothing to run

        # the preview shows the request that goes on from the results (no new question)
        window.show_request()
        window.update_preview()
        window.preview.flush()
        body = window.preview.body_text()
        assert '"tool_call_id": "call_a"' in body and "(your next message)" not in body

        weather.result.setPlainText('{"temp": 21}')
        weather.send.click()
        chat = shown_chat(assembly)
        assert [m.role for m in chat.branch()] == ["user", "assistant", "tool"]
        assert len(gateway.requests) == 1  # one call still waits: nothing sent yet
        assert [c.call_id for c in panel.cards()] == ["call_b"]

        text_file = tmp_path / "time.txt"
        text_file.write_text("14:05 CET\n")
        assert clock.load_file(str(text_file)) == ""
        assert clock.result.toPlainText() == "14:05 CET\n"
        clock.send_result()
        await wait_until(lambda: len(chat.branch()) == 5 and not window.page.is_generating())
        sent = gateway.requests[-1].body["messages"]
        assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool"]
        assert sent[2] == {"role": "tool", "tool_call_id": "call_a", "content": '{"temp": 21}'}
        assert sent[3]["tool_call_id"] == "call_b"
        assert not panel.isVisible()

        # exported like any message
        markdown = chat_to_markdown(chat)
        assert '{"temp": 21}' in markdown and "get_time" in markdown
        # regenerating the calling answer makes a new branch; the round stays on the old one
        calling = chat.branch()[1]
        gateway.push(
            Reply.stream([chunk({"content": "No tools needed."}), chunk({}, finish_reason="stop")])
        )
        assert assembly.controller.regenerate(calling.id)
        await wait_until(lambda: not window.page.is_generating())
        assert [m.role for m in chat.branch()] == ["user", "assistant"]
        assert len(chat.siblings(calling.id)) == 2
        assembly.controller.switch_branch(chat.branch()[1].id, -1)
        assert [m.role for m in chat.branch()] == ["user", "assistant", "tool", "tool", "assistant"]


async def test_by_hand_in_a_compare_column(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        window.page.set_params({"stream": True, "tools": TOOLS, "tool_choice": "required"})
        window.menu_actions["compare"].trigger()
        page = assembly.compare_page
        cmp = page.comparison
        assert cmp is not None and len(cmp.columns) == 2
        window.composer.send_requested.emit("Rain in Oslo?", [])
        columns = [page.view.column(col.id) for col in cmp.columns]
        assert all(c is not None for c in columns)
        await wait_until(lambda: all(c.tool_panel.cards() for c in columns if c is not None))
        first, second = columns
        assert first is not None and second is not None
        card = first.tool_panel.cards()[0]
        assert card.view.call.name == "get_weather"
        card.result.setPlainText("drizzle")
        card.send.click()
        col1, col2 = cmp.columns
        await wait_until(lambda: len(col1.branch()) == 4 and not page.is_generating())
        assert col1.branch()[3].content.startswith("Tool said: drizzle")
        assert [m.role for m in col2.branch()] == ["user", "assistant"]  # still waits
        assert second.tool_panel.isVisible() and not first.tool_panel.isVisible()
        await assembly.runner.flush()
        saved = assembly.services.store.load(cmp.id)
        assert [m.role for m in saved.columns[0].branch()] == [
            "user",
            "assistant",
            "tool",
            "assistant",
        ]


async def test_round_limit_is_said_and_can_be_passed(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        assembly.services.prefs.set(tool_round_limit=1)
        window.page.set_params({"stream": True, "tools": TOOLS, "tool_choice": "get_weather"})
        window.composer.send_requested.emit("loop", [])
        card = await first_card(assembly, "input")
        panel = assembly.chat_page.tool_panel
        assert not panel.unlock.isVisible()
        gateway.push(two_calls())  # the second answer calls again: past the limit of 1
        card.result.setPlainText("first result")
        card.send.click()
        chat = shown_chat(assembly)
        await wait_until(lambda: len(chat.branch()) == 4 and not window.page.is_generating())
        await wait_until(lambda: panel.isVisible() and panel.unlock.isVisible())
        assert "1 times in a row" in panel.heading.text()
        panel.unlock.click()
        assert not panel.unlock.isVisible()
        assert len(panel.cards()) == 2


async def test_deleting_a_result_opens_the_call_again(qapp, gateway, tmp_path: Path) -> None:
    async with running_app(_env(tmp_path, gateway)) as assembly:
        window = assembly.window
        window.set_model("gpt-4o")
        window.page.set_params({"stream": True, "tools": TOOLS})
        gateway.push(two_calls())
        window.composer.send_requested.emit("two", [])
        card = await first_card(assembly, "input")
        card.result.setPlainText("sunny")
        card.send.click()
        chat = shown_chat(assembly)
        result = chat.branch()[-1]
        panel = assembly.chat_page.tool_panel
        assert [c.call_id for c in panel.cards()] == ["call_b"]
        assembly.chat_page.delete_message(result.id)
        assert [c.call_id for c in panel.cards()] == ["call_a", "call_b"]
