"""Parameter values that stack, each with where it came from.

From the bottom: the app's defaults (``Settings.default_params``: what new chats start
with), the model's own defaults (``Settings.model_params[model]``), a preset
(``Settings.presets[name]``, the one loaded in that chat or comparison), and the values
set in the chat, comparison or column itself (its *overrides*). A higher layer wins for
the names it sets.

A chat keeps its full set of values (``Chat.params``, exactly what is sent) with the
names it overrides (``Chat.overridden``) and the preset it loaded (``Chat.preset``); the
functions here work out that set when a chat starts, changes model or loads a preset,
which names an edit overrides, and where each value comes from, for the parameters
panel. A comparison's shared set is such a chat-level set without a model; each column
inherits it, with its own model's defaults under the shared overrides and the preset.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.params import default_values

if TYPE_CHECKING:
    from core.settings import Settings

SOURCE_DEFAULT = "app default"
SOURCE_MODEL = "model default"
SOURCE_PRESET = "preset"
SOURCE_SHARED = "shared"  # a column's value from the comparison's shared set
SOURCE_OVERRIDE = "override"

Layer = tuple[str, Mapping[str, object]]
Values = Mapping[str, object]

_MISSING = object()


@dataclass(frozen=True, slots=True)
class Defaults:
    """The layers under a chat's own values."""

    base: Values = field(default_factory=dict)  # the app's defaults
    models: Mapping[str, Values] = field(default_factory=dict)
    presets: Mapping[str, Values] = field(default_factory=dict)

    def model(self, name: str) -> Values:
        return self.models.get(name, {}) if name else {}

    def preset(self, name: str) -> Values:
        return self.presets.get(name, {}) if name else {}

    def above_base(self, model: str, preset: str) -> dict[str, object]:
        """The values the model's defaults and the preset give (the preset winning)."""
        return stack([(SOURCE_MODEL, self.model(model)), (SOURCE_PRESET, self.preset(preset))])[0]


@dataclass(frozen=True, slots=True)
class ParamState:
    """A chat-level set of values with the names it overrides and the preset it loaded."""

    values: Mapping[str, object]
    overridden: tuple[str, ...] = ()
    preset: str = ""


def defaults_of(settings: Settings) -> Defaults:
    """The layers ``settings`` hold (the app default is the fields on by default until
    a chat sets others)."""
    return Defaults(
        base=settings.default_params or default_values(),
        models=settings.model_params,
        presets=settings.presets,
    )


def stack(layers: Sequence[Layer]) -> tuple[dict[str, object], dict[str, str]]:
    """The values of ``layers`` (lowest first) stacked, and the source of each value."""
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for source, layer in layers:
        for name, value in layer.items():
            values[name] = value
            sources[name] = source
    return values, sources


def for_model(defaults: Defaults, model: str) -> dict[str, object]:
    """The values a new chat or arena slot of ``model`` starts with."""
    return stack([(SOURCE_DEFAULT, defaults.base), (SOURCE_MODEL, defaults.model(model))])[0]


def with_preset(defaults: Defaults, model: str, preset: Values) -> dict[str, object]:
    """The values after loading a preset in a chat of ``model``: the preset's, and the
    model's defaults for the names the preset leaves out (it replaces the chat's own)."""
    return stack([(SOURCE_MODEL, defaults.model(model)), (SOURCE_PRESET, preset)])[0]


def edited(old: Values, new: Values, overridden: Iterable[str], layered: Values) -> list[str]:
    """The names a chat overrides after an edit from ``old`` to ``new``: those it did,
    and each changed name whose new value is not what ``layered`` (the model's defaults
    and the preset) gives it; a name changed back to that value is no longer one."""
    names = set(overridden)
    for name in set(old) | set(new):
        value = new.get(name, _MISSING)
        if old.get(name, _MISSING) == value:
            continue
        if name in layered and layered[name] == value:
            names.discard(name)
        else:
            names.add(name)
    return sorted(names)


