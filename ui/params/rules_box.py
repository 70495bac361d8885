"""The "Model rules" section of the parameter panel: what shapes a request to the model
on the endpoint in use, and where each rule came from.

Built-in rows (``core.model_rules.RULES``) come first, each with **Send anyway** (a menu
of the fields it holds back) that turns it off for one field on this endpoint. Then what
the endpoint taught (``core.learned_rules``): fixes of refusals, and built-in rules
turned off, marked once the endpoint accepted the field (it contradicts the built-in
rule). Each learned line has **Remove**. Only requests are emitted; the panel's owner of
the learned rules stores them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from core.learned_rules import LearnedRule
from core.model_rules import Rule
from core.params import format_value
from ui.render.highlight import escape

_SYMBOLS = {"drop": "⊘", "exclusive": "⊘", "rename": "⇄", "allow": "✓"}


def _builtin_effects(rule: Rule) -> list[str]:
    """What a built-in row does, one phrase per action."""
    effects: list[str] = []
    if rule.drop:
        effects.append(f"⊘ {', '.join(rule.drop)} not sent")
    effects.extend(f"⊘ {drop} not sent when {keep} is set" for keep, drop in rule.exclusive)
    effects.extend(f"⇄ {old} sent as {new}" for old, new in rule.rename)
    effects.extend(
        f"⇥ {field} kept within {format_value(float(low))} to {format_value(float(high))}"
        for field, low, high in rule.clamp
    )
    return effects


def _held_back(rule: Rule) -> list[str]:
    """The fields a built-in row does not send as set (the ones Send anyway offers)."""
    fields = [*rule.drop, *(drop for _, drop in rule.exclusive), *(old for old, _ in rule.rename)]
    return list(dict.fromkeys(fields))


def learned_text(entry: LearnedRule) -> str:
    """A learned rule as one line of rich text."""
    symbol = _SYMBOLS.get(entry.kind, "•")
    text = f"{symbol} <b>{escape(entry.field)}</b> {escape(entry.effect)}"
    if entry.kind == "allow" and entry.accepted_on:
        text += " — <b>the endpoint contradicts the built-in rule</b>"
    return f"{text}<br><small>{escape(entry.source[:1].upper() + entry.source[1:])}.</small>"


class ModelRulesBox(QWidget):
    """See the module docstring."""

    remove_requested = Signal(object)  # LearnedRule
    allow_requested = Signal(str)  # the field a built-in rule should leave alone

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelRules")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 2, 0, 4)
        self._layout.setSpacing(6)
        self.lines: list[QWidget] = []

    def show_rules(
        self,
        model: str,
        where: str,
        built_in: Sequence[Rule],
        learned: Sequence[LearnedRule],
    ) -> None:
        """Show the built-in rows of ``model`` (``built_in``) and what ``where`` (the
        endpoint profile) taught for it (``learned``)."""
        for line in self.lines:
            self._layout.removeWidget(line)
            line.deleteLater()
        self.lines = []
        allowed = {e.field for e in learned if e.kind == "allow"}
        rows = [rule for rule in built_in if _builtin_effects(rule)]
        for rule in rows:
            text = "<br>".join(escape(effect) for effect in _builtin_effects(rule))
            text += f"<br><small>{escape(rule.reason)} Built into Chorus.</small>"
            fields = [f for f in _held_back(rule) if f not in allowed]
            row = self._add_line(text)
            if fields:
                row.addWidget(self._send_anyway_button(fields), 0, Qt.AlignmentFlag.AlignTop)
        for entry in learned:
            row = self._add_line(learned_text(entry), tip=entry.said)
            row.addWidget(self._remove_button(entry), 0, Qt.AlignmentFlag.AlignTop)
        if not rows and not learned:
            what = f"{model} on {where}" if model else "this model"
            self._add_line(escape(f"No rules for {what}: every parameter set is sent."))

    def _add_line(self, text: str, *, tip: str = "") -> QHBoxLayout:
        """A line of the section showing ``text``; its layout, for a button."""
        line = QWidget(self)
        line.setObjectName("modelRule")
        row = QHBoxLayout(line)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        label = QLabel(text, line)
        label.setObjectName("modelRuleText")
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if tip:
            label.setToolTip(f"The server said: {tip}")
        row.addWidget(label, 1)
        self._layout.addWidget(line)
        self.lines.append(line)
        return row

    def _button(self, text: str, tip: str, accessible: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName("modelRuleButton")
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(accessible)
        return button

    def _remove_button(self, entry: LearnedRule) -> QToolButton:
        if entry.kind == "allow":
            button = self._button(
                "Restore",
                "Follow the built-in rule again",
                f"Follow the built-in rule for {entry.field} again",
            )
        else:
            button = self._button(
                "Remove",
                "Forget this rule: the field is sent as set again",
                f"Remove the learned rule for {entry.field}",
            )
        button.clicked.connect(lambda _checked=False: self.remove_requested.emit(entry))
        return button

    def _send_anyway_button(self, fields: Sequence[str]) -> QToolButton:
        button = self._button(
            "Send anyway",
            "Turn this rule off for one field on this endpoint (if the endpoint accepts "
            "it, that is noted here)",
            "Send anyway: turn this built-in rule off for a field",
        )
        menu = QMenu(button)
        for field in fields:
            action = menu.addAction(f"Send {field}")
            action.triggered.connect(lambda _checked=False, f=field: self.allow_requested.emit(f))
        button.setMenu(menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        return button
