"""Named column sets (saved, started in one step, reopened exactly) and per-model
defaults shown with their source in the Parameters panel."""

from __future__ import annotations

from pathlib import Path

from tests.gateway import Gateway
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until


async def test_a_column_set_round_trip(qapp, gateway: Gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as app:
        window = app.window
        window.menu_actions["from_set"].trigger()  # none yet: says how to make one
        assert window.column_set_dialog is None
        window.set_model("model-a")
        window.menu_actions["compare"].trigger()
        cmp = app.comparisons.comparison
        assert cmp is not None
        app.comparisons.set_column_model(cmp.columns[1].id, "model-b")
        app.comparisons.set_column_params(cmp.columns[1].id, {"temperature": 1.25})
        window.menu_actions["save_set"].trigger()
        dialog = window.column_set_dialog
        assert dialog is not None and dialog.isVisible()
        dialog.setTextValue("pair")
        dialog.accept()
        specs = app.services.settings.column_sets["pair"]
        assert [(s.model, s.params) for s in specs] == [(c.model, c.params) for c in cmp.columns]
        assert specs[1].params["temperature"] == 1.25
        window.new_chat()
        window.menu_actions["from_set"].trigger()
        chooser = window.column_set_dialog
        assert chooser is not None and chooser.comboBoxItems() == ["pair"]
        chooser.setTextValue("pair")
        chooser.accept()
        assert window.page is window.compare_page
        started = app.comparisons.comparison
        assert started is not None and started is not cmp
        assert [(c.model, c.params) for c in started.columns] == [
            (s.model, s.params) for s in specs
        ]
        window.composer.send_requested.emit("hi", [])
        await wait_until(lambda: not window.page.is_generating())
        sent = {r.body["model"]: r.body.get("temperature") for r in gateway.chat_requests()}
        assert sent == {"model-a": None, "model-b": 1.25}
        await app.runner.flush()
        window.new_chat()
        window.open_chat(started.id)
        reopened = app.comparisons.comparison
        assert reopened is not None
        assert [(c.model, c.params) for c in reopened.columns] == [
            (s.model, s.params) for s in specs
        ]


async def test_model_defaults_show_their_source(qapp, gateway: Gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as app:
        window = app.window
        window.set_model("model-a")
        window.params_panel.set_values({"temperature": 0.3})
        window.params_panel.params_changed.emit({"temperature": 0.3})
        window.menu_actions["model_defaults"].trigger()
        assert app.services.settings.model_params == {"model-a": {"temperature": 0.3}}
        row = window.params_panel.rows["temperature"]
        assert row.toggle.text().endswith("· model default")
        window.params_panel.set_values({"temperature": 0.9})
        window.params_panel.params_changed.emit({"temperature": 0.9})
        window.set_model("model-a")  # refreshes the panel
        assert row.toggle.text().endswith("· override")
