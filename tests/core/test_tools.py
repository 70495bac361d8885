"""Tool rounds in the chat tree, the mcpServers JSON, MCP tools as request tools, results."""

from __future__ import annotations

import pytest

from core.chat import Chat, Message, ToolCall
from core.tools.approval import decide
from core.tools.mcp_config import McpConfigError, parse_mcp_servers
from core.tools.mcp_hub import McpTool
from core.tools.mcp_result import outcome_of
from core.tools.offer import api_tools, offer
from core.tools.rounds import add_result, ensure_call_ids, pending_calls, rounds_in_a_row


def _chat_with_calls(*ids: str) -> tuple[Chat, Message]:
    chat = Chat()
    chat.append(Message(role="user", content="q"))
    calls = [ToolCall(index=i, id=cid, name=f"f{i}") for i, cid in enumerate(ids)]
    answer = chat.append(Message(role="assistant", tool_calls=calls))
    return chat, answer


def test_pending_calls_and_results_form_a_chain() -> None:
    chat, answer = _chat_with_calls("a", "b")
    assert [c.id for c in pending_calls(chat)] == ["a", "b"]
    first = add_result(chat, answer, answer.tool_calls[1], "B")
    assert first.parent == answer.id and [c.id for c in pending_calls(chat)] == ["a"]
    second = add_result(chat, answer, answer.tool_calls[0], "A")
    assert second.parent == first.id and pending_calls(chat) == []
    assert chat.leaf == second.id and rounds_in_a_row(chat) == 1


def test_a_failed_answer_opens_no_round_and_ids_are_made() -> None:
    chat, answer = _chat_with_calls("")
    answer.status = "error"
    assert pending_calls(chat) == []
    answer.status = "done"
    ensure_call_ids(answer)
    assert answer.tool_calls[0].id == f"call_{answer.id}_0"


def test_mcp_servers_json_of_other_apps() -> None:
    found = parse_mcp_servers(
        '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "x"], "cwd": "/tmp",'
        ' "env": {"API_TOKEN": "t", "MODE": "ro"}}, "web": {"serverUrl": "https://h/mcp"}}}'
    )
    fs, web = found
    assert fs.server.args == ["-y", "x"] and fs.server.env == {"MODE": "ro"}
    assert fs.secrets.env == {"API_TOKEN": "t"} and fs.server.secret_env == ["API_TOKEN"]
    assert web.server.transport == "http" and web.server.url == "https://h/mcp"
    (one,) = parse_mcp_servers('{"command": "uvx", "args": ["mcp-server-time"]}')
    assert one.server.name == "server"
    (vscode,) = parse_mcp_servers('{"servers": {"s": {"type": "sse", "url": "http://h/sse"}}}')
    assert vscode.server.transport == "sse"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"mcpServers": {}}', "No servers"),
        ('{"mcpServers": {"a": {"args": []}}}', "needs a command"),
        ('{"mcpServers": {"a": {"type": "ws", "url": "x"}}}', "does not know"),
        ('{"mcpServers": {"a": {"type": "http", "url": "ftp://x"}}}', "http:// or https://"),
    ],
)
def test_bad_mcp_servers_json_is_said(text: str, said: str) -> None:
    with pytest.raises(McpConfigError, match=said):
        parse_mcp_servers(text)


def test_offer_keeps_names_unique_and_valid() -> None:
    tools = [
        McpTool(server="a", name="search", input_schema={"type": "object"}),
        McpTool(server="b", name="search"),
        McpTool(server="c", name="read.file", description="Read"),
        McpTool(server="d", name="get_weather"),
    ]
    names = [o.function for o in offer(tools, taken=["get_weather"])]
    assert names == ["a_search", "b_search", "c_read_file", "d_get_weather"]
    api = api_tools(offer(tools[2:3]))
    assert api == [
        {
            "type": "function",
            "function": {
                "name": "c_read_file",
                "parameters": {"type": "object", "properties": {}},
                "description": "Read",
            },
        }
    ]


def test_approval_decisions() -> None:
    assert decide("s/t", {}, []) == "ask"
    assert decide("s/t", {}, ["s/t"]) == "run"
    assert decide("s/t", {"s/t": "always"}, []) == "run"
    assert decide("s/t", {"s/t": "never"}, ["s/t"]) == "deny"


class _Block:
    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)


def test_tool_results_become_text_and_images() -> None:
    result = _Block(
        content=[
            _Block(type="text", text="one"),
            _Block(type="image", data="iVBOR", mime_type="image/png"),
            _Block(type="resource", resource=_Block(text="inside", uri="file:///x")),
        ],
        structured_content=None,
        is_error=False,
    )
    outcome = outcome_of(result)
    assert outcome.text == "one\ninside"
    assert outcome.images[0].url == "data:image/png;base64,iVBOR"
    structured = outcome_of(_Block(content=[], structured_content={"a": 1}, is_error=True))
    assert structured.is_error and '"a": 1' in structured.text
