"""The fake gateway itself, spoken to with plain httpx: routes, validation, records."""

from __future__ import annotations

import httpx

from tests.gateway import Gateway, Reply


def test_routes_and_validation(gateway: Gateway) -> None:
    with httpx.Client(base_url=gateway.base_url) as http:
        missing = http.post("/chat/completions", json={})
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "Invalid URL (POST /chat/completions)"
        assert http.get("/v1/chat/completions").status_code == 404
        empty = http.post("/v1/chat/completions", json={"model": "m", "messages": []})
        assert empty.status_code == 400
        assert empty.json()["error"]["message"] == "'messages' must be a non-empty array."
        assert empty.headers["x-request-id"] == "req-3"
    assert [(r.method, r.path) for r in gateway.requests] == [
        ("POST", "/chat/completions"),
        ("GET", "/v1/chat/completions"),
        ("POST", "/v1/chat/completions"),
    ]


def test_whole_answer_with_two_tool_calls(gateway: Gateway) -> None:
    body = {
        "model": "m",
        "n": 2,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "tools": [{"type": "function", "function": {"name": "a"}}],
        "tool_choice": {"type": "function", "function": {"name": "b"}},
    }
    answer = httpx.post(f"{gateway.url}/chat/completions", json=body).json()
    calls = [c["message"]["tool_calls"][0] for c in answer["choices"]]
    assert [(c["id"], c["function"]["name"]) for c in calls] == [
        ("call_1_0", "b"),
        ("call_1_1", "b"),
    ]
    assert calls[0]["function"]["arguments"] == '{"text": "hi"}'
    assert [c["finish_reason"] for c in answer["choices"]] == ["tool_calls"] * 2


def test_tool_result_is_answered_in_text(gateway: Gateway) -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "tool_calls": []},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        ],
        "tools": [{"type": "function", "function": {"name": "a"}}],
        "tool_choice": "required",
    }
    answer = httpx.post(f"{gateway.url}/chat/completions", json=body).json()
    assert answer["choices"][0]["message"]["content"] == "Tool said: sunny"


def test_reset_forgets_scripts_and_records(gateway: Gateway) -> None:
    gateway.push(Reply.error(500, "x"), Reply.hang())
    gateway.require_key = "k"
    httpx.get(f"{gateway.url}/models")
    assert (gateway.pending, len(gateway.requests)) == (2, 1)
    gateway.reset()
    assert (gateway.pending, gateway.requests, gateway.require_key) == (0, [], None)
    assert httpx.get(f"{gateway.url}/models").status_code == 200
