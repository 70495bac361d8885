"""Paints message rows from their cached documents and turns clicks on links into
``link_activated(message id, href)``.

Heights never come from here: the view reads them from the model's ``SizeHintRole``, so
only :meth:`MessageDelegate.paint` runs Python while scrolling. A row without documents
is built within the frame's budget; what does not fit goes on in idle slices.

Double-click (or the view's "Select text…") opens a read-only QTextBrowser over the row
so part of a message can be selected and copied; Esc closes it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QToolTip,
    QWidget,
)

from ui.render.idle_worker import URGENT
from ui.render.palette import palette, stylesheet
from ui.render.row_documents import H_PAD, RowDocs
from ui.render.row_renderer import RowRenderer

FRAME_BUDGET_MS = 12.0  # time one paint may spend building rows that have no documents
ModelIndex = QModelIndex | QPersistentModelIndex


class MessageDelegate(QStyledItemDelegate):
    """Paints rows and handles their links; see the module docstring."""

    link_activated = Signal(str, str)  # message id, href

    def __init__(self, renderer: RowRenderer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.renderer = renderer
        self._budget_ms = FRAME_BUDGET_MS
        self._frame = QRectF()
        self._hover_link = False

    def begin_frame(self, exposed: QRect) -> None:
        """A paint of ``exposed`` (viewport coordinates) starts."""
        self._budget_ms = FRAME_BUDGET_MS
        self._frame = QRectF(exposed)

    # --- painting -----------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        rect: QRect = option.rect
        renderer = self.renderer
        row = index.row()
        item = renderer.model.row_at(row)
        colors = palette(renderer.theme)
        if item.message.role == "user":
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colors.user_bg))
            painter.drawRoundedRect(QRectF(rect.adjusted(6, 3, -6, -3)), 8, 8)
            painter.restore()
        state = option.state
        if state & QStyle.StateFlag.State_HasFocus:
            painter.fillRect(
                QRect(rect.left() + 1, rect.top() + 6, 3, rect.height() - 12), QColor(colors.link)
            )
        docs = renderer.cached(item.id)
        if docs is None and self._budget_ms > 0:
            start = time.perf_counter()
            docs = renderer.docs_for(row, self._budget_ms)
            self._budget_ms -= (time.perf_counter() - start) * 1000
        elif docs is None:
            renderer.ensure_build(item.id, URGENT)
        if docs is None:
            return
        clip = QRectF(rect)
        if not self._frame.isEmpty():
            clip = clip.intersected(self._frame)
        if painter.hasClipping():
            clip = clip.intersected(painter.clipBoundingRect())
        clip.translate(-rect.left(), -rect.top())
        background = QColor(colors.user_bg if item.message.role == "user" else colors.base)
        docs.paint(painter, rect.left(), rect.top(), clip, background)

    # --- links, tooltips ------------------------------------------------------------------

    def anchor_at(self, index: ModelIndex, point: QPointF, rect: QRect) -> str:
        """The link at ``point`` (view coordinates) in the row of ``index``, or ""."""
        docs = self._docs(index)
        if docs is None:
            return ""
        return docs.anchor_at(point - QPointF(rect.topLeft()))

    def anchor_rect(self, view: QAbstractItemView, index: ModelIndex, href: str) -> QRect:
        """Where the link ``href`` of a row is, in viewport coordinates (empty if absent)."""
        row_rect = view.visualRect(index)
        docs = self._docs(index)
        if docs is None:
            return QRect()
        found = docs.anchor_rect(href)
        if found is None:
            return QRect()
        return found.translated(QPointF(row_rect.topLeft())).toAlignedRect()

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: ModelIndex,
    ) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove):
            return False
        assert isinstance(event, QMouseEvent)
        rect: QRect = option.rect
        href = self.anchor_at(index, event.position(), rect)
        if kind == QEvent.Type.MouseMove:
            self._set_hover(option, bool(href))
            return False
        if href and event.button() == Qt.MouseButton.LeftButton:
            self.link_activated.emit(self.renderer.model.row_at(index.row()).id, href)
            return True
        return False

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: ModelIndex,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            docs = self._docs(index)
            rect: QRect = option.rect
            tip = ""
            if docs is not None:
                local = QPointF(event.pos() - rect.topLeft())
                tip = docs.tooltip_at(local)
                href = docs.anchor_at(local)
                if not tip and href.startswith(("http://", "https://")):
                    tip = href
            if tip:
                QToolTip.showText(event.globalPos(), tip, view)
                return True
            QToolTip.hideText()
            return True
        return super().helpEvent(event, view, option, index)

    def _set_hover(self, option: QStyleOptionViewItem, over_link: bool) -> None:
        widget = option.widget
        if over_link == self._hover_link or not isinstance(widget, QAbstractItemView):
            return
        self._hover_link = over_link
        if over_link:
            widget.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            widget.viewport().unsetCursor()

    def _docs(self, index: ModelIndex) -> RowDocs | None:
        if not index.isValid():
            return None
        return self.renderer.cached(self.renderer.model.row_at(index.row()).id)

    # --- the text-selection editor ---------------------------------------------------------

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex
    ) -> QWidget:
        item = self.renderer.model.row_at(index.row())
        colors = palette(self.renderer.theme)
        editor = QTextBrowser(parent)
        editor.setObjectName("messageTextSelector")
        editor.setFrameShape(QFrame.Shape.NoFrame)
        editor.setOpenLinks(False)
        editor.setReadOnly(True)
        editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        pal = editor.palette()
        base = colors.user_bg if item.message.role == "user" else colors.base
        pal.setColor(QPalette.ColorRole.Base, QColor(base))
        pal.setColor(QPalette.ColorRole.Text, QColor(colors.text))
        editor.setPalette(pal)
        doc = editor.document()
        doc.setDocumentMargin(0)
        doc.setUndoRedoEnabled(False)
        doc.setDefaultStyleSheet(stylesheet(self.renderer.theme))
        editor.setHtml(self.renderer.body_html(item.id))
        message_id = item.id
        editor.anchorClicked.connect(lambda url, mid=message_id: self._editor_link(mid, url))
        return editor

    def _editor_link(self, message_id: str, url: QUrl) -> None:
        self.link_activated.emit(message_id, url.toString())

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        """The editor shows the text it was made with; nothing to load."""

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        """Read-only: nothing is written back."""

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: ModelIndex
    ) -> None:
        rect: QRect = option.rect
        docs = self._docs(index)
        area = QRect(rect.adjusted(H_PAD, 4, -H_PAD, -4))
        if docs is not None:
            body = docs.section_rect("body")
            if not body.isEmpty():
                area = body.translated(QPointF(rect.topLeft())).toAlignedRect()
                area.setWidth(rect.width() - 2 * H_PAD)
        editor.setGeometry(area)
