"""Coloured status text: green for success, red for errors, muted for hints.

The colours follow the application palette, so a sentence stays readable on light and
dark themes, and a label re-colours itself when the palette changes.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

Tone = Literal["normal", "muted", "ok", "error"]

# (on a light background, on a dark background)
_COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("#1e7a34", "#6fcf83"),
    "error": ("#c62828", "#ff7b72"),
}


def tone_color(palette: QPalette, tone: Tone) -> QColor:
    """The text colour of ``tone`` on ``palette``'s window background."""
    if tone == "normal":
        return palette.color(QPalette.ColorRole.WindowText)
    if tone == "muted":
        return palette.color(QPalette.ColorRole.PlaceholderText)
    light, dark = _COLOURS[tone]
    is_dark = palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5
    return QColor(dark if is_dark else light)


_PALETTE_EVENTS = (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange)


class _Retone(QObject):
    """Re-applies a label's tone when the application palette changes (a theme switch)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _PALETTE_EVENTS and isinstance(watched, QLabel):
            tone = watched.property("tone")
            if tone in ("normal", "muted", "ok", "error"):
                _apply(watched, tone)
        return False


_retone: _Retone | None = None


def _apply(label: QLabel, tone: Tone) -> None:
    colour = tone_color(QApplication.palette(), tone)
    palette = label.palette()
    if palette.color(QPalette.ColorRole.WindowText) != colour:  # also ends the PaletteChange
        palette.setColor(QPalette.ColorRole.WindowText, colour)
        label.setPalette(palette)


def set_tone(label: QLabel, tone: Tone) -> None:
    """Colour ``label``'s text; the tone is kept in the ``tone`` property for styling."""
    global _retone
    if _retone is None:
        _retone = _Retone()
    if label.property("tone") is None:
        label.installEventFilter(_retone)
    label.setProperty("tone", tone)
    _apply(label, tone)
