"""The chat list beside the conversation: new chat, filter, the chats, their actions."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from core.storage.format import ChatSummary
from ui.chats.list_model import ChatListModel

ModelIndex = QModelIndex | QPersistentModelIndex
PAD_X = 10
PAD_Y = 6
LINE_GAP = 2
PIN_SIDE = 12
SUBTITLE_SCALE = 0.88
TIME_REFRESH_MS = 60_000
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _subtitle_font(font: QFont) -> QFont:
    small = QFont(font)
    if font.pointSizeF() > 0:
        small.setPointSizeF(font.pointSizeF() * SUBTITLE_SCALE)
    else:
        small.setPixelSize(max(8, round(font.pixelSize() * SUBTITLE_SCALE)))
    return small


def _draw_line(painter: QPainter, rect: QRect, text: object, font: QFont, color: QColor) -> None:
    """One line of ``text`` in ``rect``, elided at the right."""
    painter.setFont(font)
    painter.setPen(color)
    elided = QFontMetrics(font).elidedText(str(text), Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)


class ChatRowDelegate(QStyledItemDelegate):
    """Paints a chat as two lines (title; model · time) with a pin on pinned chats."""

    def _title_rect(self, rect: QRect, metrics: QFontMetrics) -> QRect:
        return QRect(
            rect.left() + PAD_X, rect.top() + PAD_Y, rect.width() - 2 * PAD_X, metrics.height()
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        title = QFontMetrics(option.font)
        subtitle = QFontMetrics(_subtitle_font(option.font))
        return QSize(160, 2 * PAD_Y + title.height() + LINE_GAP + subtitle.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        color = (opt.palette.highlightedText() if selected else opt.palette.text()).color()
        dim = QColor(color)
        dim.setAlphaF(0.65)
        title_rect = self._title_rect(opt.rect, QFontMetrics(opt.font))
        pinned = bool(index.data(ChatListModel.PinnedRole))
        if pinned:
            title_rect.setRight(title_rect.right() - PIN_SIDE - 4)
        small = _subtitle_font(opt.font)
        sub_rect = QRect(title_rect.left(), title_rect.bottom() + 1 + LINE_GAP, 0, 0)
        sub_rect.setSize(QSize(opt.rect.width() - 2 * PAD_X, QFontMetrics(small).height()))

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _draw_line(painter, title_rect, index.data(ChatListModel.TitleRole), opt.font, color)
        _draw_line(painter, sub_rect, index.data(ChatListModel.SubtitleRole), small, dim)
        if pinned:
            left = opt.rect.right() - PAD_X - PIN_SIDE
            self._paint_pin(painter, left, title_rect.center().y(), dim)
        painter.restore()

    def _paint_pin(self, painter: QPainter, left: int, middle: int, color: QColor) -> None:
        """A small push pin, head up and to the right."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        head = QPointF(left + PIN_SIDE * 0.65, middle - PIN_SIDE * 0.2)
        painter.drawEllipse(head, PIN_SIDE * 0.28, PIN_SIDE * 0.28)
        tip = QPointF(left + PIN_SIDE * 0.1, middle + PIN_SIDE * 0.45)
        side = QPointF(0.9, 0.9)  # across the needle, which runs down and to the left
        painter.drawPolygon([head - side, head + side, tip])

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: ModelIndex
    ) -> None:
        rect: QRect = option.rect
        line = self._title_rect(rect, QFontMetrics(option.font))
        height = max(editor.sizeHint().height(), line.height())
        editor.setGeometry(
            rect.left() + PAD_X // 2, line.center().y() - height // 2, rect.width() - PAD_X, height
        )


