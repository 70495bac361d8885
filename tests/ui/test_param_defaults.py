"""Per-model parameter defaults through the window, against the loopback gateway: a new
chat and a new comparison start from the model's saved defaults, a preset goes over them
and the chat's or column's own value over both; the Parameters panel says where each
value comes from, and the Request tab and the body sent agree with it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.gateway import Gateway
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly
from ui.params.panel import ParamsPanel

DEFAULTS = {"model-a": {"temperature": 0.25, "seed": 7}, "model-b": {"top_p": 0.5}}
PRESET = {"stream": True, "temperature": 0.5, "max_tokens": 64}
NAMES = ("temperature", "seed", "top_p", "max_tokens")


@pytest.fixture
async def app(qapp, gateway: Gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        prefs = assembly.services.prefs
        prefs.set(model_params=DEFAULTS, presets={"Cool": PRESET})
        assembly.window.params_panel.set_presets(["Cool"])
        yield assembly


def source(panel: ParamsPanel, name: str) -> str:
    """What the panel says beside ``name``: its source, "" when it is not set."""
    text = panel.rows[name].toggle.text()
    return text.split("· ", 1)[1] if "· " in text else ""


def sources(panel: ParamsPanel) -> dict[str, str]:
    return {name: source(panel, name) for name in NAMES if source(panel, name)}


def edit(panel: ParamsPanel, name: str, value: float) -> None:
    """Type ``value`` into the field's spin box, as a person would."""
    panel.rows[name].editor.spin.setValue(value)  # type: ignore[attr-defined]
    panel.flush()


def request_tab(app: Assembly) -> dict[str, object]:
    window = app.window
    window.update_preview()
    window.preview.flush()
    body = json.loads(window.preview.json_text())
    return {name: body[name] for name in NAMES if name in body}


def shown(panel: ParamsPanel) -> dict[str, object]:
    return {n: v for n, v in panel.values().items() if n in NAMES}


async def send(app: Assembly, gateway: Gateway, text: str) -> list[dict[str, object]]:
    """The bodies of the requests the question made, by model order of arrival."""
    before = len(gateway.chat_requests())
    app.window.composer.send_requested.emit(text, [])
    await wait_until(lambda: not app.window.page.is_generating())
    return [r.body for r in gateway.chat_requests()[before:]]


def params_of(body: dict[str, object]) -> dict[str, object]:
    return {name: body[name] for name in NAMES if name in body}


async def test_a_chat_stacks_model_default_preset_and_its_own_value(
    app: Assembly, gateway: Gateway
) -> None:
    window, panel = app.window, app.window.params_panel
    window.set_model("model-a")
    window.new_chat()
    assert sources(panel) == {"temperature": "model default", "seed": "model default"}
    assert shown(panel) == {"temperature": 0.25, "seed": 7} == request_tab(app)
    assert source(panel, "stream") == "app default"
    (body,) = await send(app, gateway, "hello")
    assert params_of(body) == {"temperature": 0.25, "seed": 7}

    # the chat's own value beats the model's default; the panel, the tab and the body agree
    edit(panel, "temperature", 0.9)
    assert sources(panel) == {"temperature": "override", "seed": "model default"}
    assert shown(panel) == {"temperature": 0.9, "seed": 7} == request_tab(app)
    (body,) = await send(app, gateway, "again")
    assert params_of(body) == {"temperature": 0.9, "seed": 7}

    # a preset goes over the model's defaults and replaces the chat's own values
    panel.presets.combo.activated.emit(0)
    assert panel.presets.current_preset() == "Cool"
    assert sources(panel) == {
        "temperature": "preset",
        "seed": "model default",
        "max_tokens": "preset",
    }
    assert shown(panel) == {"temperature": 0.5, "seed": 7, "max_tokens": 64} == request_tab(app)
    # and the chat's own value goes over the preset
    edit(panel, "max_tokens", 32)
    assert sources(panel)["max_tokens"] == "override"
    (body,) = await send(app, gateway, "with the preset")
    assert params_of(body) == {"temperature": 0.5, "seed": 7, "max_tokens": 32}
    assert params_of(body) == shown(panel) == request_tab(app)

    # another model: its own defaults, none of model-a's (the preset and own value stay)
    window.set_model("model-b")
    assert shown(panel) == {"temperature": 0.5, "top_p": 0.5, "max_tokens": 32}
    assert sources(panel) == {
        "temperature": "preset",
        "top_p": "model default",
        "max_tokens": "override",
    }
    (body,) = await send(app, gateway, "other model")
    assert body["model"] == "model-b" and params_of(body) == shown(panel) == request_tab(app)

    # a new chat of a model without defaults: the values last set by hand (the app
    # defaults), nothing of model-a's defaults and no preset (a preset is loaded per chat)
    window.new_chat()
    window.set_model("model-c")
    assert shown(panel) == {"temperature": 0.9, "max_tokens": 32} == request_tab(app)
    assert sources(panel) == {"temperature": "app default", "max_tokens": "app default"}
    assert panel.presets.current_preset() == ""
    window.set_model("model-a")  # model-a's defaults come back with model-a
    assert sources(panel) == {
        "temperature": "model default",
        "seed": "model default",
        "max_tokens": "app default",
    }
    (body,) = await send(app, gateway, "new chat")
    assert params_of(body) == {"temperature": 0.25, "seed": 7, "max_tokens": 32}


