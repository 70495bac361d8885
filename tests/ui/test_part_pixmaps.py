"""Parts drawn from pixmaps look as drawn from their documents; the pixmaps stay within
their budget; a part being written is repainted from the line it grew on."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication

from ui.render import part_pixmaps
from ui.render.live_markdown import build_parts
from ui.render.row_documents import PartHtml, RowDocs, first_change, make_document

WIDTH = 360
BACKGROUND = QColor("#ffffff")


def _docs(text: str) -> RowDocs:
    docs = RowDocs(WIDTH, "light", QFont())
    docs.sync("body", build_parts(text).parts)
    docs.stack()
    return docs


def _painted(docs: RowDocs) -> QImage:
    image = QImage(WIDTH + 40, docs.height, QImage.Format.Format_RGB32)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    docs.paint(painter, 0, 0, QRectF(0, 0, image.width(), image.height()), BACKGROUND)
    painter.end()
    return image


def test_a_part_drawn_again_is_blitted_and_looks_the_same(qapp: QApplication) -> None:
    text = "A paragraph with **bold** and `code`.\n\n- one\n- two\n\n```python\nx = 1\n```"
    docs = _docs(text)
    first = _painted(docs)  # from the documents
    assert all(item.pixmap is None for item in docs.flat)
    second = _painted(docs)  # from pixmaps made now
    third = _painted(docs)  # blitted
    assert all(item.pixmap is not None for item in docs.flat)
    assert first == second == third


def test_the_pixmaps_stay_within_their_budget(qapp: QApplication, monkeypatch) -> None:
    monkeypatch.setattr(part_pixmaps, "CACHE_BYTES", 200_000)
    kept = []
    for i in range(40):
        docs = _docs(f"Paragraph {i}. " + "Words to fill a few lines of text. " * 12)
        _painted(docs)
        _painted(docs)
        kept.append(docs)
    assert part_pixmaps.cached_bytes() <= 200_000
    assert any(item.pixmap is None for docs in kept for item in docs.flat)
    kept.clear()
    del docs
    assert part_pixmaps.cached_bytes() == 0  # dropped with their parts


def test_text_added_to_a_part_is_repainted_from_its_last_line(qapp: QApplication) -> None:
    font = QFont()
    old = make_document(PartHtml("<p>" + "word " * 60 + "</p>").html, "light", WIDTH, font)
    new = make_document(PartHtml("<p>" + "word " * 80 + "</p>").html, "light", WIDTH, font)
    top = first_change(old, new)
    last_line = old.firstBlock().layout().lineAt(old.firstBlock().layout().lineCount() - 1)
    assert top > 0 and abs(top - last_line.y()) < 1


def test_restyled_text_is_repainted_whole(qapp: QApplication) -> None:
    font = QFont()
    old = make_document(build_parts("Some **bold").parts[0].html, "light", WIDTH, font)
    new = make_document(build_parts("Some **bold** text").parts[0].html, "light", WIDTH, font)
    assert first_change(old, new) == 0