class Sidebar(QWidget):
    """New chat, a filter over titles, the chat list and what can be done to a chat.

    The sidebar never changes the store: it emits requests, and the window answers with
    :meth:`upsert`, :meth:`remove` and :meth:`set_current`. ``chat_selected`` is emitted
    when the person moves to or activates another chat (never for calls made by the
    window). Keys in the list: F2 renames in place, Del deletes, Enter opens, the menu
    key or a right click shows the chat's menu. In the filter: Down or Enter goes to the
    list (Enter also opens the first match), Esc clears it. Ctrl+F belongs to the
    window, which calls :meth:`focus_filter`.
    """

    chat_selected = Signal(str)
    new_chat_requested = Signal()
    rename_requested = Signal(str, str)
    pin_requested = Signal(str, bool)
    delete_requested = Signal(str)
    export_requested = Signal(str, str)  # chat id, "markdown" or "json"
    import_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self._current_id: str | None = None
        self._quiet = 0
        self._menu: QMenu | None = None

        self.model = ChatListModel(self, clock=clock)
        self.model.title_edited.connect(self.rename_requested)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(ChatListModel.TitleRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.new_button = QPushButton(QIcon.fromTheme("document-new"), "New chat")
        self.new_button.setObjectName("newChatButton")
        self.new_button.setToolTip("New chat (Ctrl+N)")
        self.new_button.clicked.connect(self.new_chat_requested)

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("chatFilter")
        self.filter_edit.setPlaceholderText("Filter chats")
        self.filter_edit.setToolTip("Filter chats by title (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter chats")
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.filter_edit.installEventFilter(self)

        self.list_view = QListView()
        self.list_view.setObjectName("chatList")
        self.list_view.setAccessibleName("Chats")
        self.list_view.setModel(self.proxy)
        self.list_view.setItemDelegate(ChatRowDelegate(self.list_view))
        self.list_view.setUniformItemSizes(True)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._show_context_menu)
        self.list_view.activated.connect(self._on_activated)
        self.list_view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.list_view.installEventFilter(self)

        self.empty_label = QLabel()
        self.empty_label.setObjectName("chatListEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setEnabled(False)

        self.import_button = QPushButton("Import chat…")
        self.import_button.setObjectName("importChatButton")
        self.import_button.setFlat(True)
        self.import_button.setToolTip("Import a chat from a Chorus or OpenAI-style JSON file")
        self.import_button.clicked.connect(self.import_requested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.new_button)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.list_view, 1)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)

        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(TIME_REFRESH_MS)
        self._clock_timer.timeout.connect(self.model.refresh_times)
        self._clock_timer.start()
        self._update_empty_label()

    # --- the window's calls -----------------------------------------------------------

    def set_summaries(self, summaries: list[ChatSummary]) -> None:
        with self._quietly():
            self.model.set_summaries(summaries)
        self._sync_selection(scroll=True)
        self._update_empty_label()

    def upsert(self, summary: ChatSummary) -> None:
        with self._quietly():
            self.model.upsert(summary)
        self._sync_selection()
        self._update_empty_label()

    def remove(self, chat_id: str) -> None:
        with self._quietly():
            self.model.remove(chat_id)
        if chat_id == self._current_id:
            self._current_id = None
        self._sync_selection()
        self._update_empty_label()

    def set_current(self, chat_id: str | None) -> None:
        """Highlight the open chat (None: no chat is open)."""
        self._current_id = chat_id
        self._sync_selection(scroll=True)

    def current_id(self) -> str | None:
        return self._current_id

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def visible_ids(self) -> list[str]:
        """The ids of the chats the filter lets through, in list order."""
        return [
            str(self.proxy.index(row, 0).data(ChatListModel.IdRole))
            for row in range(self.proxy.rowCount())
        ]

    # --- actions on one chat ----------------------------------------------------------

    def start_rename(self, chat_id: str) -> None:
        """Edit the title of ``chat_id`` in the list (Enter keeps it, Esc cancels)."""
        index = self._proxy_index(chat_id)
        if index.isValid():
            self.list_view.scrollTo(index)
            self.list_view.edit(index)

    def context_menu(self, chat_id: str) -> QMenu:
        """The menu of one chat (shown by a right click or the menu key)."""
        summary = self.model.summary(chat_id)
        pinned = summary.pinned if summary is not None else False
        menu = QMenu(self)
        menu.setObjectName("chatMenu")
        menu.addAction("Rename\tF2", lambda: self.start_rename(chat_id))
        menu.addAction(
            "Unpin" if pinned else "Pin", lambda: self.pin_requested.emit(chat_id, not pinned)
        )
        menu.addSeparator()
        menu.addAction(
            "Export as Markdown…", lambda: self.export_requested.emit(chat_id, "markdown")
        )
        menu.addAction("Export as JSON…", lambda: self.export_requested.emit(chat_id, "json"))
        menu.addSeparator()
        menu.addAction("Delete\tDel", lambda: self.delete_requested.emit(chat_id))
        return menu

    # --- internals --------------------------------------------------------------------

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Changes made inside are the window's, not the person's: no ``chat_selected``."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _proxy_index(self, chat_id: str | None) -> QModelIndex:
        if not chat_id:
            return QModelIndex()
        return self.proxy.mapFromSource(self.model.index_of(chat_id))

    def _focused_id(self) -> str | None:
        index = self.list_view.currentIndex()
        return str(index.data(ChatListModel.IdRole)) if index.isValid() else None

    def _sync_selection(self, *, scroll: bool = False) -> None:
        index = self._proxy_index(self._current_id)
        selection = self.list_view.selectionModel()
        with self._quietly():
            if index.isValid():
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                if scroll:
                    self.list_view.scrollTo(index)
            else:
                selection.clearSelection()

    def _apply_filter(self, text: str) -> None:
        with self._quietly():
            self.proxy.setFilterFixedString(text.strip())
        self._sync_selection(scroll=True)
        self._update_empty_label()

    def _update_empty_label(self) -> None:
        text = ""
        if self.model.rowCount() == 0:
            text = "No chats yet"
        elif self.proxy.rowCount() == 0:
            text = f"No chats match “{self.filter_edit.text().strip()}”"
        self.empty_label.setText(text)
        self.empty_label.setVisible(bool(text))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet or not current.isValid():
            return
        chat_id = str(current.data(ChatListModel.IdRole))
        if chat_id != self._current_id:
            self.chat_selected.emit(chat_id)

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.chat_selected.emit(str(index.data(ChatListModel.IdRole)))

    def _show_context_menu(self, pos: QPoint) -> None:
        index = self.list_view.indexAt(pos)
        if not index.isValid():
            index = self.list_view.currentIndex()
        if not index.isValid():
            return
        if self._menu is not None:
            self._menu.deleteLater()
        self._menu = self.context_menu(str(index.data(ChatListModel.IdRole)))
        self._menu.popup(self.list_view.viewport().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.list_view and self._list_key(event):
                return True
            if watched is self.filter_edit and self._filter_key(event):
                return True
        return super().eventFilter(watched, event)

    def _list_key(self, event: QKeyEvent) -> bool:
        if self.list_view.state() == QAbstractItemView.State.EditingState:
            return False
        chat_id = self._focused_id()
        if chat_id is None:
            return False
        if event.key() == Qt.Key.Key_F2 and not event.modifiers():
            self.start_rename(chat_id)
            return True
        if event.key() == Qt.Key.Key_Delete or event.matches(QKeySequence.StandardKey.Delete):
            self.delete_requested.emit(chat_id)
            return True
        return False

    def _filter_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape and self.filter_edit.text():
            self.filter_edit.clear()
            return True
        if key not in (Qt.Key.Key_Down, *_ENTER_KEYS) or not self.proxy.rowCount():
            return False
        first = self.proxy.index(0, 0)
        if key in _ENTER_KEYS:
            with self._quietly():
                self.list_view.setCurrentIndex(first)
            self._on_current_changed(first, QModelIndex())
        elif not self.list_view.currentIndex().isValid():
            with self._quietly():
                self.list_view.setCurrentIndex(first)
        self.list_view.setFocus(Qt.FocusReason.OtherFocusReason)
        return True
