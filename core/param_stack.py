"""Parameter values that stack, each with where it came from.

From the bottom: the app's defaults (``Settings.default_params``), the model's own
defaults (``Settings.model_params[model]``), a preset, and the chat's or column's own
override. A higher layer wins for the names it sets; :func:`stack` also says which layer
each value came from, for the parameters panel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SOURCE_DEFAULT = "default"
SOURCE_MODEL = "model default"
SOURCE_PRESET = "preset"
SOURCE_OVERRIDE = "override"

Layer = tuple[str, Mapping[str, object]]


def stack(layers: Sequence[Layer]) -> tuple[dict[str, object], dict[str, str]]:
    """The values of ``layers`` (lowest first) stacked, and the source of each value."""
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for source, layer in layers:
        for name, value in layer.items():
            values[name] = value
            sources[name] = source
    return values, sources


def model_layers(
    defaults: Mapping[str, object],
    model_params: Mapping[str, Mapping[str, object]],
    model: str,
) -> list[Layer]:
    return [(SOURCE_DEFAULT, defaults), (SOURCE_MODEL, model_params.get(model, {}))]


def for_model(
    defaults: Mapping[str, object],
    model_params: Mapping[str, Mapping[str, object]],
    model: str,
) -> dict[str, object]:
    """The values a new chat or column of ``model`` starts with."""
    return stack(model_layers(defaults, model_params, model))[0]


def sources_of(
    values: Mapping[str, object],
    defaults: Mapping[str, object],
    model_params: Mapping[str, Mapping[str, object]],
    model: str,
    preset: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """Where each of ``values`` comes from: the highest layer that gives that same value,
    else the chat's or column's own override."""
    layers = model_layers(defaults, model_params, model)
    if preset:
        layers.append((SOURCE_PRESET, preset))
    sources: dict[str, str] = {}
    for name, value in values.items():
        source = SOURCE_OVERRIDE
        for layer_source, layer in reversed(layers):
            if name in layer:
                if layer[name] == value:
                    source = layer_source
                break
        sources[name] = source
    return sources
