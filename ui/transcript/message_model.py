"""The rows of a chat view: the messages of one branch, with their heights.

Row heights live here as ``Qt.SizeHintRole`` so the view's layout reads them without
asking the delegate; they are estimates until the renderer has laid a row out at the
current width (``exact_width``). The rendered body (HTML parts) of each message is kept
here too (for the ``BODY_CACHE`` most recently used messages), so a row whose documents
were dropped from the renderer's cache is rebuilt without parsing its Markdown again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)

from core.chat import Chat, Message

BODY_CACHE = 512  # rendered bodies kept (the least recently used are dropped first)
_SIZE_HINT = Qt.ItemDataRole.SizeHintRole
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message on screen and where it sits among its siblings (0-based index)."""

    message: Message
    sibling_index: int = 0
    sibling_count: int = 1

    @property
    def id(self) -> str:
        return self.message.id


def branch_rows(chat: Chat) -> list[MessageRow]:
    """The rows of the branch on screen, each with its place among its siblings."""
    children: dict[str | None, list[str]] = {}
    for message in chat.messages:
        children.setdefault(message.parent, []).append(message.id)
    rows = []
    for message in chat.branch():
        siblings = children.get(message.parent, [message.id])
        rows.append(MessageRow(message, siblings.index(message.id), len(siblings)))
    return rows


def row_of(chat: Chat, message: Message) -> MessageRow:
    """``message`` as a row, with its place among its siblings in ``chat``."""
    ids = [m.id for m in chat.siblings(message.id)]
    index = ids.index(message.id) if message.id in ids else 0
    return MessageRow(message, index, max(1, len(ids)))


class MessageModel(QAbstractListModel):
    """A list model over :class:`MessageRow`s."""

    MessageRole = Qt.ItemDataRole.UserRole + 1  # the Message
    RowRole = Qt.ItemDataRole.UserRole + 2  # the MessageRow
    HtmlRole = Qt.ItemDataRole.UserRole + 3  # the rendered body HTML, or None if not rendered
    IdRole = Qt.ItemDataRole.UserRole + 4  # the message id
    ExactWidthRole = (
        Qt.ItemDataRole.UserRole + 5
    )  # width the height was measured at, 0 if estimated

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[MessageRow] = []
        self._sizes: list[QSize] = []
        self._exact: list[int] = []
        # id -> (cache key, rendered body), least recently used first
        self._body: OrderedDict[str, tuple[str, object]] = OrderedDict()
        self._index: dict[str, int] = {}

    # --- Qt model interface -----------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        if role == _SIZE_HINT:
            row = index.row()
            return self._sizes[row] if 0 <= row < len(self._sizes) else None
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if role == _DISPLAY:
            return item.message.content
        if role == self.MessageRole:
            return item.message
        if role == self.RowRole:
            return item
        if role == self.IdRole:
            return item.message.id
        if role == self.HtmlRole:
            body = self._body.get(item.message.id)
            return getattr(body[1], "html", None) if body else None
        if role == self.ExactWidthRole:
            return self._exact[index.row()]
        if role == _TOOLTIP:
            return None
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        # Editable: a double-click opens a read-only text browser over the row.
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        names[self.MessageRole] = QByteArray(b"message")
        names[self.RowRole] = QByteArray(b"row")
        names[self.HtmlRole] = QByteArray(b"html")
        names[self.IdRole] = QByteArray(b"messageId")
        names[self.ExactWidthRole] = QByteArray(b"exactWidth")
        return names

    # --- reading ----------------------------------------------------------------------

    def rows(self) -> list[MessageRow]:
        return list(self._rows)

    def row_at(self, row: int) -> MessageRow:
        return self._rows[row]

    def row_of(self, message_id: str) -> int:
        """The row showing ``message_id``, or -1."""
        return self._index.get(message_id, -1)

    def height(self, row: int) -> int:
        return self._sizes[row].height()

    def exact_width(self, row: int) -> int:
        return self._exact[row]

    def body(self, message_id: str, key: str) -> object | None:
        """The cached rendered body of a message if it was cached under ``key``."""
        entry = self._body.get(message_id)
        if entry is None or entry[0] != key:
            return None
        self._body.move_to_end(message_id)
        return entry[1]

    # --- changing -----------------------------------------------------------------------

    def set_rows(self, rows: Sequence[MessageRow], heights: Sequence[int]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._sizes = [QSize(1, h) for h in heights]
        self._exact = [0] * len(self._rows)
        self._body.clear()
        self._reindex()
        self.endResetModel()

    def insert_row(self, position: int, row: MessageRow, height: int) -> None:
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.insert(position, row)
        self._sizes.insert(position, QSize(1, height))
        self._exact.insert(position, 0)
        self._body.pop(row.id, None)
        if position == len(self._rows) - 1:
            self._index[row.id] = position
        else:
            self._reindex()
        self.endInsertRows()

    def replace_row(self, position: int, row: MessageRow) -> None:
        """Show a new version of a row's message; its cached body is dropped."""
        old = self._rows[position]
        self._rows[position] = row
        self._body.pop(old.id, None)
        if old.id != row.id:
            self._index.pop(old.id, None)
            self._index[row.id] = position
        index = self.index(position)
        self.dataChanged.emit(index, index, [_DISPLAY, self.MessageRole, self.RowRole])

    def remove_row(self, position: int) -> None:
        self.beginRemoveRows(QModelIndex(), position, position)
        old = self._rows.pop(position)
        del self._sizes[position]
        del self._exact[position]
        self._body.pop(old.id, None)
        self._reindex()
        self.endRemoveRows()

    def set_body(self, message_id: str, key: str, body: object | None) -> None:
        """Cache (or with None, drop) the rendered body of a message."""
        if body is None:
            self._body.pop(message_id, None)
        elif message_id in self._index:
            self._body[message_id] = (key, body)
            self._body.move_to_end(message_id)
            while len(self._body) > BODY_CACHE:
                self._body.popitem(last=False)

    def clear_bodies(self) -> None:
        self._body.clear()

    def set_heights(self, heights: Iterable[tuple[int, int, int]]) -> list[tuple[int, int]]:
        """Set ``(row, height, exact_width)`` triples; one dataChanged per run of rows.

        Returns ``(row, old height)`` for the rows whose height changed.
        """
        changed: list[tuple[int, int]] = []
        for row, height, width in sorted(heights):
            if not 0 <= row < len(self._sizes):
                continue
            self._exact[row] = width
            old = self._sizes[row].height()
            if old != height:
                self._sizes[row] = QSize(1, height)
                changed.append((row, old))
        start = prev = -2
        for row, _old in changed:
            if row != prev + 1:
                if start >= 0:
                    self._emit_sizes(start, prev)
                start = row
            prev = row
        if start >= 0:
            self._emit_sizes(start, prev)
        return changed

    def mark_estimated(self) -> None:
        """Forget which heights were measured (after the width changed)."""
        self._exact = [0] * len(self._rows)

    def _emit_sizes(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first), self.index(last), [_SIZE_HINT])

    def _reindex(self) -> None:
        self._index = {row.id: i for i, row in enumerate(self._rows)}
