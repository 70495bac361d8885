"""Parameter defaults that stack: app default < model default < preset < override."""

from __future__ import annotations

from core import param_stack as ps


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


def test_sources_of_values_on_screen() -> None:
    defaults = {"temperature": 0.7}
    per_model = {"m": {"temperature": 0.2, "seed": 1}}
    assert ps.for_model(defaults, per_model, "m") == {"temperature": 0.2, "seed": 1}
    assert ps.for_model(defaults, per_model, "other") == {"temperature": 0.7}
    shown = {"temperature": 0.2, "seed": 5, "top_p": 0.5}
    assert ps.sources_of(shown, defaults, per_model, "m") == {
        "temperature": "model default",
        "seed": "override",
        "top_p": "override",
    }
    assert ps.sources_of({"temperature": 0.7}, defaults, per_model, "other") == {
        "temperature": "default"
    }
