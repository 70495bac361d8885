"""Prices per model, what answers and chats cost, price files and offered prices."""

from __future__ import annotations

import pytest

from core.api.client import ChatClient
from core.chat import Chat, Message, Stats, Usage
from core.endpoint import Endpoint
from core.pricing import (
    UNKNOWN,
    ModelPrice,
    PriceFileError,
    accept_offers,
    chat_cost,
    compare_offers,
    cost_text,
    format_cost,
    offered_prices,
    price_for,
    read_price_file,
    usage_cost,
    write_price_file,
)
from core.settings import Settings, encode_settings, load_settings
from core.stats_text import stats_text
from tests.gateway.server import with_prices

PRICES = {
    "gpt-4o-mini": ModelPrice(input=0.15, output=0.6, cached_input=0.075),
    "anthropic/claude-sonnet-4": ModelPrice(input=3, output=15),
    "free-model": ModelPrice(input=0, output=0),
}


def answer(model: str, prompt: int | None, completion: int | None, cached: int = 0) -> Message:
    usage = Usage(prompt_tokens=prompt, completion_tokens=completion, cached_tokens=cached)
    return Message(role="assistant", model=model, stats=Stats(usage=usage))


def test_lookup_is_exact_then_without_vendor_or_case() -> None:
    assert price_for(PRICES, "gpt-4o-mini") is PRICES["gpt-4o-mini"]
    assert price_for(PRICES, "openai/gpt-4o-mini") is PRICES["gpt-4o-mini"]
    assert price_for(PRICES, "Claude-Sonnet-4") is PRICES["anthropic/claude-sonnet-4"]
    assert price_for(PRICES, "", "gpt-4o-mini") is PRICES["gpt-4o-mini"]  # the answering model
    assert price_for(PRICES, "gpt-4o") is None


def test_cost_of_usage_with_cached_tokens() -> None:
    price = PRICES["gpt-4o-mini"]
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=500_000, cached_tokens=400_000)
    # 600k uncached at 0.15, 400k cached at 0.075, 500k out at 0.6
    assert usage_cost(usage, price) == pytest.approx(0.09 + 0.03 + 0.3)
    no_cached_rate = ModelPrice(input=1, output=2)
    assert usage_cost(usage, no_cached_rate) == pytest.approx(1 + 1)
    assert usage_cost(Usage(prompt_tokens=5), price) is None
    assert usage_cost(usage, ModelPrice(input=1)) is None
    assert usage_cost(None, price) is None


def test_unknown_is_never_zero() -> None:
    assert cost_text(answer("gpt-4o-mini", 1000, 2000), PRICES) == "$0.0014"
    assert cost_text(answer("no-price", 1000, 2000), PRICES) == UNKNOWN
    assert cost_text(answer("gpt-4o-mini", None, None), PRICES) == UNKNOWN  # no usage
    assert cost_text(answer("free-model", 10, 10), PRICES) == "$0"  # a price of 0 is a price
    assert cost_text(Message(role="user"), PRICES) == ""
    assert format_cost(12.3456) == "$12.35"
    assert format_cost(0.04231) == "$0.042"
    assert format_cost(0.00001) == "<$0.0001"


def test_the_stats_line_carries_the_cost_after_the_tokens() -> None:
    stats = Stats(
        model="m", usage=Usage(prompt_tokens=3, completion_tokens=4), finish_reason="stop"
    )
    assert stats_text(stats, cost="$0.0031") == "m · 3+4 tokens · $0.0031 · stop"
    assert stats_text(stats, cost=UNKNOWN) == "m · 3+4 tokens · cost unknown · stop"


def test_a_chat_costs_every_answer_of_every_branch_and_column() -> None:
    chat = Chat(kind="compare")
    first = Chat(messages=[answer("gpt-4o-mini", 1000, 2000), answer("gpt-4o-mini", 0, 1000)])
    second = Chat(messages=[answer("no-price", 10, 10), Message(role="user", content="q")])
    chat.columns = [first, second]
    total = chat_cost(chat, PRICES)
    assert total.priced == 2 and total.unknown == 1
    assert total.dollars == pytest.approx(0.00135 + 0.0006)
    assert total.text() == f"{format_cost(total.dollars)} + 1 answer of unknown cost"
    assert chat_cost(Chat(messages=[answer("x", 1, 1)]), PRICES).text() == UNKNOWN
    assert chat_cost(Chat(), PRICES).text() == ""


