"""The documents of one message row, stacked top to bottom, and how they are painted.

A row is a list of small QTextDocuments in sections: ``head`` (header, thinking
toggle), ``think`` (reasoning when open), ``body`` (one document per Markdown part),
``tools`` and ``foot`` (choices, error box, stats, streaming indicator). Painting draws
only the documents that meet the clip rectangle; hit-testing finds the document under a
point and asks its layout for the link there.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QPainter,
    QPalette,
    QPixmap,
    QTextDocument,
    QTextLine,
)

from ui.render.palette import palette, stylesheet
from ui.render.part_pixmaps import pixmap_of

SECTIONS = ("head", "think", "body", "tools", "foot")
H_PAD = 16  # left and right padding of a row
V_PAD = 10  # top and bottom padding of a row
SECTION_GAP = 6
BLOCK_GAP = 8
HEADING_GAP = 14


@dataclass(frozen=True, slots=True)
class PartHtml:
    """What a document shows: its HTML, kind ("block", "heading", "code") and fence."""

    html: str
    kind: str = "block"
    fence: int = -1


class PartLike(Protocol):
    @property
    def html(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def fence(self) -> int: ...


def make_document(html: str, theme: str, width: float, font: QFont) -> QTextDocument:
    doc = QTextDocument()
    doc.setUndoRedoEnabled(False)
    doc.setDocumentMargin(0)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(stylesheet(theme))
    doc.setHtml(html)
    doc.setTextWidth(width)
    return doc


def first_change(old: QTextDocument, new: QTextDocument) -> float:
    """Where (y in ``new``) ``new`` starts to look different from ``old``: 0 unless ``new``
    only adds text to ``old`` (a part being written), then the top of the line the old
    text ended on. Text that was only added after changes nothing before it: Markdown
    that restyles earlier text (a closing ``**``, a table's delimiter row) removes or
    moves characters, so the old text is then no longer a prefix."""
    old_text = old.toPlainText()
    if not old_text or not new.toPlainText().startswith(old_text):
        return 0.0
    old.documentLayout().documentSize()  # laid out (a PartDoc's document always is)
    old_last = old.lastBlock()
    new_block = new.findBlockByNumber(old.blockCount() - 1)
    if not new_block.isValid() or new_block.blockFormat() != old_last.blockFormat():
        return 0.0
    top = new.documentLayout().blockBoundingRect(new_block).top()
    line = new_block.layout().lineAt(max(0, old_last.layout().lineCount() - 1))
    if line.isValid():
        top += line.y()
    return max(0.0, top)


class PartDoc:
    """One document of a row and where it sits; ``dirty_from``: where (in the document)
    it changed last, for the repaint of a part being written."""

    __slots__ = (
        "__weakref__",
        "dirty_from",
        "doc",
        "fence",
        "height",
        "html",
        "kind",
        "painted",
        "pixmap",
        "section",
        "y",
    )

    def __init__(self, doc: QTextDocument, part: PartLike, section: str) -> None:
        self.doc = doc
        self.html = part.html
        self.kind = part.kind
        self.fence = part.fence
        self.section = section
        self.y = 0.0
        self.dirty_from = 0.0
        self.height = math.ceil(doc.documentLayout().documentSize().height())
        self.painted = 0  # times drawn from the document
        self.pixmap: tuple[int, QPixmap] | None = None  # (background rgba, the drawing)


class RowDocs:
    """The documents of one row at one width."""

    def __init__(self, width: int, theme: str, font: QFont) -> None:
        self.width = width
        self.theme = theme
        self.font = font
        self.sections: dict[str, list[PartDoc]] = {name: [] for name in SECTIONS}
        self.flat: list[PartDoc] = []
        self._tops: list[float] = []
        self.height = 2 * V_PAD
        self.complete = True  # False while a build is still adding documents
        self._changed: list[PartDoc] = []
        self._dirty_top = math.inf  # top of removed documents since the last take

    # --- building -------------------------------------------------------------------

    def sync(self, section: str, parts: Sequence[PartLike]) -> bool:
        """Make ``section`` show ``parts``; unchanged documents are kept. True if changed."""
        docs = self.sections[section]
        changed = len(docs) != len(parts)
        for i, part in enumerate(parts):
            if i < len(docs) and docs[i].html == part.html:
                if docs[i].kind != part.kind or docs[i].fence != part.fence:
                    docs[i].kind, docs[i].fence = part.kind, part.fence
                    changed = True
                continue
            doc = make_document(part.html, self.theme, self.width, self.font)
            item = PartDoc(doc, part, section)
            if i < len(docs):
                old = docs[i]
                if old.kind == item.kind and old.fence == item.fence:
                    item.dirty_from = first_change(old.doc, doc)
                if item.dirty_from <= 0:
                    self._dirty_top = min(self._dirty_top, old.y)
                docs[i] = item
            else:
                docs.append(item)
            self._changed.append(item)
            changed = True
        self._remove_from(docs, len(parts))
        return changed

    def _remove_from(self, docs: list[PartDoc], start: int) -> None:
        for item in docs[start:]:
            self._dirty_top = min(self._dirty_top, item.y)
        del docs[start:]

    def take_dirty_top(self) -> int:
        """The top (row coordinates) of what changed since the last call; -1 if nothing.

        Call after :meth:`stack`.
        """
        top = min([self._dirty_top, *(item.y + item.dirty_from for item in self._changed)])
        self._changed = []
        self._dirty_top = math.inf
        return -1 if top == math.inf else max(0, int(top) - 2)

    def iter_sync(self, section: str, parts: Sequence[PartLike]) -> Iterator[None]:
        """:meth:`sync` one document at a time (``yield`` after each new document)."""
        docs = self.sections[section]
        for i, part in enumerate(parts):
            if i < len(docs) and docs[i].html == part.html:
                continue
            doc = make_document(part.html, self.theme, self.width, self.font)
            item = PartDoc(doc, part, section)
            if i < len(docs):
                docs[i] = item
            else:
                docs.append(item)
            self.stack()
            yield
        self._remove_from(docs, len(parts))
        self.stack()

    def replace(self, section: str, index: int, part: PartLike) -> None:
        docs = self.sections[section]
        if 0 <= index < len(docs):
            doc = make_document(part.html, self.theme, self.width, self.font)
            docs[index] = PartDoc(doc, part, section)
            self._changed.append(docs[index])

    def stack(self) -> int:
        """Place the documents one under another; returns the row height."""
        flat: list[PartDoc] = []
        y = float(V_PAD)
        prev: PartDoc | None = None
        for name in SECTIONS:
            for item in self.sections[name]:
                if item.height <= 0 and not item.html:
                    continue
                if prev is not None:
                    y += _gap(prev, item)
                item.y = y
                y += item.height
                flat.append(item)
                prev = item
        self.flat = flat
        self._tops = [item.y for item in flat]
        self.height = math.ceil(y) + V_PAD
        return self.height

    # --- painting and hit-testing -------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        x: float,
        y: float,
        clip: QRectF,
        background: QColor | None = None,
    ) -> None:
        """Draw the documents meeting ``clip`` (row coordinates) with the row at (x, y).

        With the ``background`` they are drawn on, a document drawn before is drawn from
        its pixmap (see :mod:`ui.render.part_pixmaps`): a blit instead of laying text out
        again, for the parts that stay while the one being written changes."""
        p = palette(self.theme)
        text = QColor(p.text)
        muted = QColor(p.muted)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        first = max(0, bisect.bisect_right(self._tops, clip.top()) - 1)
        ratio = painter.device().devicePixelRatioF() if background is not None else 1.0
        for item in self.flat[first:]:
            if item.y > clip.bottom():
                break
            if item.y + item.height < clip.top():
                continue
            color = muted if item.section == "think" else text
            if background is not None and item.painted:
                pixmap = pixmap_of(item, self.width, background, ratio, color)
                if pixmap is not None:
                    visible = clip.intersected(QRectF(H_PAD, item.y, pixmap.width(), item.height))
                    source = visible.translated(-H_PAD, -item.y)
                    scale = pixmap.devicePixelRatio()
                    painter.drawPixmap(
                        visible.translated(x, y),
                        pixmap,
                        QRectF(
                            source.x() * scale,
                            source.y() * scale,
                            source.width() * scale,
                            source.height() * scale,
                        ),
                    )
                    continue
            ctx.palette.setColor(QPalette.ColorRole.Text, color)
            ctx.clip = clip.translated(-H_PAD, -item.y)
            painter.save()
            painter.translate(x + H_PAD, y + item.y)
            item.doc.documentLayout().draw(painter, ctx)
            painter.restore()
            item.painted += 1

    def item_at(self, point: QPointF) -> PartDoc | None:
        i = bisect.bisect_right(self._tops, point.y()) - 1
        if 0 <= i < len(self.flat) and point.y() <= self.flat[i].y + self.flat[i].height:
            return self.flat[i]
        return None

    def anchor_at(self, point: QPointF) -> str:
        """The link under ``point`` (row coordinates), or ""."""
        item = self.item_at(point)
        if item is None:
            return ""
        local = QPointF(point.x() - H_PAD, point.y() - item.y)
        return item.doc.documentLayout().anchorAt(local)

    def tooltip_at(self, point: QPointF) -> str:
        item = self.item_at(point)
        if item is None:
            return ""
        local = QPointF(point.x() - H_PAD, point.y() - item.y)
        pos = item.doc.documentLayout().hitTest(local, Qt.HitTestAccuracy.ExactHit)
        if pos < 0:
            return ""
        block = item.doc.findBlock(pos)
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.contains(pos):
                return fragment.charFormat().toolTip()
            it += 1
        return ""

    def anchor_rect(self, href: str) -> QRectF | None:
        """Where the first link to ``href`` is (row coordinates), or None."""
        for item in self.flat:
            rect = _anchor_rect(item.doc, href)
            if rect is not None:
                return rect.translated(H_PAD, item.y)
        return None

    def section_rect(self, section: str) -> QRectF:
        """The area of a section's documents (row coordinates); empty if it has none."""
        items = [item for item in self.flat if item.section == section]
        if not items:
            return QRectF()
        top = items[0].y
        bottom = items[-1].y + items[-1].height
        return QRectF(H_PAD, top, self.width, bottom - top)

    def plain_text(self, section: str = "body") -> str:
        return "\n".join(item.doc.toPlainText() for item in self.sections[section])


def _gap(prev: PartDoc, item: PartDoc) -> int:
    if prev.section != item.section:
        return SECTION_GAP
    if item.kind == "code" and prev.kind == "code" and prev.fence == item.fence >= 0:
        return 0
    if item.kind == "heading":
        return HEADING_GAP
    return BLOCK_GAP


def _anchor_rect(doc: QTextDocument, href: str) -> QRectF | None:
    layout = doc.documentLayout()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isAnchor() and fmt.anchorHref() == href:
                box = layout.blockBoundingRect(block)
                text_layout = block.layout()
                start = fragment.position() - block.position()
                line = text_layout.lineForTextPosition(start)
                if not line.isValid():
                    return box
                x1 = _cursor_x(line, start)
                x2 = _cursor_x(line, start + fragment.length())
                origin = box.topLeft()
                return QRectF(origin.x() + x1, origin.y() + line.y(), x2 - x1, line.height())
            it += 1
        block = block.next()
    return None


def _cursor_x(line: QTextLine, position: int) -> float:
    found: object = line.cursorToX(position)
    if isinstance(found, tuple):
        found = found[0]
    return float(found)  # type: ignore[arg-type]
