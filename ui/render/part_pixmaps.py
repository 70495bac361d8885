"""Pixmaps of message parts that were drawn before, so a repaint blits them.

Drawing a document lays its text out again and paints every glyph: 0.3 to 3 ms for the
parts on screen, in every paint. While an answer streams, a column is repainted 30 times
a second, and most of what it shows does not change: only the part being written does
(a new document at each flush); the rest is repainted because it moved (the view keeps
the end in sight) or because the view repaints the whole row when its height changes.
So a part drawn once is drawn the next time into a pixmap on the background it sits
on (opaque, so text keeps the same antialiasing), and from then on blitted.

The pixmaps are owned by their parts (a part never changes; a changed part is a new
one) and capped in all at ``CACHE_BYTES``, the least recently painted let go first;
parts taller than ``MAX_PIXMAP_BYTES`` allows are always drawn.
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from typing import Protocol

from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QPainter,
    QPalette,
    QPixmap,
    QTextDocument,
)

CACHE_BYTES = 12 * 1024 * 1024  # all part pixmaps of the app together
MAX_PIXMAP_BYTES = 3 * 1024 * 1024  # one part's (about 1,000 × 750 pixels)


class CachedPart(Protocol):
    """What :func:`pixmap_of` needs of a part (``row_documents.PartDoc``)."""

    doc: QTextDocument
    height: int
    pixmap: tuple[int, QPixmap] | None


class _Cache:
    """Which parts hold a pixmap, least recently painted first, and their bytes."""

    def __init__(self) -> None:
        self.parts: OrderedDict[int, tuple[weakref.ref[CachedPart], int]] = OrderedDict()
        self.bytes = 0

    def touch(self, part: CachedPart) -> None:
        key = id(part)
        if key in self.parts:
            self.parts.move_to_end(key)

    def add(self, part: CachedPart, size: int) -> None:
        key = id(part)
        self.drop(key)

        def forget(_ref: weakref.ref[CachedPart]) -> None:
            self.drop(key)

        self.parts[key] = (weakref.ref(part, forget), size)
        self.bytes += size
        while self.bytes > CACHE_BYTES and len(self.parts) > 1:
            oldest, (ref, _) = next(iter(self.parts.items()))
            owner = ref()
            if owner is not None:
                owner.pixmap = None
            self.drop(oldest)

    def drop(self, key: int) -> None:
        entry = self.parts.pop(key, None)
        if entry is not None:
            self.bytes -= entry[1]


_cache = _Cache()


def cached_bytes() -> int:
    """The bytes of every part pixmap held now (for tests and diagnostics)."""
    return _cache.bytes


def pixmap_of(
    part: CachedPart, width: int, background: QColor, ratio: float, text: QColor
) -> QPixmap | None:
    """``part`` drawn on ``background`` with ``text`` as its text colour, at ``ratio``
    device pixels a pixel; None when it is too large to keep (draw it directly)."""
    key = hash((background.rgba(), text.rgba(), ratio))
    cached = part.pixmap
    if cached is not None and cached[0] == key:
        _cache.touch(part)
        return cached[1]
    doc_width = max(width, math.ceil(part.doc.size().width()))
    pixels_w, pixels_h = math.ceil(doc_width * ratio), math.ceil(part.height * ratio)
    size = pixels_w * pixels_h * 4
    if size <= 0 or size > MAX_PIXMAP_BYTES:
        return None
    pixmap = QPixmap(pixels_w, pixels_h)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(background)
    painter = QPainter(pixmap)
    ctx = QAbstractTextDocumentLayout.PaintContext()
    ctx.palette.setColor(QPalette.ColorRole.Text, text)
    part.doc.documentLayout().draw(painter, ctx)
    painter.end()
    part.pixmap = (key, pixmap)
    _cache.add(part, size)
    return pixmap
