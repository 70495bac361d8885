"""What the window looks like before anything else is loaded: its place and size, the
theme, and the widths and visibility of its side panels, read from the settings file
with the standard library alone.

The first paint happens before the settings model (msgspec and its rules), the stores and
the pages are imported, so that the window is on screen at once. Anything unreadable here
is the default: the full settings load right after decides, and says what was wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
MAX_PANEL_WIDTH = 4000


@dataclass(frozen=True, slots=True)
class FirstLook:
    """The settings the first paint needs; the defaults are ``core.settings.Settings``'s."""

    theme: str = "system"
    window_geometry: str = ""  # QWidget.saveGeometry(), base64
    sidebar_width: int = 260
    sidebar_visible: bool = True
    params_panel_width: int = 380
    params_panel_visible: bool = True


def read_first_look(path: Path) -> FirstLook:
    """The :class:`FirstLook` in the settings file at ``path``; each value that is absent
    or not of its kind is the default."""
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return FirstLook()
    if not isinstance(raw, dict):
        return FirstLook()
    default = FirstLook()

    def text(name: str, ok: re.Pattern[str] | tuple[str, ...]) -> str:
        value = raw.get(name)
        fallback: str = getattr(default, name)
        if not isinstance(value, str):
            return fallback
        fits = value in ok if isinstance(ok, tuple) else ok.match(value) is not None
        return value if fits else fallback

    def width(name: str) -> int:
        value = raw.get(name)
        kind_ok = isinstance(value, int) and not isinstance(value, bool)
        if kind_ok and isinstance(value, int) and 0 <= value <= MAX_PANEL_WIDTH:
            return value
        fallback: int = getattr(default, name)
        return fallback

    def flag(name: str) -> bool:
        value = raw.get(name)
        fallback: bool = getattr(default, name)
        return value if isinstance(value, bool) else fallback

    return FirstLook(
        theme=text("theme", ("system", "light", "dark")),
        window_geometry=text("window_geometry", _BASE64),
        sidebar_width=width("sidebar_width"),
        sidebar_visible=flag("sidebar_visible"),
        params_panel_width=width("params_panel_width"),
        params_panel_visible=flag("params_panel_visible"),
    )