def restacked(
    values: Values,
    overridden: Collection[str],
    defaults: Defaults,
    old: tuple[str, str],
    new: tuple[str, str],
) -> dict[str, object]:
    """``values`` moved from the layers ``old`` (model, preset) to ``new``: what came
    from the old model's defaults or preset goes (back to the app default, if it sets
    the name), the new layers fill in, and the overridden names keep their value (or
    their absence)."""
    before = defaults.above_base(*old)
    kept: dict[str, object] = {}
    for name, value in values.items():
        if name in overridden or before.get(name, _MISSING) != value:
            kept[name] = value
        elif name in defaults.base:
            kept[name] = defaults.base[name]
    for name, value in defaults.above_base(*new).items():
        if name not in overridden:
            kept[name] = value
    return kept


def sources(
    values: Values, overridden: Collection[str], defaults: Defaults, model: str, preset: str
) -> dict[str, str]:
    """Where each of a chat's ``values`` comes from (a comparison's shared set: ``model``
    is "")."""
    model_values, preset_values = defaults.model(model), defaults.preset(preset)
    found: dict[str, str] = {}
    for name, value in values.items():
        if name in overridden:
            found[name] = SOURCE_OVERRIDE
        elif preset_values.get(name, _MISSING) == value:
            found[name] = SOURCE_PRESET
        elif model_values.get(name, _MISSING) == value:
            found[name] = SOURCE_MODEL
        elif defaults.base.get(name, _MISSING) == value:
            found[name] = SOURCE_DEFAULT
        else:  # a value of the chat's own (the layers have changed since)
            found[name] = SOURCE_OVERRIDE
    return found


def sticky_base(values: Values, found: Mapping[str, str], base: Values) -> dict[str, object]:
    """The app defaults after an edit of a chat: its own values and the app defaults it
    kept; what came from its model's defaults or its preset stays out (the old app
    default stays for those names), so no model's defaults reach another model's chat."""
    sticky: dict[str, object] = {}
    for name, value in values.items():
        if found.get(name) in (SOURCE_MODEL, SOURCE_PRESET):
            if name in base:
                sticky[name] = base[name]
        else:
            sticky[name] = value
    return sticky


# --- a comparison's columns -------------------------------------------------------------


def explicit_shared(
    shared: Values, overridden: Iterable[str], defaults: Defaults, preset: str
) -> set[str]:
    """The names of a shared set that go over each column's model defaults: the ones it
    overrides and the ones its preset gives."""
    preset_values = defaults.preset(preset)
    names = set(overridden)
    names.update(n for n, v in preset_values.items() if shared.get(n, _MISSING) == v)
    return names


def inherited(shared: Values, explicit: Collection[str], model_values: Values) -> dict[str, object]:
    """What a column of a model inherits: the shared set, with the model's defaults over
    the shared names that are not ``explicit`` (a name explicitly left out stays out)."""
    values = dict(shared)
    for name, value in model_values.items():
        if name not in explicit:
            values[name] = value
    return values


def column_sources(
    values: Values,
    overridden: Collection[str],
    defaults: Defaults,
    model: str,
    shared: Values,
    shared_overridden: Collection[str],
    preset: str,
) -> dict[str, str]:
    """Where each of a column's ``values`` comes from."""
    explicit = explicit_shared(shared, shared_overridden, defaults, preset)
    model_values = defaults.model(model)
    found: dict[str, str] = {}
    for name, value in values.items():
        if name in overridden:
            found[name] = SOURCE_OVERRIDE
        elif name not in explicit and model_values.get(name, _MISSING) == value:
            found[name] = SOURCE_MODEL
        elif name in shared_overridden:
            found[name] = SOURCE_SHARED
        elif name in explicit:
            found[name] = SOURCE_PRESET
        elif defaults.base.get(name, _MISSING) == value:
            found[name] = SOURCE_DEFAULT
        else:
            found[name] = SOURCE_SHARED
    return found
