"""Parameter defaults that stack: app default < model default < preset < override."""

from __future__ import annotations

from core import compare
from core import param_stack as ps
from core.param_stack import Defaults
from core.settings import Settings

DEFAULTS = Defaults(
    base={"stream": True, "temperature": 0.7},
    models={"m": {"temperature": 0.2, "seed": 1}, "n": {"top_p": 0.5}},
    presets={"Precise": {"temperature": 0.0, "max_tokens": 100}},
)


def test_layers_stack_and_say_where_each_value_comes_from() -> None:
    values, sources = ps.stack(
        [
            (ps.SOURCE_DEFAULT, {"temperature": 0.7, "max_tokens": 100}),
            (ps.SOURCE_MODEL, {"temperature": 0.2}),
            (ps.SOURCE_PRESET, {"top_p": 0.9}),
            (ps.SOURCE_OVERRIDE, {"max_tokens": 50}),
        ]
    )
    assert values == {"temperature": 0.2, "max_tokens": 50, "top_p": 0.9}
    assert sources == {"temperature": "model default", "max_tokens": "override", "top_p": "preset"}


def test_a_new_chat_starts_from_its_models_defaults() -> None:
    assert ps.for_model(DEFAULTS, "m") == {"stream": True, "temperature": 0.2, "seed": 1}
    assert ps.for_model(DEFAULTS, "other") == {"stream": True, "temperature": 0.7}
    assert ps.sources(ps.for_model(DEFAULTS, "m"), [], DEFAULTS, "m", "") == {
        "stream": "app default",
        "temperature": "model default",
        "seed": "model default",
    }
    fresh = ps.defaults_of(Settings())
    assert fresh.base == {"stream": True, "stream_options.include_usage": True}


def test_an_edit_is_the_chats_own_until_it_is_set_back() -> None:
    start = ps.for_model(DEFAULTS, "m")
    layered = DEFAULTS.above_base("m", "")
    edited = {**start, "temperature": 1.1}
    own = ps.edited(start, edited, [], layered)
    assert own == ["temperature"]
    assert ps.sources(edited, own, DEFAULTS, "m", "")["temperature"] == "override"
    back = ps.edited(edited, start, own, layered)  # set back to the model's default
    assert back == []
    gone = {k: v for k, v in start.items() if k != "seed"}  # turned off: the chat's own
    assert ps.edited(start, gone, [], layered) == ["seed"]


def test_a_preset_sits_between_the_model_and_the_chat() -> None:
    loaded = ps.with_preset(DEFAULTS, "m", DEFAULTS.preset("Precise"))
    assert loaded == {"temperature": 0.0, "seed": 1, "max_tokens": 100}
    assert ps.sources(loaded, [], DEFAULTS, "m", "Precise") == {
        "temperature": "preset",
        "seed": "model default",
        "max_tokens": "preset",
    }
    layered = DEFAULTS.above_base("m", "Precise")
    own = ps.edited(loaded, {**loaded, "max_tokens": 7}, [], layered)
    assert ps.sources({**loaded, "max_tokens": 7}, own, DEFAULTS, "m", "Precise") == {
        "temperature": "preset",
        "seed": "model default",
        "max_tokens": "override",
    }


def test_another_model_brings_its_own_defaults_and_never_the_old_ones() -> None:
    values = {"stream": True, "temperature": 0.2, "seed": 1, "max_tokens": 9}
    moved = ps.restacked(values, ["max_tokens"], DEFAULTS, ("m", ""), ("n", ""))
    assert moved == {"stream": True, "temperature": 0.7, "max_tokens": 9, "top_p": 0.5}
    kept = ps.restacked(values, ["temperature"], DEFAULTS, ("m", ""), ("n", ""))
    assert kept["temperature"] == 0.2 and "seed" not in kept
    preset = ps.restacked(
        {"temperature": 0.0, "seed": 1, "max_tokens": 100},
        [],
        DEFAULTS,
        ("m", "Precise"),
        ("n", "Precise"),
    )
    assert preset == {"temperature": 0.0, "max_tokens": 100, "top_p": 0.5}


def test_only_the_chats_own_values_become_the_app_defaults() -> None:
    values = {"stream": True, "temperature": 0.2, "seed": 1, "top_p": 0.3}
    found = ps.sources(values, ["top_p"], DEFAULTS, "m", "")
    assert ps.sticky_base(values, found, DEFAULTS.base) == {
        "stream": True,
        "temperature": 0.7,  # the model's 0.2 stays with the model
        "top_p": 0.3,
    }


def test_a_column_inherits_the_shared_set_over_its_models_defaults() -> None:
    shared = {"stream": True, "temperature": 0.7, "max_tokens": 50}
    cmp = compare.new_comparison(
        ["m", "n", "other"], shared, defaults=DEFAULTS, overridden=["max_tokens"]
    )
    m, n, other = cmp.columns
    assert m.params == {"stream": True, "temperature": 0.2, "seed": 1, "max_tokens": 50}
    assert n.params == {**shared, "top_p": 0.5}
    assert other.params == shared
    assert all(col.overridden == [] for col in cmp.columns)
    assert ps.column_sources(
        m.params, m.overridden, DEFAULTS, "m", cmp.params, cmp.overridden, cmp.preset
    ) == {
        "stream": "app default",
        "temperature": "model default",
        "seed": "model default",
        "max_tokens": "shared",
    }
    # a shared override goes over the model's default
    compare.set_shared_params(
        cmp, {**shared, "temperature": 1.0}, DEFAULTS, overridden=["max_tokens", "temperature"]
    )
    assert m.params["temperature"] == 1.0 and m.overridden == []
    # a column's own value goes over everything, and survives a change of model
    compare.set_column_params(cmp, m.id, {**m.params, "seed": 5}, DEFAULTS)
    assert m.overridden == ["seed"]
    compare.set_column_model(cmp, m.id, "n", DEFAULTS)
    assert m.params == {**cmp.params, "seed": 5, "top_p": 0.5} and m.overridden == ["seed"]
    compare.set_column_model(cmp, other.id, "m", DEFAULTS)
    assert other.params["seed"] == 1 and other.params["temperature"] == 1.0
    # a column added later starts from its model's defaults too
    added = compare.add_column(cmp, "n", DEFAULTS)
    assert added.params["top_p"] == 0.5 and added.overridden == []
