"""The application icon: found from the source tree, at every size, set on the app."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from ui.common.icon import ICON_SIZES, ICONS_DIR, app_icon


def test_every_png_has_its_size() -> None:
    for size in ICON_SIZES:
        image = QImage(str(ICONS_DIR / f"chorus-{size}.png"))
        assert not image.isNull(), size
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()


def test_app_icon_offers_every_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(ICON_SIZES)
    assert icon.pixmap(QSize(48, 48)).size() == QSize(48, 48)


def test_the_svg_source_is_there() -> None:
    text = (ICONS_DIR / "chorus.svg").read_text(encoding="utf-8")
    assert "<svg" in text
    assert 'viewBox="0 0 256 256"' in text
