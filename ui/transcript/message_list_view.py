"""The item view inside a ChatView: a QTreeView used as a flat list of message rows.

Why a QTreeView: it caches row heights and, when one row's ``SizeHintRole`` changes,
re-reads only that row; a QListView lays every row out again (11 ms at 2,000 rows with
a Python model). Per-pixel scrolling here moves the viewport's pixels and repaints only
the strip that scrolled in; QTreeView's own scrolling repaints the whole viewport.
The vertical scroll bar caches its groove (see :mod:`ui.transcript.groove_cache_scroll_bar`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QFrame, QTreeView, QWidget

from ui.render.message_delegate import MessageDelegate
from ui.transcript.groove_cache_scroll_bar import GrooveCacheScrollBar


class MessageListView(QTreeView):
    """A flat, per-pixel-scrolling list of variable-height rows; see the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(0)
        self.setItemsExpandable(False)
        self.setUniformRowHeights(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setAutoScroll(False)
        self.setMouseTracking(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.header().setStretchLastSection(True)
        self.setVerticalScrollBar(GrooveCacheScrollBar(Qt.Orientation.Vertical, self))
        self.verticalScrollBar().setSingleStep(24)

    def paintEvent(self, event: QPaintEvent) -> None:
        delegate = self.itemDelegate()
        if isinstance(delegate, MessageDelegate):
            delegate.begin_frame(event.rect())
        super().paintEvent(event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().scroll(dx, dy)

    def verticalScrollbarValueChanged(self, value: int) -> None:
        """No hover tracking on scroll: a hover change repaints two whole (tall) rows."""
