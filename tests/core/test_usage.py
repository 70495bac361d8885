"""Tokens and cost per day, model and endpoint, from the chat files alone."""

from __future__ import annotations

import time

import pytest

from core.chat import Chat, Message, Stats, Usage
from core.pricing import ModelPrice
from core.storage.chat_store import ChatStore
from core.usage import day_start, fill_days, rows_csv, scan, summarize

PRICES = {"cheap": ModelPrice(input=1, output=2)}


def _answer(model: str, when: float, prompt: int, completion: int) -> Message:
    return Message(
        role="assistant",
        model=model,
        created_at=when,
        stats=Stats(usage=Usage(prompt_tokens=prompt, completion_tokens=completion)),
    )


@pytest.fixture
def store(tmp_path) -> ChatStore:
    store = ChatStore(tmp_path / "chats", fsync=False)
    day1 = day_start("2025-03-01") + 3600
    day2 = day_start("2025-03-02") + 3600
    store.save(
        Chat(
            profile="AnyFast",
            messages=[
                Message(role="user", content="q", created_at=day1),
                _answer("cheap", day1, 1000, 2000),
                _answer("pricey", day2, 10, 20),
                Message(role="assistant", model="cheap", status="error"),  # never answered
            ],
        )
    )
    store.save(
        Chat(
            kind="compare",
            profile="Local",
            columns=[
                Chat(messages=[_answer("cheap", day2, 500, 500)]),
                Chat(profile="Other", messages=[_answer("cheap", day2, 1, 1)]),
            ],
        )
    )
    store.list_chats()  # writes index.json, which is not a chat
    (store.folder / "broken.json").write_text("{not json")
    return store


def test_scan_reads_every_answer_and_skips_what_it_cannot_read(store: ChatStore) -> None:
    found = scan(store.folder)
    assert found.files == 2 and found.unreadable == 1
    assert sorted((r.model, r.endpoint) for r in found.records) == [
        ("cheap", "AnyFast"),
        ("cheap", "Local"),
        ("cheap", "Other"),
        ("pricey", "AnyFast"),
    ]


def test_sums_per_day_model_and_endpoint_with_cost(store: ChatStore) -> None:
    records = scan(store.folder).records
    days = summarize(records, PRICES, "day")
    assert [(r.key, r.answers, r.tokens) for r in days] == [
        ("2025-03-01", 1, 3000),
        ("2025-03-02", 3, 1032),
    ]
    assert days[0].cost_text() == "$0.0050"
    assert days[1].unknown == 1 and days[1].cost_text() == "$0.0015 + 1 unknown"
    models = summarize(records, PRICES, "model")
    assert [r.key for r in models] == ["cheap", "pricey"]
    assert models[1].cost_text() == "unknown"  # never $0
    endpoints = summarize(records, PRICES, "endpoint")
    assert {r.key: r.answers for r in endpoints} == {"AnyFast": 2, "Local": 1, "Other": 1}


def test_a_period_keeps_what_was_asked_in_it(store: ChatStore) -> None:
    records = scan(store.folder).records
    start, end = day_start("2025-03-02"), day_start("2025-03-03")
    rows = summarize(records, PRICES, "day", start, end)
    assert [r.key for r in rows] == ["2025-03-02"]
    filled = fill_days(rows, day_start("2025-02-28"), end)
    assert [r.key for r in filled] == ["2025-02-28", "2025-03-01", "2025-03-02"]
    assert filled[0].answers == 0


def test_csv_leaves_an_unknown_cost_empty(store: ChatStore) -> None:
    rows = summarize(scan(store.folder).records, PRICES, "model")
    lines = rows_csv(rows, "model").decode().splitlines()
    assert lines[0].startswith("model,answers,prompt_tokens")
    assert lines[1] == "cheap,3,1501,2501,0,0.006503,0"
    assert lines[2] == "pricey,1,10,20,0,,1"


def test_a_missing_folder_is_empty(tmp_path) -> None:
    assert scan(tmp_path / "nowhere").records == []
    assert time.time() > 0