def test_json_and_csv_files_round_trip() -> None:
    for kind in ("json", "csv"):
        data = write_price_file(PRICES, kind)
        back = read_price_file(data, f"prices.{kind}")
        assert {m: (p.input, p.output, p.cached_input) for m, p in back.items()} == {
            m: (p.input, p.output, p.cached_input) for m, p in PRICES.items()
        }
    bare = b'{"m": {"input": 1.5, "output": 2}}'
    assert read_price_file(bare)["m"] == ModelPrice(input=1.5, output=2)
    csv = b"model,input_per_million,output_per_million\nm,$1.00,2\n\nn,,\n"
    table = read_price_file(csv, "x.csv")
    assert table["m"] == ModelPrice(input=1, output=2) and table["n"] == ModelPrice()


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"model,input_per_million,output_per_million\nm,abc,1\n", "p.csv", "Line 2"),
        (b"model,input_per_million,output_per_million\nm,-1,1\n", "p.csv", "0 or more"),
        (b"name,price\nm,1\n", "p.csv", "starts with the line"),
        (b'{"m": {"input": -2}}', "p.json", "not valid"),
        (b"{oops", "p.json", "not valid JSON"),
        (b"\xff\xfe", "p.json", "UTF-8"),
        (b"[1, 2]", "p.json", "object"),
    ],
)
def test_bad_price_files_say_what_is_wrong(data: bytes, name: str, says: str) -> None:
    with pytest.raises(PriceFileError, match=says):
        read_price_file(data, name)


def test_offered_prices_from_openrouter_and_litellm_shapes() -> None:
    models = [
        {"id": "a", "pricing": {"prompt": "0.000003", "completion": "0.000015"}},
        {
            "id": "b",
            "pricing": {
                "prompt": "0.0000001",
                "completion": "0.0000004",
                "input_cache_read": "0.00000002",
            },
        },
        {"id": "router", "pricing": {"prompt": "-1", "completion": "-1"}},
        {"id": "c", "model_info": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}},
        {"id": "d"},
    ]
    offered = offered_prices(models, "OpenRouter /models")
    assert set(offered) == {"a", "b", "c"}
    assert offered["a"] == ModelPrice(input=3, output=15, source="OpenRouter /models")
    assert offered["b"].cached_input == pytest.approx(0.02)
    assert offered["c"].output == pytest.approx(2)


def test_offers_never_replace_your_own_price_unasked() -> None:
    current = {"a": ModelPrice(input=9, output=9), "b": ModelPrice(input=1, output=2)}
    offered = {
        "a": ModelPrice(input=3, output=15, source="x"),
        "b": ModelPrice(input=1, output=2, source="x"),
        "c": ModelPrice(input=5, output=5, source="x"),
    }
    offers = compare_offers(current, offered)
    assert [(o.model, o.state) for o in offers] == [("c", "new"), ("a", "differs"), ("b", "same")]
    taken = accept_offers(current, [o for o in offers if o.state == "new"])
    assert taken["a"] == current["a"] and taken["c"].input == 5


async def test_prices_offered_by_a_gateway_model_list(gateway, chat: ChatClient) -> None:
    gateway.models = with_prices(gateway.models)
    listed = await chat.list_models(Endpoint(gateway.url))
    offered = offered_prices(listed, "gateway")
    assert offered["gpt-4o-mini"].input == pytest.approx(0.15)
    assert offered["gpt-4o-mini"].cached_input == pytest.approx(0.075)


def test_prices_are_settings_and_bad_ones_are_reset(tmp_path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(encode_settings(Settings(prices=dict(PRICES))))
    loaded, problem = load_settings(path)
    assert problem is None and loaded.prices["gpt-4o-mini"].cached_input == 0.075
    path.write_text('{"prices": {"m": {"input": -1}}, "theme": "dark"}')
    loaded, problem = load_settings(path)
    assert loaded.prices == {} and loaded.theme == "dark" and problem
