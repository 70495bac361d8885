"""The parameter panel: every field of ``core.params.PARAMS`` as a row, grouped, with presets."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.model_rules import (
    Rule,
    field_limits,
    matching_rules,
    renamed_fields,
    unsupported_fields,
)
from core.param_validation import tool_names, validate, validate_all
from core.params import (
    GROUPS,
    PARAM_BY_NAME,
    PARAMS,
    ParamError,
    ParamSpec,
    default_values,
)
from core.request import build_body
from ui.common.learned_rules import FIELD as LEARNED_FIELD
from ui.common.learned_rules import LearnedRules
from ui.params.editors.choice_editor import ChoiceEditor
from ui.params.editors.factory import editor_for
from ui.params.group import ParamGroup
from ui.params.presets import ParamPresetBar
from ui.params.row import ParamRow
from ui.params.rules_box import ModelRulesBox

log = logging.getLogger(__name__)

EMIT_INTERVAL_MS = 50  # params_changed at most this often while a value is dragged
COLLAPSED_GROUPS = ("Tools", "Advanced")


def _is_on(value: object) -> bool:
    return value is True or (isinstance(value, list) and bool(value))


def _in_body(body: Mapping[str, object], spec: ParamSpec, renamed: Mapping[str, str]) -> bool:
    top, *rest = spec.name.split(".")
    node: object = body.get(renamed.get(top, top), None)
    for key in rest:
        node = node.get(key) if isinstance(node, dict) else None
    return node is not None


def _defined_tool_names(values: Mapping[str, object]) -> list[str]:
    """The function names of every ``json`` field (tools), for ``tool_choice`` to offer."""
    names: list[str] = []
    for name, value in values.items():
        if PARAM_BY_NAME[name].kind == "json" and isinstance(value, list):
            names.extend(tool_names([tool for tool in value if isinstance(tool, dict)]))
    return names


class ParamsPanel(QWidget):
    """A scrollable panel generated from ``PARAMS``: collapsible groups in ``GROUPS``
    order, one :class:`ParamRow` per field, the preset row and Reset all at the top, and
    a summary line of how many fields are set and which will not reach the model.

    ``params_changed`` carries :meth:`values` after each change a person makes, at most
    once per ``EMIT_INTERVAL_MS`` (the last value of a drag is always emitted).

    Given ``learned`` (the rules endpoints taught), the markers follow them too and a
    "Model rules" section first lists every rule for the model on the endpoint of
    :meth:`set_model`, where learned ones are removed and built-in ones turned off.
    """

    params_changed = Signal(dict)
    preset_save_requested = Signal(str)
    preset_load_requested = Signal(str)
    preset_delete_requested = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, *, learned: LearnedRules | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("paramsPanel")
        self._model = ""
        self._rules_for: tuple[str, str] | None = None  # the model and profile the rows show
        self._profile = ""
        self._learned = learned
        self._rules: list[Rule] = []
        self._unsupported: dict[str, str] = {}
        self._always_dropped: set[str] = set()
        self._renamed: dict[str, str] = {}
        self._limits: dict[str, tuple[float, float]] = {}
        self._marks: tuple[object, ...] = ()  # what set_model last applied
        self._last_emitted: dict[str, object] = {}

        self.presets = ParamPresetBar(self)
        self.presets.save_requested.connect(self.preset_save_requested)
        self.presets.load_requested.connect(self.preset_load_requested)
        self.presets.delete_requested.connect(self.preset_delete_requested)
        self.summary = QLabel(self)
        self.summary.setObjectName("paramsSummary")
        self.summary.setWordWrap(True)
        self.note = QLabel(self)  # what the page adds, e.g. the columns' own defaults
        self.note.setObjectName("paramsNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.reset_all_button = QPushButton("Reset all", self)
        self.reset_all_button.setToolTip("Every parameter back to the app default")
        self.reset_all_button.clicked.connect(self.reset_all)

        self.groups: dict[str, ParamGroup] = {}
        self.rows: dict[str, ParamRow] = {}
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 6, 0)
        content_layout.setSpacing(4)
        self.rules_box: ModelRulesBox | None = None
        if learned is not None:
            self.rules_box = ModelRulesBox()
            self.rules_box.remove_requested.connect(learned.remove)
            self.rules_box.allow_requested.connect(
                lambda field: learned.allow(self._profile, self._model, field)
            )
            learned.prefs.changed.connect(self._settings_changed)
            self.rules_group = ParamGroup("Model rules")
            self.rules_group.add_row(self.rules_box)
            content_layout.addWidget(self.rules_group)
        for group_name in GROUPS:
            group = ParamGroup(group_name, expanded=group_name not in COLLAPSED_GROUPS)
            for spec in PARAMS:
                if spec.group == group_name:
                    row = ParamRow(spec, editor_for(spec))
                    row.changed.connect(self._row_changed)
                    group.add_row(row)
                    self.rows[spec.name] = row
            self.groups[group_name] = group
            content_layout.addWidget(group)
        content_layout.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("paramsScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)

        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.reset_all_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.presets)
        layout.addLayout(summary_row)
        layout.addWidget(self.note)
        layout.addWidget(self.scroll_area, 1)

        self._emit_timer = QTimer(self)
        self._emit_timer.setSingleShot(True)
        self._emit_timer.setInterval(EMIT_INTERVAL_MS)
        self._emit_timer.timeout.connect(self._emit)
        self.set_values(default_values())

    # --- public -------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """The fields that are set (sent when the model and ``requires`` allow), by name."""
        return {name: row.value() for name, row in self.rows.items() if row.is_sent()}

    def set_values(self, values: Mapping[str, object]) -> None:
        """Shows ``values`` (fields absent are not sent) without emitting ``params_changed``.

        A value a field does not accept is left out, and logged.
        """
        for name, row in self.rows.items():
            if name not in values:
                row.set_state(False, row.spec.initial_value())
                continue
            try:
                row.set_state(True, validate(name, values[name]))
            except ParamError as exc:
                log.warning("Parameter %s not loaded: %s", name, exc)
                row.set_state(False, row.spec.initial_value())
        unknown = sorted(set(values) - set(PARAM_BY_NAME))
        if unknown:
            log.warning("Unknown parameters not loaded: %s", ", ".join(unknown))
        self._emit_timer.stop()
        self._last_emitted = self.values()
        self._update_derived()

    def set_sources(self, sources: Mapping[str, str]) -> None:
        """Beside each set field, where its value comes from ("model default", "preset",
        "override"); fields not in ``sources`` show their label alone."""
        for name, row in self.rows.items():
            source = sources.get(name, "") if row.is_sent() else ""
            row.toggle.setText(f"{row.spec.label}  · {source}" if source else row.spec.label)
            row.toggle.setToolTip(f"This value comes from: {source}" if source else "")

    def set_note(self, text: str) -> None:
        """A line under the summary ("" hides it)."""
        if self.note.text() != text:
            self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_model(self, model: str, profile: str = "") -> None:
        """Marks the fields ``model`` (on the endpoint profile ``profile``) will not
        receive, receives renamed or clamped. The same model again changes nothing (a
        page says it changed several times a send: rebuilding the rows each time held
        the window ~20 ms when four columns started at once)."""
        if self._rules_for == (model.strip(), profile):
            return
        self._model, self._profile = model.strip(), profile
        self._apply_rules()

    def _settings_changed(self, name: str) -> None:
        if name == LEARNED_FIELD:
            self._apply_rules()

    def _apply_rules(self) -> None:
        model, learned = self._model, self._learned
        self._rules_for = (model, self._profile)
        if not model:
            rules: list[Rule] = []
        elif learned is not None:
            rules = learned.rules(self._profile, model)
        else:
            rules = matching_rules(model)
        self._rules = rules
        self._unsupported = unsupported_fields(model, rules=rules)
        self._always_dropped = {field for rule in rules for field in rule.drop}
        self._renamed = renamed_fields(model, rules=rules)
        self._limits = field_limits(model, rules=rules)
        if self.rules_box is not None and learned is not None:
            built_in = matching_rules(model) if model else []
            self.rules_box.show_rules(
                model, self._profile, built_in, learned.for_model(self._profile, model)
            )
        self._update_derived()

    def set_presets(self, names: Sequence[str]) -> None:
        self.presets.set_presets(names)

    def reset_all(self) -> None:
        """Every field back to the app default (what a new chat starts with)."""
        for row in self.rows.values():
            row.reset()

    def summary_text(self) -> str:
        return self.summary.text()

    def flush(self) -> None:
        """Emits a pending ``params_changed`` now instead of at the end of the interval."""
        if self._emit_timer.isActive():
            self._emit_timer.stop()
            self._emit()

    # --- reactions ----------------------------------------------------------------

    def _row_changed(self) -> None:
        self._update_derived()
        if not self._emit_timer.isActive():
            self._emit_timer.start()

    def _emit(self) -> None:
        values = self.values()
        if values != self._last_emitted:
            self._last_emitted = values
            self.params_changed.emit(dict(values))

    def _update_derived(self) -> None:
        """Everything that follows from the values and the model: which rows wait for
        another field, cross-field errors, model markers, group counts and the summary."""
        values = self.values()
        names = _defined_tool_names(values)
        errors = validate_all(values)
        try:
            built = build_body(self._model, [], values, rules=self._rules)
        except ParamError:  # not expected: every row holds a valid value
            built = None
        dropped = (
            {adj.field for adj in built.adjustments if adj.action == "dropped"} if built else set()
        )
        not_sent: list[str] = []
        for name, row in self.rows.items():
            spec = row.spec
            if spec.requires:
                needed = PARAM_BY_NAME[spec.requires]
                verb = "is on" if needed.kind == "bool" else "is set"
                row.set_available(
                    _is_on(values.get(spec.requires)), f"Only sent when {needed.label} {verb}."
                )
            if isinstance(row.editor, ChoiceEditor) and spec.free_text:
                row.editor.set_suggestions(names)
            row.editor.set_extra_error(errors.get(name, ""))
            top = spec.top_level
            row.set_model_notes(
                self._model,
                unsupported=self._unsupported.get(top, ""),
                renamed=self._renamed.get(top, ""),
                limit=self._limits.get(top),
                struck=top in self._always_dropped or (row.is_sent() and top in dropped),
            )
            if (
                row.is_sent()
                and built is not None
                and not _in_body(built.body, spec, self._renamed)
            ):
                not_sent.append(name)
        for group in self.groups.values():
            group.set_count(sum(1 for name in values if PARAM_BY_NAME[name].group == group.title))
        self.summary.setText(self._summary(len(values), not_sent))
        self.reset_all_button.setEnabled(not all(row.is_default() for row in self.rows.values()))

    def _summary(self, count: int, not_sent: list[str]) -> str:
        if not count:
            return "No parameters set: the server's defaults apply."
        text = f"{count} parameter{'' if count == 1 else 's'} set"
        if not_sent:
            target = f" to {self._model}" if self._model else ""
            text += f" · {len(not_sent)} not sent{target} ({', '.join(not_sent)})"
        return text
