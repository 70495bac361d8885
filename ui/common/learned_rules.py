"""The learned rules of the settings as a service: read them, and change them through the
:class:`SettingsService` (saved and announced as ``changed("learned_rules")``).

What the rules are and how they shape a request: :mod:`core.learned_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping

from core import learned_rules as learned
from core.learned_rules import LearnedRule
from core.model_rules import Rule
from core.refusals import Fix
from ui.common.settings_service import SettingsService

FIELD = "learned_rules"  # the settings field, as SettingsService.changed names it


class LearnedRules:
    def __init__(self, prefs: SettingsService) -> None:
        self.prefs = prefs

    @property
    def entries(self) -> list[LearnedRule]:
        return list(self.prefs.settings.learned_rules)

    def rules(self, profile: str, model: str) -> list[Rule]:
        """The rows that shape a request to ``model`` on ``profile``."""
        return learned.rules_for(self.entries, profile, model)

    def for_model(self, profile: str, model: str) -> list[LearnedRule]:
        return learned.learned_for(self.entries, profile, model)

    def learn(self, profile: str, model: str, fix: Fix, *, endpoint: str, said: str) -> None:
        entries = learned.learn(self.entries, profile, model, fix, endpoint=endpoint, said=said)
        self._set(entries)

    def allow(self, profile: str, model: str, field: str) -> None:
        self._set(learned.allow(self.entries, profile, model, field))

    def answered(
        self, profile: str, model: str, sent: Mapping[str, object], *, endpoint: str
    ) -> None:
        """A request to ``model`` on ``profile`` that sent ``sent`` was answered."""
        entries = learned.accepted(self.entries, profile, model, sent, endpoint=endpoint)
        if entries is not None:
            self._set(entries)

    def remove(self, entry: LearnedRule) -> None:
        self._set(learned.removed(self.entries, entry))

    def _set(self, entries: list[LearnedRule]) -> None:
        self.prefs.set(learned_rules=entries)
