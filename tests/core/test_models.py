"""The model catalog: vendors, merging, the per-profile cache, refresh, filtering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.model_vendors import vendor_of
from core.models import (
    ModelCatalog,
    ModelInfo,
    bundled_models,
    cache_file_name,
    filter_models,
    group_by_vendor,
    merge,
    order_for_picker,
    picker_sections,
)

EXPECTED_VENDORS = {
    "Anthropic",
    "OpenAI",
    "Google",
    "DeepSeek",
    "Qwen (Alibaba)",
    "Doubao (ByteDance)",
    "MiniMax",
    "Moonshot AI",
    "xAI",
    "Zhipu (GLM)",
}


def _ids(models: list[ModelInfo]) -> list[str]:
    return [m.id for m in models]


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# bundled list and vendors


def test_bundled_models_reads_the_resource() -> None:
    ids = bundled_models()
    assert len(ids) == 72
    assert ids[0] == "claude-sonnet-4-6"
    assert "glm-4-7-251222" in ids


def test_bundled_models_missing_file(tmp_path: Path) -> None:
    assert bundled_models(tmp_path / "nope" / "models.txt") == []


def test_bundled_models_skips_blanks_comments_and_repeats(tmp_path: Path) -> None:
    path = tmp_path / "models.txt"
    path.write_text("# comment\n\n gpt-4o \ngpt-4o\nqwen3-32b\n", encoding="utf-8")
    assert bundled_models(path) == ["gpt-4o", "qwen3-32b"]


def test_every_bundled_id_has_a_vendor() -> None:
    vendors = {model_id: vendor_of(model_id) for model_id in bundled_models()}
    assert [m for m, v in vendors.items() if v == "Other"] == []
    assert set(vendors.values()) == EXPECTED_VENDORS


@pytest.mark.parametrize(
    ("model_id", "owned_by", "vendor"),
    [
        ("claude-sonnet-4-5-20250929", "aws", "Anthropic"),  # owned_by names the host
        ("o3-mini", "", "OpenAI"),
        ("o1", "", "OpenAI"),
        ("chatgpt-4o-latest", "", "OpenAI"),
        ("gemma-3-27b-it", "", "Google"),
        ("qwq-32b", "", "Qwen (Alibaba)"),
        ("moonshot-v1-8k", "", "Moonshot AI"),
        ("llama-3.3-70b", "", "Meta"),
        ("mixtral-8x7b", "", "Mistral"),
        ("anthropic/claude-3.5-sonnet", "", "Anthropic"),
        ("us.anthropic.claude-3-haiku", "", "Anthropic"),
        ("meta-llama/Llama-3.1-8B", "", "Meta"),
        ("ft:gpt-4o-mini:org::id", "", "OpenAI"),
        ("deepseek-r1-distill-qwen-32b", "", "DeepSeek"),
        ("mystery-1", "vertex-ai", "Google"),
        ("mystery-1", "volcengine", "Doubao (ByteDance)"),
        ("mystery-1", "xai", "xAI"),
        ("mystery-1", "acme", "Acme"),
        ("mystery-1", "library", "Other"),
        ("mystery-1", "", "Other"),
        ("omni-1", "", "Other"),  # "o" followed by letters is not an OpenAI o-series id
    ],
)
def test_vendor_of(model_id: str, owned_by: str, vendor: str) -> None:
    assert vendor_of(model_id, owned_by) == vendor


# merge, grouping, ordering


def test_merge_union_sources_and_order() -> None:
    live: list[Any] = [
        {"id": "gpt-5-2", "owned_by": "openai"},
        {"id": "new-thing", "owned_by": "acme"},
        {"id": "gpt-5-1", "owned_by": "openai"},
        {"id": 3},  # malformed entries are skipped
        "junk",
    ]
    merged = merge(["gpt-5-1", "gpt-5", "claude-opus-4-6"], live)
    assert _ids(merged) == ["new-thing", "claude-opus-4-6", "gpt-5", "gpt-5-1", "gpt-5-2"]
    by_id = {m.id: m for m in merged}
    assert by_id["gpt-5-1"].source == "both"
    assert by_id["gpt-5"].source == "bundled"
    assert by_id["gpt-5-2"].source == "live"
    assert by_id["gpt-5-2"].owned_by == "openai"
    assert by_id["new-thing"].vendor == "Acme"


def test_merge_natural_order_and_other_last() -> None:
    ids = ["gpt-5-10", "gpt-5-2", "zzz", "gpt-5", "gpt-5-1", "claude-opus-4-20250514"]
    merged = merge([*ids, "claude-opus-4-1-20250805", "claude-opus-4-6"], [])
    assert _ids(merged) == [
        "claude-opus-4-20250514",
        "claude-opus-4-1-20250805",
        "claude-opus-4-6",
        "gpt-5",
        "gpt-5-1",
        "gpt-5-2",
        "gpt-5-10",
        "zzz",
    ]


def test_group_by_vendor_keeps_order() -> None:
    groups = group_by_vendor(merge(bundled_models(), []))
    assert list(groups)[:2] == ["Anthropic", "DeepSeek"]
    assert set(groups) == EXPECTED_VENDORS
    assert sum(len(v) for v in groups.values()) == 72


def test_order_for_picker() -> None:
    models = merge(["gpt-4o", "gpt-5", "claude-opus-4-6", "grok-3", "qwen3-32b"], [])
    ordered = order_for_picker(models, favourites=["grok-3", "gone"], recent=["gpt-5", "grok-3"])
    assert _ids(ordered) == ["grok-3", "gpt-5", "claude-opus-4-6", "gpt-4o", "qwen3-32b"]
    sections = picker_sections(models, ["grok-3"], [])
    assert [title for title, _ in sections] == [
        "Favourites",
        "Anthropic",
        "OpenAI",
        "Qwen (Alibaba)",
    ]


# filter


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("son 4.5", ["claude-sonnet-4-5-20250929"]),
        ("SONNET 4-5", ["claude-sonnet-4-5-20250929"]),
        ("qwen3-5", ["qwen3.5-397b-a17b"]),
        ("anthropic haiku", ["claude-haiku-4-5-20251001"]),
        ("moonshot", ["kimi-k2.5"]),
        ("gpt 5 codex low", ["gpt-5-codex-low"]),
        ("nothing-like-this", []),
    ],
)
def test_filter_models(query: str, expected: list[str]) -> None:
    assert _ids(filter_models(merge(bundled_models(), []), query)) == expected


def test_filter_empty_query_keeps_all() -> None:
    models = merge(bundled_models(), [])
    assert filter_models(models, "   ") == models


# catalog, cache and refresh


LIVE: list[dict[str, Any]] = [
    {"id": "claude-sonnet-4-6", "owned_by": "aws", "object": "model", "created": 1},
    {"id": "brand-new-model", "owned_by": "openai", "supported_endpoint_types": ["openai"]},
]


def test_cache_file_name() -> None:
    assert cache_file_name("AnyFast") == "models-AnyFast.json"
    odd = cache_file_name("Environment (OPENAI_BASE_URL)")
    assert odd.startswith("models-Environment_OPENAI_BASE_URL-") and odd.endswith(".json")
    assert cache_file_name("a/b") != cache_file_name("a_b")
    assert "/" not in cache_file_name("../../etc/passwd")


async def test_refresh_saves_cache_and_round_trips(tmp_path: Path) -> None:
    catalog = ModelCatalog(tmp_path, bundled=["claude-sonnet-4-6", "gpt-5"], clock=lambda: 1234.5)
    assert catalog.last_refreshed("AnyFast") is None
    assert _ids(catalog.cached("AnyFast")) == ["claude-sonnet-4-6", "gpt-5"]

    async def fetch() -> list[dict[str, Any]]:
        return LIVE

    result = await catalog.refresh("AnyFast", fetch)
    assert result.ok and result.error == ""
    assert result.fetched_at == 1234.5
    assert _ids(result.models) == ["claude-sonnet-4-6", "brand-new-model", "gpt-5"]

    data = json.loads((tmp_path / "models-AnyFast.json").read_text(encoding="utf-8"))
    assert data["fetched_at"] == 1234.5
    assert data["profile"] == "AnyFast"
    assert data["models"] == [
        {"id": "claude-sonnet-4-6", "owned_by": "aws"},
        {"id": "brand-new-model", "owned_by": "openai"},
    ]

    reopened = ModelCatalog(tmp_path, bundled=["claude-sonnet-4-6", "gpt-5"])
    assert reopened.cached("AnyFast") == result.models
    assert reopened.last_refreshed("AnyFast") == 1234.5
    assert _ids(reopened.cached("Other")) == ["claude-sonnet-4-6", "gpt-5"]


async def test_refresh_failure_keeps_last_good_list(tmp_path: Path) -> None:
    catalog = ModelCatalog(tmp_path, bundled=["gpt-5"], clock=lambda: 10.0)

    async def good() -> list[dict[str, Any]]:
        return LIVE

    async def unauthorised() -> list[dict[str, Any]]:
        raise RuntimeError("Check your API key: the server answered 401.")

    async def silent() -> list[dict[str, Any]]:
        raise TimeoutError

    first = await catalog.refresh("AnyFast", good)
    failed = await catalog.refresh("AnyFast", unauthorised)
    assert failed.models == first.models
    assert failed.error == "Check your API key: the server answered 401."
    assert not failed.ok
    assert failed.fetched_at == 10.0
    assert catalog.last_refreshed("AnyFast") == 10.0

    quiet = await catalog.refresh("AnyFast", silent)
    assert quiet.error == "Could not refresh the model list (TimeoutError)."
    assert quiet.models == first.models
    reopened = ModelCatalog(tmp_path, bundled=["gpt-5"])
    assert reopened.cached("AnyFast") == first.models


async def test_refresh_failure_without_cache_gives_bundled(tmp_path: Path) -> None:
    catalog = ModelCatalog(tmp_path, bundled=["gpt-5"])

    async def not_a_list() -> Any:
        return {"data": []}

    result = await catalog.refresh("AnyFast", not_a_list)
    assert _ids(result.models) == ["gpt-5"]
    assert "not a list" in result.error
    assert result.fetched_at is None
    assert _listing(tmp_path) == []


def test_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "models-AnyFast.json").write_text("{not json", encoding="utf-8")
    catalog = ModelCatalog(tmp_path, bundled=["gpt-5"])
    assert _ids(catalog.cached("AnyFast")) == ["gpt-5"]
    assert catalog.last_refreshed("AnyFast") is None


async def test_unwritable_cache_still_returns_models(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    catalog = ModelCatalog(blocker / "cache", bundled=[])

    async def fetch() -> list[dict[str, Any]]:
        return LIVE

    result = await catalog.refresh("AnyFast", fetch)
    assert result.ok
    assert len(result.models) == 2
