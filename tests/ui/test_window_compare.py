"""Compare mode and sweeps in the assembled window, against the loopback gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.secrets import KeyringStatus, MemorySecrets, Secrets
from tests.ui.async_wait import wait_until
from ui.app import Assembly, build


@pytest.fixture
async def assembly(qtbot: QtBot, gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    secrets = Secrets(status=KeyringStatus(False, "none", "No keyring in tests."))
    secrets.use_backend(MemorySecrets())
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    built = build(app, env, secrets=secrets)
    qtbot.addWidget(built.window)
    built.window.show()
    built.finish_start()
    yield built
    built.window.close()
    await built.close()


async def test_comparison_sends_to_every_column_and_is_listed(assembly: Assembly, gateway) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.services.settings.recent_models = ["gpt-4o", "deepseek-v3-2"]
    window.actions_.actions["compare"].trigger()
    assert window.compare.active
    cmp = assembly.comparisons.comparison
    assert cmp is not None and [c.model for c in cmp.columns] == ["gpt-4o", "deepseek-v3-2"]
    window.composer.set_text("compare this")
    window.composer.send_requested.emit("compare this", [])
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 2 and not comparisons.is_generating())
    assert sorted(r.body["model"] for r in gateway.requests) == ["deepseek-v3-2", "gpt-4o"]
    for col in cmp.columns:
        assert col.branch()[-1].content.startswith("Echo: compare this")
        column = window.compare.view.column(col.id)
        assert column is not None and "tok/s" in column.header.stats_text()
    summaries = assembly.services.store.list_chats()
    assert [(s.id, s.kind) for s in summaries] == [(cmp.id, "compare")]
    window.new_chat()
    assert not window.compare.active
    window.open_chat(cmp.id)
    assert window.compare.active


async def test_sweep_makes_one_column_per_value(assembly: Assembly, gateway) -> None:
    window = assembly.window
    window.set_model("gpt-4o")
    window.composer.set_text("sweep me")
    window.compare.run_sweep([("temperature", [0.0, 1.0, 1.5])], 1)
    comparisons = assembly.comparisons
    await wait_until(lambda: len(gateway.requests) == 3 and not comparisons.is_generating())
    assert sorted(r.body["temperature"] for r in gateway.requests) == [0.0, 1.0, 1.5]
    assert window.compare.sweep_results.status(2) == "done"
    assert window.compare.sweep_results.stats(0) is not None
