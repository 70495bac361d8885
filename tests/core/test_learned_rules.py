"""Learned rules: kept per model and endpoint, shaping the body like the built-in ones,
taking built-in ones away when the person turns them off, and saved with the settings."""

from __future__ import annotations

from pathlib import Path

import msgspec

from core.learned_rules import (
    LearnedRule,
    accepted,
    allow,
    builtin_fields,
    learn,
    learned_for,
    removed,
    rules_for,
)
from core.refusals import Fix
from core.request import build_body
from core.settings import Settings, load_settings, save_settings

HI = [{"role": "user", "content": "hi"}]
PARAMS = {"temperature": 0.7, "top_p": 0.9, "max_tokens": 100, "logprobs": True, "top_logprobs": 3}
DAY = "2025-06-01"


def _body(entries: list[LearnedRule], model: str, profile: str = "Work") -> dict[str, object]:
    built = build_body(model, HI, PARAMS, rules=rules_for(entries, profile, model))
    return built.body


def test_a_learned_drop_holds_for_that_model_on_that_endpoint_only() -> None:
    entries = learn([], "Work", "team-x", Fix(kind="drop", field="temperature"), on=DAY)
    assert entries == [
        LearnedRule(
            profile="Work", model="team-x", kind="drop", field="temperature", learned_on=DAY
        )
    ]
    assert "temperature" not in _body(entries, "team-x")
    assert "temperature" not in _body(entries, "TEAM-X")  # ids compare without case
    assert _body(entries, "team-x", profile="Home")["temperature"] == 0.7
    assert _body(entries, "team-y")["temperature"] == 0.7


def test_dropping_a_field_drops_the_fields_sent_only_with_it() -> None:
    entries = learn([], "Work", "team-x", Fix(kind="drop", field="logprobs"), on=DAY)
    body = _body(entries, "team-x")
    assert "logprobs" not in body and "top_logprobs" not in body


def test_rename_and_exclusive_shape_the_body_and_say_why() -> None:
    rename = Fix(kind="rename", field="max_tokens", other="max_completion_tokens")
    entries = learn([], "Work", "team-x", rename, endpoint="gw.example", said="Use it.", on=DAY)
    entries = learn(
        entries, "Work", "team-x", Fix(kind="exclusive", field="top_p", other="temperature"), on=DAY
    )
    built = build_body("team-x", HI, PARAMS, rules=rules_for(entries, "Work", "team-x"))
    assert built.body["max_completion_tokens"] == 100
    assert "max_tokens" not in built.body and "top_p" not in built.body
    assert built.body["temperature"] == 0.7
    details = {adj.field: adj.detail for adj in built.adjustments}
    assert details["max_tokens"] == (
        "Sent as max_completion_tokens. Learned from gw.example on 2025-06-01, when it "
        "refused max_tokens."
    )
    assert details["top_p"].startswith("Not sent because temperature is set. Learned from Work")


def test_learning_the_other_choice_replaces_the_first() -> None:
    keep_t = Fix(kind="exclusive", field="top_p", other="temperature")
    keep_p = Fix(kind="exclusive", field="temperature", other="top_p")
    entries = learn(learn([], "Work", "c", keep_t), "Work", "c", keep_p)
    assert [(e.field, e.other) for e in entries] == [("temperature", "top_p")]
    body = _body(entries, "c")
    assert "temperature" not in body and body["top_p"] == 0.9


def test_allow_turns_a_built_in_rule_off_for_one_field() -> None:
    assert "temperature" in builtin_fields("gpt-5")
    assert "temperature" not in _body([], "gpt-5")
    entries = allow([], "Work", "gpt-5", "temperature", on=DAY)
    body = _body(entries, "gpt-5")
    assert body["temperature"] == 0.7
    assert "top_p" not in body  # the rest of the rule still holds
    assert "max_tokens" not in body and body["max_completion_tokens"] == 100


def test_an_answered_request_marks_the_allow_accepted() -> None:
    entries = allow([], "Work", "gpt-5", "temperature", on=DAY)
    assert accepted(entries, "Work", "gpt-5", {"top_p": 1}, on="2025-06-02") is None
    marked = accepted(
        entries, "Work", "gpt-5", {"temperature": 0.7}, endpoint="gw", on="2025-06-02"
    )
    assert marked is not None
    assert marked[0].accepted_on == "2025-06-02"
    assert marked[0].source == (
        "built-in rule turned off by you on 2025-06-01; gw accepted it on 2025-06-02"
    )
    assert accepted(marked, "Work", "gpt-5", {"temperature": 0.7}) is None  # once


def test_a_refusal_of_an_allowed_field_restores_the_built_in_rule() -> None:
    entries = allow([], "Work", "gpt-5", "temperature")
    entries = learn(entries, "Work", "gpt-5", Fix(kind="drop", field="temperature"))
    assert entries == []
    assert "temperature" not in _body(entries, "gpt-5")


def test_removing_a_rule_sends_the_field_again() -> None:
    entries = learn([], "Work", "team-x", Fix(kind="drop", field="temperature"))
    assert removed(entries, entries[0]) == []
    assert learned_for(entries, "Work", "Team-X") == entries


def test_learned_rules_are_saved_with_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    entries = learn(
        [], "Work", "team-x", Fix(kind="drop", field="temperature"), endpoint="gw", on=DAY
    )
    save_settings(Settings(learned_rules=entries), path)
    raw = msgspec.json.decode(path.read_bytes())
    assert raw["learned_rules"] == [
        {
            "profile": "Work",
            "model": "team-x",
            "kind": "drop",
            "field": "temperature",
            "endpoint": "gw",
            "learned_on": DAY,
        }
    ]
    loaded, problem = load_settings(path)
    assert problem is None and loaded.learned_rules == entries


def test_a_bad_learned_rule_resets_that_setting_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    bad = {"profile": "W", "model": "m", "kind": "forget", "field": "x"}
    path.write_text(msgspec.json.encode({"theme": "dark", "learned_rules": [bad]}).decode())
    loaded, problem = load_settings(path)
    assert loaded.theme == "dark" and loaded.learned_rules == []
    assert problem is not None and "learned_rules" in problem
