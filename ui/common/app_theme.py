"""Light and dark palettes on the Fusion style; "system" follows the desktop's scheme."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_DARK = {
    QPalette.ColorRole.Window: "#1f2124",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#17181a",
    QPalette.ColorRole.AlternateBase: "#24262a",
    QPalette.ColorRole.ToolTipBase: "#2b2d31",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8a8f98",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#2b2d31",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Highlight: "#3d6fd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#7aa7ff",
    QPalette.ColorRole.Mid: "#3a3d42",
    QPalette.ColorRole.Dark: "#111214",
    QPalette.ColorRole.Light: "#3a3d42",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f3f4f6",
    QPalette.ColorRole.WindowText: "#1d1f23",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f6f7f9",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1d1f23",
    QPalette.ColorRole.PlaceholderText: "#80868f",
    QPalette.ColorRole.Text: "#1d1f23",
    QPalette.ColorRole.Button: "#eceef1",
    QPalette.ColorRole.ButtonText: "#1d1f23",
    QPalette.ColorRole.BrightText: "#c62828",
    QPalette.ColorRole.Highlight: "#2f6fde",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#1f5fcf",
    QPalette.ColorRole.Mid: "#c9ced6",
    QPalette.ColorRole.Dark: "#a0a6b0",
    QPalette.ColorRole.Light: "#ffffff",
}


def resolve_theme(setting: str) -> str:
    """ "light" or "dark" for a setting of "system", "light" or "dark"."""
    if setting in ("light", "dark"):
        return setting
    from PySide6.QtCore import Qt

    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def quick_theme(app: QApplication, setting: str) -> str:
    """:func:`resolve_theme` without asking the desktop for its colour scheme: "system"
    is what the platform's own palette looks like. For the first paint, as the answer
    costs ~13 ms (Qt's namespace made on first use); :func:`apply_theme` asks after."""
    if setting in ("light", "dark"):
        return setting
    return "dark" if app.palette().color(QPalette.ColorRole.Window).lightness() < 128 else "light"


def apply_theme(app: QApplication, setting: str, *, quick: bool = False) -> str:
    """Apply the palette for ``setting``; returns the theme in effect. ``quick``: decide
    "system" by :func:`quick_theme`."""
    theme = quick_theme(app, setting) if quick else resolve_theme(setting)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")  # once: a new style object at every theme change is waste
    palette = QPalette()
    for role, colour in (_DARK if theme == "dark" else _LIGHT).items():
        palette.setColor(role, QColor(colour))
        if role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
            muted = QColor(colour)
            muted.setAlpha(110)
            palette.setColor(QPalette.ColorGroup.Disabled, role, muted)
            palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, muted)
    app.setPalette(palette)
    return theme
