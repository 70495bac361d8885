"""Compare mode in the assembled window, against the loopback gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly


@pytest.fixture
async def assembly(gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as built:
        yield built


async def test_comparison_sends_to_every_column_and_is_listed(assembly: Assembly, gateway) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.services.settings.recent_models = ["gpt-4o", "deepseek-v3-2"]
    window.menu_actions["compare"].trigger()
    assert window.page is window.compare_page
    cmp = assembly.comparisons.comparison
    assert cmp is not None and [c.model for c in cmp.columns] == ["gpt-4o", "deepseek-v3-2"]
    window.composer.set_text("compare this")
    window.composer.send_requested.emit("compare this", [])
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 2 and not comparisons.is_generating())
    assert sorted(r.body["model"] for r in gateway.requests) == ["deepseek-v3-2", "gpt-4o"]
    for col in cmp.columns:
        assert col.branch()[-1].content.startswith("Echo: compare this")
        column = window.compare_page.view.column(col.id)
        assert column is not None and "tok/s" in column.header.stats_text()
    summaries = assembly.services.store.list_chats()
    assert [(s.id, s.kind) for s in summaries] == [(cmp.id, "compare")]
    window.new_chat()
    assert window.page is not window.compare_page
    window.open_chat(cmp.id)
    assert window.page is window.compare_page


async def test_a_column_override_is_marked_in_its_header(assembly: Assembly) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.new_comparison()
    cmp = assembly.comparisons.comparison
    assert cmp is not None
    second = cmp.columns[1]
    assembly.comparisons.set_column_params(second.id, {**second.params, "temperature": 1.2})
    column = window.compare_page.view.column(second.id)
    assert column is not None
    assert column.header.params_button.text() == "1 override"
    first = window.compare_page.view.column(cmp.columns[0].id)
    assert first is not None and first.header.params_button.text() == "Params"


async def test_exporting_in_compare_mode_exports_the_comparison(
    assembly: Assembly, gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.new_comparison()
    window.composer.send_requested.emit("export me", [])
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 2 and not comparisons.is_generating())
    exported: list[tuple[str, str]] = []
    monkeypatch.setattr(
        window.dialogs, "export_chat", lambda chat, kind: exported.append((chat.id, kind))
    )
    window.menu_actions["export_md"].trigger()
    cmp = comparisons.comparison
    assert cmp is not None and exported == [(cmp.id, "markdown")]


async def test_ctrl_r_regenerates_every_column(assembly: Assembly, gateway) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.services.settings.recent_models = ["gpt-4o", "deepseek-v3-2"]
    window.menu_actions["compare"].trigger()
    window.composer.set_text("once more")
    window.composer.send_requested.emit("once more", [])
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 2 and not comparisons.is_generating())
    window.menu_actions["regenerate"].trigger()
    await wait_until(lambda: len(gateway.requests) == 4 and not comparisons.is_generating())
    cmp = comparisons.comparison
    assert cmp is not None
    for col in cmp.columns:
        answer = col.branch()[-1]
        assert answer.content.startswith("Echo: once more")
        assert len(col.siblings(answer.id)) == 2