async def test_a_comparison_gives_each_column_its_models_defaults(
    app: Assembly, gateway: Gateway
) -> None:
    window, panel = app.window, app.window.params_panel
    page = window.compare_page
    window.set_model("model-a")
    window.menu_actions["compare"].trigger()
    cmp = app.comparisons.comparison
    assert cmp is not None
    first, second = cmp.columns
    page.set_model("model-b", second.id)  # the picker, for the second column
    assert params_of(first.params) == {"temperature": 0.25, "seed": 7}
    assert params_of(second.params) == {"top_p": 0.5}
    assert first.overridden == second.overridden == []  # a model's default is no override
    columns = [page.view.column(col.id) for col in cmp.columns]
    assert all(c is not None and c.header.params_button.text() == "Params" for c in columns)
    column_a, column_b = columns
    assert column_a is not None and column_b is not None
    column_a.show_params(True)
    column_b.show_params(True)
    assert column_a.params_panel is not None and column_b.params_panel is not None
    assert sources(column_a.params_panel) == {
        "temperature": "model default",
        "seed": "model default",
    }
    assert sources(column_b.params_panel) == {"top_p": "model default"}
    assert request_tab(app) == shown(column_a.params_panel)  # the focused column's request
    assert panel.note.isVisible() and panel.note.text().splitlines() == [
        "Every column sends this shared set, except:",
        "Column 1: seed, temperature (its model's defaults)",
        "Column 2: top_p (its model's defaults)",
    ]
    bodies = {b["model"]: params_of(b) for b in await send(app, gateway, "hi")}
    assert bodies == {"model-a": {"temperature": 0.25, "seed": 7}, "model-b": {"top_p": 0.5}}

    # a shared value goes over every column's model default
    edit(panel, "temperature", 1.0)
    assert source(panel, "temperature") == "override"
    assert source(column_a.params_panel, "temperature") == "shared"
    assert source(column_b.params_panel, "temperature") == "shared"
    # a column's own value goes over the shared one
    edit(column_b.params_panel, "top_p", 0.8)
    assert source(column_b.params_panel, "top_p") == "override"
    assert column_b.header.params_button.text() == "1 override"
    assert panel.note.text().splitlines()[1:] == [
        "Column 1: seed (its model's defaults)",
        "Column 2: top_p (its own)",
    ]
    bodies = {b["model"]: params_of(b) for b in await send(app, gateway, "again")}
    assert bodies == {
        "model-a": {"temperature": 1.0, "seed": 7},
        "model-b": {"temperature": 1.0, "top_p": 0.8},
    }
    assert bodies["model-a"] == shown(column_a.params_panel) == request_tab(app)
    assert bodies["model-b"] == shown(column_b.params_panel)

    # a preset in the shared set sits over the model defaults, under the column's own
    panel.presets.combo.activated.emit(0)
    assert source(column_a.params_panel, "temperature") == "preset"
    assert source(column_a.params_panel, "seed") == "model default"
    assert shown(column_b.params_panel) == {"temperature": 0.5, "top_p": 0.8, "max_tokens": 64}

    # a column added later, and a column given another model, start from its defaults
    added = app.comparisons.add_column("model-a")
    assert added is not None and params_of(added.params)["seed"] == 7
    page.set_model("model-c", first.id)
    assert "seed" not in first.params and first.params["temperature"] == 0.5
    bodies = {b["model"]: params_of(b) for b in await send(app, gateway, "three")}
    assert bodies["model-c"] == {"temperature": 0.5, "max_tokens": 64}
    assert bodies["model-a"] == {"temperature": 0.5, "seed": 7, "max_tokens": 64}


async def test_saving_a_columns_values_as_its_models_defaults(
    app: Assembly, gateway: Gateway
) -> None:
    window = app.window
    window.set_model("model-b")
    window.menu_actions["compare"].trigger()
    cmp = app.comparisons.comparison
    assert cmp is not None
    first, second = cmp.columns
    window.compare_page.set_model("model-b", second.id)
    app.comparisons.set_column_params(first.id, {**first.params, "seed": 11})
    assert first.overridden == ["seed"] and "seed" not in second.params
    window.menu_actions["model_defaults"].trigger()  # the focused column: the first
    assert app.services.settings.model_params["model-b"]["seed"] == 11
    assert first.overridden == []  # now the model's default, not the column's own
    assert second.params["seed"] == 11  # every column of that model takes it
    column = window.compare_page.view.column(first.id)
    assert column is not None and column.header.params_button.text() == "Params"
    bodies = [b.get("seed") for b in await send(app, gateway, "hi")]
    assert bodies == [11, 11]


async def test_a_preset_saved_from_a_chat_is_that_chats_preset(
    app: Assembly, gateway: Gateway
) -> None:
    window, panel = app.window, app.window.params_panel
    window.set_model("model-a")
    window.new_chat()
    edit(panel, "max_tokens", 99)
    bar = panel.presets
    bar.start_save()
    bar.name_edit.setText("Mine")
    bar.confirm_save()
    assert app.services.settings.presets["Mine"]["max_tokens"] == 99
    chat = app.controller.chat
    assert chat is not None and chat.preset == "Mine" and chat.overridden == []
    assert source(panel, "max_tokens") == "preset"
    (body,) = await send(app, gateway, "hi")
    assert params_of(body) == shown(panel) == {"temperature": 0.25, "seed": 7, "max_tokens": 99}
    await app.runner.flush()
    window.new_chat()  # another chat: no preset, and the combo says so
    assert bar.current_preset() == ""
    window.open_chat(chat.id)  # the chat keeps its preset
    assert bar.current_preset() == "Mine" and source(panel, "max_tokens") == "preset"
