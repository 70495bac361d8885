"""Full-text search across every chat: a query field and the hits grouped by chat."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QHideEvent,
    QKeyEvent,
    QPainter,
    QPalette,
    QShowEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.chat import UNTITLED
from core.storage.search import SearchHit

log = logging.getLogger(__name__)

SearchFunction = Callable[[str], Awaitable[list[SearchHit]]]
ModelIndex = QModelIndex | QPersistentModelIndex
DEBOUNCE_MS = 200
HINT = "Search the titles and messages of every chat"
_ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "System", "tool": "Tool"}
_IDS_ROLE = Qt.ItemDataRole.UserRole + 1  # (chat id, message id or "")
_HTML_ROLE = Qt.ItemDataRole.UserRole + 2  # the hit as rich text
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def highlighted(text: str, words: list[str]) -> str:
    """``text`` as HTML with every occurrence of ``words`` (any case) in bold."""
    terms = sorted({w for w in words if w}, key=len, reverse=True)
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<b>{html.escape(match.group())}</b>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class HitDelegate(QStyledItemDelegate):
    """Paints a hit's rich text (role, then the snippet with the words in bold), wrapped."""

    def __init__(self, view: QTreeWidget) -> None:
        super().__init__(view)
        self._view = view

    def _document(self, option: QStyleOptionViewItem, index: ModelIndex) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(3)
        document.setHtml(str(index.data(_HTML_ROLE)))
        depth = 1 + (1 if self._view.rootIsDecorated() else 0)
        width = self._view.viewport().width() - self._view.indentation() * depth
        document.setTextWidth(max(80, width - 4))
        return document

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        if index.data(_HTML_ROLE) is None:
            return super().sizeHint(option, index)
        document = self._document(option, index)
        return QSize(round(document.idealWidth()), round(document.size().height()) + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        if index.data(_HTML_ROLE) is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        document = self._document(opt, index)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        color = (opt.palette.highlightedText() if selected else opt.palette.text()).color()
        context.palette.setColor(QPalette.ColorRole.Text, color)
        painter.save()
        painter.translate(opt.rect.left(), opt.rect.top() + 2)
        painter.setClipRect(0, 0, opt.rect.width(), opt.rect.height())
        document.documentLayout().draw(painter, context)
        painter.restore()


class SearchPanel(QWidget):
    """Search every chat with ``search`` (e.g. ``ChatStore.search_async``).

    Typing waits ``debounce_ms`` after the last key, then runs ``search`` as an asyncio
    task on the running loop; a newer query cancels the older task, and results of a
    task that is no longer the newest are never shown. Hiding the panel cancels a search
    under way; showing it again searches again if needed. Enter or a double-click on a
    hit emits ``hit_activated(chat_id, message_id)`` (``""`` for a title or a chat);
    Enter in the query field opens the first hit, Down moves to the hits; Esc emits
    ``closed`` (the window hides the panel).
    """

    hit_activated = Signal(str, str)
    closed = Signal()

    def __init__(
        self,
        search: SearchFunction,
        parent: QWidget | None = None,
        *,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("searchPanel")
        self._search = search
        self._task: asyncio.Task[None] | None = None
        self._shown_query: str | None = None  # the query the results are for
        self._hits: list[SearchHit] = []

        self.query_edit = QLineEdit()
        self.query_edit.setObjectName("searchQuery")
        self.query_edit.setPlaceholderText("Search all chats")
        self.query_edit.setAccessibleName("Search all chats")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.textChanged.connect(self._on_text_changed)
        self.query_edit.installEventFilter(self)
        self.close_button = QToolButton()
        self.close_button.setObjectName("searchClose")
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close search (Esc)")
        self.close_button.setAccessibleName("Close search")
        self.close_button.clicked.connect(self.closed)

        self.status_label = QLabel(HINT)
        self.status_label.setObjectName("searchStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setEnabled(False)

        self.results = QTreeWidget()
        self.results.setObjectName("searchResults")
        self.results.setAccessibleName("Search results")
        self.results.setHeaderHidden(True)
        self.results.setColumnCount(1)
        self.results.setRootIsDecorated(False)
        self.results.setIndentation(12)
        self.results.setUniformRowHeights(False)
        self.results.setWordWrap(True)
        self.results.setExpandsOnDoubleClick(False)
        self.results.setItemsExpandable(False)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.itemActivated.connect(self._on_item_activated)
        self.results.installEventFilter(self)
        self.results.viewport().installEventFilter(self)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.search_now)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.query_edit, 1)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results, 1)

    # --- public -----------------------------------------------------------------------

    def focus_query(self) -> None:
        self.query_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.query_edit.selectAll()

    def set_query(self, text: str) -> None:
        """Put ``text`` in the query field (it is searched after the debounce delay)."""
        self.query_edit.setText(text)

    def query(self) -> str:
        return self.query_edit.text().strip()

    def hits(self) -> list[SearchHit]:
        """The hits on screen, in the order the search returned them."""
        return list(self._hits)

    def is_searching(self) -> bool:
        return self._task is not None and not self._task.done()

    def search_now(self) -> None:
        """Search for the query field's text at once (cancelling a search under way)."""
        self._debounce.stop()
        self.cancel()
        query = self.query()
        if not query:
            self._show_hits(None, [])
            return
        self.status_label.setText("Searching…")
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(query), name=f"search {query!r}")

    def cancel(self) -> None:
        """Stop waiting for the debounce and cancel the search under way."""
        self._debounce.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    # --- searching --------------------------------------------------------------------

    def _on_text_changed(self, _text: str) -> None:
        self._debounce.start()

    async def _run(self, query: str) -> None:
        try:
            hits = await self._search(query)
        except Exception as exc:
            if asyncio.current_task() is self._task:
                log.warning("Search for %r failed", query, exc_info=True)
                self._task = None
                self._show_error(exc)
            return
        if asyncio.current_task() is not self._task:
            return  # a newer query owns the panel now
        self._task = None
        self._show_hits(query, hits)

    def _show_error(self, exc: Exception) -> None:
        self._shown_query = None
        self.status_label.setText(f"Search failed: {exc}")

    def _show_hits(self, query: str | None, hits: list[SearchHit]) -> None:
        self._shown_query = query
        self._hits = list(hits)
        self.results.clear()
        if query is None:
            self.status_label.setText(HINT)
            return
        words = query.lower().split()
        groups: dict[str, QTreeWidgetItem] = {}
        for hit in hits:
            group = groups.get(hit.chat_id)
            if group is None:
                group = groups[hit.chat_id] = self._group_item(hit)
            self._hit_item(group, hit, words)
        for group in groups.values():
            group.setExpanded(True)
        if not hits:
            self.status_label.setText(f"No results for “{query}”")
        else:
            chats = _plural(len(groups), "chat")
            self.status_label.setText(f"{_plural(len(hits), 'result')} in {chats}")

    def _group_item(self, hit: SearchHit) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.results, [hit.title.strip() or UNTITLED])
        font = QFont(self.results.font())
        font.setBold(True)
        item.setFont(0, font)
        item.setData(0, _IDS_ROLE, (hit.chat_id, ""))
        item.setToolTip(0, "Open this chat")
        return item

    def _hit_item(self, group: QTreeWidgetItem, hit: SearchHit, words: list[str]) -> None:
        label = _ROLE_LABELS.get(hit.role, hit.role.title()) if hit.message_id else "Title"
        item = QTreeWidgetItem(group, [f"{label}: {hit.snippet}"])
        item.setData(0, _IDS_ROLE, (hit.chat_id, hit.message_id or ""))
        rich = highlighted(hit.snippet, words)
        dim = self.results.palette().color(QPalette.ColorRole.PlaceholderText).name()
        item.setData(0, _HTML_ROLE, f"<span style='color: {dim}'>{label}</span> · {rich}")

    # --- keys and activation ----------------------------------------------------------

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        chat_id, message_id = item.data(0, _IDS_ROLE)
        self.hit_activated.emit(chat_id, message_id)

    def _first_hit(self) -> QTreeWidgetItem | None:
        group = self.results.topLevelItem(0)
        if group is None:
            return None
        child = group.child(0)
        return child if child is not None else group

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.results.viewport() and event.type() == QEvent.Type.Resize:
            # Wrapped snippets change height with the width.
            self.results.scheduleDelayedItemsLayout()
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                self.closed.emit()
                return True
            if watched is self.query_edit and self._query_key(event):
                return True
        return super().eventFilter(watched, event)

    def _query_key(self, event: QKeyEvent) -> bool:
        if event.key() in _ENTER_KEYS:
            if self._shown_query != self.query() or self.is_searching():
                self.search_now()
            elif (first := self._first_hit()) is not None:
                self._on_item_activated(first, 0)
            return True
        if event.key() == Qt.Key.Key_Down and (first := self._first_hit()) is not None:
            self.results.setCurrentItem(first)
            self.results.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.closed.emit()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.query() and self._shown_query != self.query() and not self.is_searching():
            self._debounce.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.cancel()
        super().hideEvent(event)
