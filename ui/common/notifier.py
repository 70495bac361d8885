"""The one message bridge: controllers, pages and dialogs report here; the window shows it.

A notice has a level ("info" goes to the status bar, "warning" and "error" to the notice
bar), a sentence, an optional action (a button label and what it does) and an optional
``key``: a notice with the key of one already shown replaces it instead of adding a line,
and :meth:`Notifier.clear` takes it back (a save that failed and then worked again). Every
notice is logged, so a message a person saw is in the debug log too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Level = Literal["info", "warning", "error"]
Action = tuple[str, Callable[[], object]]
_LOG_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.WARNING}


@dataclass(frozen=True, slots=True)
class Notice:
    level: Level
    text: str
    action: Action | None = None
    key: str = ""


class Notifier(QObject):
    posted = Signal(object)  # Notice
    cleared = Signal(str)  # the key of a notice that no longer holds
    endpoint_problem = Signal(str, str)  # profile name, sentence: the key dialog can fix it
    undo_offered = Signal(str, object)  # sentence, a callable that undoes it

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shown: list[Notice] = []  # every notice posted, oldest first (for tests, logs)

    def post(self, level: Level, text: str, *, action: Action | None = None, key: str = "") -> None:
        notice = Notice(level, text, action, key)
        log.log(_LOG_LEVELS[level], "%s: %s", level, text)
        self.shown.append(notice)
        del self.shown[:-200]
        self.posted.emit(notice)

    def info(self, text: str, *, key: str = "") -> None:
        self.post("info", text, key=key)

    def warning(self, text: str, *, action: Action | None = None, key: str = "") -> None:
        self.post("warning", text, action=action, key=key)

    def error(self, text: str, *, action: Action | None = None, key: str = "") -> None:
        self.post("error", text, action=action, key=key)

    def clear(self, key: str) -> None:
        self.cleared.emit(key)

    def offer_undo(self, text: str, undo: Callable[[], object]) -> None:
        """Something was deleted: say so, with a way to take it back."""
        log.info("undoable: %s", text)
        self.undo_offered.emit(text, undo)

    def cannot_use_endpoint(self, profile: str, text: str) -> None:
        """The endpoint of ``profile`` cannot send (no key, bad URL, keyring locked)."""
        log.warning("endpoint %s: %s", profile, text)
        self.endpoint_problem.emit(profile, text)
