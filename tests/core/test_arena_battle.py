"""Battles without Qt: drawing models, masking names, tags, filters, files, export."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from core.arena import battle, export, ratings
from core.arena.battle import ArenaError, BattleRecord
from core.arena.votes import VoteStore
from core.chat import ErrorInfo, Message, Stats


def test_draw_takes_distinct_models_in_random_order() -> None:
    pool = ["a", "b", "c", "d", "e"]
    seen = {tuple(battle.draw(pool, 2, random.Random(seed))) for seed in range(40)}
    assert all(len(set(pair)) == 2 for pair in seen)
    assert ("a", "b") in seen and ("b", "a") in seen  # the order is random too
    assert len(battle.draw(pool, 9, random.Random(1))) == battle.MAX_SLOTS
    assert len(battle.draw(["a", "b"], 4, random.Random(1))) == 2
    with pytest.raises(ArenaError, match="at least two models"):
        battle.draw(["a", "a"], 2)


def test_scrub_replaces_every_spelling_of_a_model() -> None:
    models = ["openai/gpt-4o", "claude-3-haiku"]
    text = "openai/gpt-4o is not GPT-4O; claude-3-haiku failed"
    assert battle.scrub(text, models) == "Model A is not Model A; Model B failed"


def test_masked_message_names_no_model() -> None:
    models = ["gpt-4o", "mistral-small"]
    message = Message(
        role="assistant",
        model="mistral-small",
        content="I am mistral-small.",
        stats=Stats(model="mistral-small-2402", ttft_s=0.1, response_id="chatcmpl-1"),
        error=ErrorInfo(kind="NotFound", message="no model mistral-small", detail="mistral-small"),
    )
    shown = battle.masked(message, 1, models)
    text = repr(shown)
    assert "mistral" not in text
    assert shown.model == "Model B" and shown.stats is None and not shown.params
    assert message.model == "mistral-small"  # the original is untouched


def test_votes_and_their_checks() -> None:
    cmp, record = battle.new_battle(["a", "b"], [{"temperature": 0.2}, {}])
    assert [c.model for c in cmp.columns] == ["a", "b"] and record.id == cmp.id
    assert cmp.columns[0].params == {"temperature": 0.2}
    battle.cast_vote(record, "win", 1)
    assert record.winner == 1 and record.voted_at is not None
    assert record.outcome_text() == "Model B won"
    battle.cast_vote(record, "tie")
    assert record.winner == -1
    with pytest.raises(ArenaError):
        battle.cast_vote(record, "win", 5)


def test_tags_and_filters() -> None:
    assert battle.parse_tags(" coding,  my  tag, Coding ,") == ["coding", "my tag"]
    old = BattleRecord(created_at=100.0, tags=["coding"])
    new = BattleRecord(created_at=200.0, tags=["writing", "Coding"])
    assert battle.matching([old, new], ["coding"]) == [old, new]
    assert battle.matching([old, new], ["writing"]) == [new]
    assert battle.matching([old, new], since=150.0) == [new]
    assert battle.matching([old, new], until=150.0) == [old]


def test_vote_store_round_trip_and_damaged_files(tmp_path: Path) -> None:
    store = VoteStore(tmp_path / "votes")
    assert store.load_all() == []
    first = BattleRecord(models=["a", "b"], created_at=1.0, tags=["coding"])
    second = BattleRecord(models=["b", "c"], created_at=2.0, vote="tie", voted_at=3.0)
    store.save(second)
    store.save(first)
    assert store.load_all() == [first, second]
    (tmp_path / "votes" / "broken.json").write_text("{not json")
    assert VoteStore(tmp_path / "votes").load_all() == [first, second]
    assert list((tmp_path / "votes" / "damaged").iterdir())
    data = json.loads(store.path_of(first.id).read_text())
    assert data["version"] == 1 and data["battle"]["models"] == ["a", "b"]
    store.delete(first.id)
    assert store.load_all() == [second]
    with pytest.raises(ValueError):
        store.path_of("../escape")


def test_export_csv_and_json() -> None:
    records = [
        BattleRecord(id="b1", models=["a", "b"], vote="win", winner=0, voted_at=5.0, tags=["x"]),
        BattleRecord(id="b2", models=["b", "a"], vote="tie", voted_at=6.0),
    ]
    votes = export.votes_csv(records).splitlines()
    assert votes[0].startswith("battle,created,voted,models,vote,winner")
    assert ",a | b,win,a,x," in votes[1]
    parsed = json.loads(export.votes_json(records))
    assert parsed["battles"][0]["slots"] == {"Model A": "a", "Model B": "b"}
    board = ratings.leaderboard(battle.games(records))
    assert export.table_csv(board).splitlines()[0] == ",".join(export.TABLE_COLUMNS)
    table = json.loads(export.table_json(board))
    assert table["method"] == "elo" and [r["model"] for r in table["rows"]] == ["a", "b"]


def test_the_blind_request_hides_what_tells_the_models_apart() -> None:
    models = ["vendor/model-x", "model-y"]
    params = [
        {"stream": True, "stream_options.include_usage": True, "temperature": 0.2},
        {"stream": True, "temperature": 0.9, "max_tokens": 50},
    ]
    cmp, _record = battle.new_battle(models, params)
    col = cmp.columns[0]
    col.messages = [
        Message(id="q", content="who are you?"),
        Message(id="r", parent="q", role="assistant", content="I am model-x.", model=models[0]),
    ]
    col.leaf = "r"
    built = battle.blind_request(cmp, 0, "and now?", models)
    body = built.body
    assert body["model"] == "Model A"
    assert [(a.field, a.action) for a in built.adjustments] == [
        ("max_tokens", "hidden"),
        ("stream_options.include_usage", "hidden"),
        ("temperature", "hidden"),
    ]
    assert body["stream"] is True
    assert body["temperature"] == body["max_tokens"] == battle.HIDDEN
    assert body["stream_options"] == {"include_usage": battle.HIDDEN}
    assert [m["content"] for m in body["messages"]] == [  # type: ignore[union-attr, index]
        "who are you?",
        "I am Model A.",
        "and now?",
    ]
    assert "model-x" not in json.dumps(body) and "model-y" not in json.dumps(body)
