"""The fake gateway itself, spoken to with plain httpx: routes, validation, records."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx

from core.chat import TokenLogprob, TopLogprob
from core.sampling import candidates, reshape
from tests.gateway import Gateway, Reply
from tests.gateway.sampler import SAMPLED_WORDS


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


# --- sampled answers ------------------------------------------------------------------


def _ask(gateway: Gateway, text: str = "hi", **fields: Any) -> dict[str, Any]:
    body = {"model": "gateway-model", "messages": [{"role": "user", "content": text}], **fields}
    answer = httpx.post(f"{gateway.url}/chat/completions", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _text(gateway: Gateway, **fields: Any) -> str:
    return str(_ask(gateway, **fields)["choices"][0]["message"]["content"])


def test_without_sampling_fields_the_answer_is_fixed_unless_asked(gateway: Gateway) -> None:
    assert _text(gateway) == "Echo: hi This is a test answer."
    gateway.sample_by_default = True
    sampled = _text(gateway)
    assert sampled.startswith("Echo: hi ") and not sampled.endswith("a test answer.")
    assert len(sampled.split()) == 2 + SAMPLED_WORDS


def test_temperature_zero_repeats_itself(gateway: Gateway) -> None:
    texts = {_text(gateway, temperature=0), _text(gateway, temperature=0, seed=7)}
    texts |= {_text(gateway, temperature=0.0, top_p=0.3)}
    assert len(texts) == 1
    (text,) = texts
    assert text.startswith("Echo: hi ") and len(text.split()) == 2 + SAMPLED_WORDS


def test_temperature_1_5_varies_between_requests(gateway: Gateway) -> None:
    # At 1.5 no word is likelier than about 1 in 2, so five unseeded answers agree on
    # all eight words with a chance below 1e-10.
    unseeded = {_text(gateway, temperature=1.5) for _ in range(5)}
    assert len(unseeded) > 1
    seeded = {_text(gateway, temperature=1.5, seed=seed) for seed in range(5)}
    assert len(seeded) > 1


def test_the_same_seed_and_settings_give_the_same_answer(gateway: Gateway) -> None:
    fields = {"temperature": 1.2, "top_p": 0.9, "seed": 42}
    first = _text(gateway, **fields)
    assert _text(gateway, **fields) == first
    streamed = httpx.post(
        f"{gateway.url}/chat/completions",
        json={
            "model": "gateway-model",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
            **fields,
        },
    )
    deltas = [
        json.loads(line[6:])["choices"][0]["delta"].get("content", "")
        for line in streamed.text.splitlines()
        if line.startswith("data: {")
    ]
    assert "".join(deltas) == first
    assert len({first} | {_text(gateway, **{**fields, "seed": n}) for n in (43, 44)}) > 1


def test_a_small_top_p_samples_greedily(gateway: Gateway) -> None:
    greedy = _text(gateway, temperature=0)
    assert {_text(gateway, temperature=1.5, top_p=0.01) for _ in range(4)} == {greedy}


def _first_sampled(gateway: Gateway, temperature: float) -> dict[str, Any]:
    """The logprobs entry of the first sampled word: always drawn after the word "hi"."""
    answer = _ask(gateway, temperature=temperature, logprobs=True, top_logprobs=20, seed=1)
    return dict(answer["choices"][0]["logprobs"]["content"][2])


def test_sampled_tokens_carry_the_probabilities_they_were_drawn_from(gateway: Gateway) -> None:
    cool, warm = _first_sampled(gateway, 0.5), _first_sampled(gateway, 1.5)
    for entry in (cool, warm):
        top = entry["top_logprobs"]
        assert len(top) == 20
        assert math.isclose(math.fsum(math.exp(t["logprob"]) for t in top), 1.0)
        assert [t["logprob"] for t in top] == sorted((t["logprob"] for t in top), reverse=True)
        assert {"token": entry["token"], "logprob": entry["logprob"]} in [
            {"token": t["token"], "logprob": t["logprob"]} for t in top
        ]
        assert entry["bytes"] == list(entry["token"].encode())
    # the same candidates, sharper at the lower temperature: logit gaps scale with 1/T
    assert [t["token"] for t in cool["top_logprobs"]] == [t["token"] for t in warm["top_logprobs"]]
    cool_gap = cool["top_logprobs"][0]["logprob"] - cool["top_logprobs"][1]["logprob"]
    warm_gap = warm["top_logprobs"][0]["logprob"] - warm["top_logprobs"][1]["logprob"]
    assert math.isclose(cool_gap, 3 * warm_gap)


def test_the_sampling_view_rebuilds_one_temperature_from_another(gateway: Gateway) -> None:
    """core.sampling takes logprobs as produced at the answer's temperature; the
    gateway's, reshaped from 1.5 to 0.5, are the ones it reports at 0.5."""
    cool, warm = _first_sampled(gateway, 0.5), _first_sampled(gateway, 1.5)
    entry = TokenLogprob(
        token=warm["token"],
        logprob=warm["logprob"],
        top=[TopLogprob(t["token"], t["logprob"]) for t in warm["top_logprobs"]],
    )
    bars = reshape(candidates(entry), temperature=0.5, top_p=1.0, generated_at=1.5)
    expected = [math.exp(t["logprob"]) for t in cool["top_logprobs"]]
    assert [b.token for b in bars] == [t["token"] for t in cool["top_logprobs"]]
    assert all(
        math.isclose(b.probability, p, abs_tol=1e-12) for b, p in zip(bars, expected, strict=True)
    )


def _prefilled(gateway: Gateway, prefix: str, text: str = "hi", **fields: Any) -> httpx.Response:
    messages = [{"role": "user", "content": text}, {"role": "assistant", "content": prefix}]
    body = {"model": "gateway-model", "messages": messages, **fields}
    return httpx.post(f"{gateway.url}/chat/completions", json=body)


def test_a_trailing_assistant_message_is_continued_restarted_or_refused(gateway: Gateway) -> None:
    asked = "Say: one two three four"
    continued = _prefilled(gateway, "one two th", asked).json()
    assert continued["choices"][0]["message"]["content"] == "ree four"
    default = _prefilled(gateway, "Echo: hi This is").json()
    assert default["choices"][0]["message"]["content"] == " a test answer."
    sampled = _prefilled(gateway, "the model", temperature=1.0, seed=3, logprobs=True).json()
    content = sampled["choices"][0]["message"]["content"]
    assert len(content.split()) == SAMPLED_WORDS and content.startswith(" ")
    tokens = sampled["choices"][0]["logprobs"]["content"]
    assert "".join(t["token"] for t in tokens) == content
    gateway.assistant_prefill = "restart"
    restarted = _prefilled(gateway, "one two th", asked).json()
    assert restarted["choices"][0]["message"]["content"].startswith("Echo: Say: one two")
    gateway.assistant_prefill = "refuse"
    refused = _prefilled(gateway, "one two th", asked)
    assert refused.status_code == 400 and "Expected last role" in refused.text


def test_a_seed_can_be_ignored(gateway: Gateway) -> None:
    fields = {"temperature": 1.5, "seed": 42}
    assert _text(gateway, **fields) == _text(gateway, **fields)
    gateway.honour_seed = False
    assert len({_text(gateway, **fields) for _ in range(5)}) > 1
