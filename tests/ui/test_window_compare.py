"""Compare mode and sweeps in the assembled window, against the loopback gateway."""

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


async def test_sweep_makes_one_column_per_value(assembly: Assembly, gateway) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.composer.set_text("sweep me")
    window.run_sweep([("temperature", [0.0, 1.0, 1.5])], 1)
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 3 and not comparisons.is_generating())
    assert sorted(r.body["temperature"] for r in gateway.requests) == [0.0, 1.0, 1.5]
    assert window.compare_page.sweep_results.status(2) == "done"
    assert window.compare_page.sweep_results.stats(0) is not None


async def test_the_sweep_tabs_run_button_sweeps_the_model_on_screen(
    assembly: Assembly, gateway
) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    panel = window.compare_page.sweep_panel
    assert panel.model_label.text() == "gpt-4o"
    window.composer.set_text("sweep me")
    panel.axis1_values.setText("0, 1")
    assert panel.run_button.isEnabled()
    panel.run_button.click()
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 2 and not comparisons.is_generating())
    assert window.page is window.compare_page
    assert sorted(r.body["model"] for r in gateway.requests) == ["gpt-4o", "gpt-4o"]


async def test_grid_sweep_with_repeats_groups_answers_per_cell(assembly: Assembly, gateway) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.composer.set_text("grid")
    axes = [("temperature", [0.0, 1.0]), ("top_p", [0.5, 1.0])]
    window.run_sweep(axes, 2)
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 8 and not comparisons.is_generating())
    pairs = sorted((r.body["temperature"], r.body["top_p"]) for r in gateway.requests)
    assert pairs == sorted([(t, p) for t in (0.0, 1.0) for p in (0.5, 1.0)] * 2)
    results = window.compare_page.sweep_results
    for cell in range(4):
        assert results.status(cell) == "done"
        stats = results.stats(cell)
        assert stats is not None and stats.count == 2
    assert results.grid_text(1, 1)


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
