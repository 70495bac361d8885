"""The application icon: the PNGs in ``resources/icons``, found next to the code both in
the source tree and inside a PyInstaller bundle (which keeps the same layout)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

ICONS_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """Chorus's icon at every size there is a PNG for (null when none is found)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = ICONS_DIR / f"chorus-{size}.png"
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon
