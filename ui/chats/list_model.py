"""The rows of the chat list: one :class:`ChatSummary` per chat, pinned first, newest first.

Changes arrive one chat at a time (:meth:`ChatListModel.upsert`, :meth:`remove`) and
are announced with the smallest signals that describe them: a changed row that keeps
its place is a ``dataChanged``, one that moves is a ``rowsMoved``, so views keep their
selection and scroll position.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import msgspec
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from core.chat import UNTITLED
from core.storage.format import ChatSummary

ModelIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_EDIT = Qt.ItemDataRole.EditRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_Key = tuple[bool, float, float, str]


def order_key(summary: ChatSummary) -> _Key:
    """Pinned first, then the most recently updated, then the newest, then by id."""
    return (not summary.pinned, -summary.updated_at, -summary.created_at, summary.id)


def relative_time(timestamp: float, now: float) -> str:
    """``"Just now"``, ``"5 min ago"``, ``"3 h ago"``, ``"Yesterday"``, a weekday or a date."""
    seconds = now - timestamp
    if seconds < 60:
        return "Just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    then = datetime.fromtimestamp(timestamp)
    today = datetime.fromtimestamp(now).date()
    if then.date() == today:
        return f"{int(seconds // 3600)} h ago"
    if then.date() == today - timedelta(days=1):
        return "Yesterday"
    if today - then.date() < timedelta(days=7):
        return then.strftime("%A")
    if then.year == today.year:
        return f"{then.day} {then:%b}"
    return f"{then.day} {then:%b} {then.year}"


class ChatListModel(QAbstractListModel):
    """A list model over chat summaries, kept in :func:`order_key` order.

    The display and edit roles are the title; setting the edit role renames the row at
    once and emits :attr:`title_edited` (the store is renamed by whoever listens).
    ``clock`` gives the time the subtitles are relative to.
    """

    IdRole = Qt.ItemDataRole.UserRole + 1  # str
    TitleRole = Qt.ItemDataRole.UserRole + 2  # str, "Untitled chat" when blank
    SubtitleRole = Qt.ItemDataRole.UserRole + 3  # "model · 2 min ago"
    PinnedRole = Qt.ItemDataRole.UserRole + 4  # bool
    PreviewRole = Qt.ItemDataRole.UserRole + 5  # str
    SummaryRole = Qt.ItemDataRole.UserRole + 6  # the ChatSummary

    title_edited = Signal(str, str)  # chat id, new title

    def __init__(
        self, parent: QObject | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self._rows: list[ChatSummary] = []
        self._keys: list[_Key] = []
        self._clock = clock

    # --- reading ----------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def summaries(self) -> list[ChatSummary]:
        return list(self._rows)

    def summary(self, chat_id: str) -> ChatSummary | None:
        row = self.row_of(chat_id)
        return self._rows[row] if row >= 0 else None

    def row_of(self, chat_id: str) -> int:
        """The row of ``chat_id``, or -1."""
        for row, summary in enumerate(self._rows):
            if summary.id == chat_id:
                return row
        return -1

    def index_of(self, chat_id: str) -> QModelIndex:
        """The index of ``chat_id`` (invalid when it is not listed)."""
        row = self.row_of(chat_id)
        return self.index(row, 0) if row >= 0 else QModelIndex()

    def _valid(self, index: ModelIndex) -> bool:
        return index.isValid() and index.model() is self and 0 <= index.row() < len(self._rows)

    def subtitle(self, summary: ChatSummary) -> str:
        when = relative_time(summary.updated_at or summary.created_at, self._clock())
        return f"{summary.model} · {when}" if summary.model else when

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> Any:
        if not self._valid(index):
            return None
        summary = self._rows[index.row()]
        if role in (_DISPLAY, self.TitleRole):
            return summary.title.strip() or UNTITLED
        if role == _EDIT:
            return summary.title
        if role == self.IdRole:
            return summary.id
        if role == self.SubtitleRole:
            return self.subtitle(summary)
        if role == self.PinnedRole:
            return summary.pinned
        if role == self.PreviewRole:
            return summary.preview
        if role == _TOOLTIP:
            return summary.preview or None
        if role == self.SummaryRole:
            return summary
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemNeverHasChildren

    # --- editing ----------------------------------------------------------------------

    def setData(self, index: ModelIndex, value: Any, role: int = _EDIT) -> bool:
        if role != _EDIT or not self._valid(index):
            return False
        title = " ".join(str(value).split())
        summary = self._rows[index.row()]
        if not title or title == summary.title:
            return False
        self._rows[index.row()] = msgspec.structs.replace(summary, title=title)
        self.dataChanged.emit(index, index)
        self.title_edited.emit(summary.id, title)
        return True

    # --- changes ----------------------------------------------------------------------

    def set_summaries(self, summaries: Iterable[ChatSummary]) -> None:
        """Replace every row (later duplicates of an id win)."""
        unique = {s.id: s for s in summaries}
        self.beginResetModel()
        self._rows = sorted(unique.values(), key=order_key)
        self._keys = [order_key(s) for s in self._rows]
        self.endResetModel()

    def upsert(self, summary: ChatSummary) -> None:
        """Add ``summary``, or replace the row with its id and move it where it belongs."""
        key = order_key(summary)
        old = self.row_of(summary.id)
        if old < 0:
            row = bisect.bisect_left(self._keys, key)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.insert(row, summary)
            self._keys.insert(row, key)
            self.endInsertRows()
            return
        others = self._keys[:old] + self._keys[old + 1 :]
        new = bisect.bisect_left(others, key)
        if new != old:
            # beginMoveRows counts the destination before the row is taken out.
            destination = new + 1 if new > old else new
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), destination)
            del self._rows[old]
            del self._keys[old]
            self._rows.insert(new, summary)
            self._keys.insert(new, key)
            self.endMoveRows()
        else:
            self._rows[old] = summary
            self._keys[old] = key
        index = self.index(new, 0)
        self.dataChanged.emit(index, index)

    def remove(self, chat_id: str) -> bool:
        """Remove the row of ``chat_id``; False when it was not listed."""
        row = self.row_of(chat_id)
        if row < 0:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        del self._keys[row]
        self.endRemoveRows()
        return True

    def refresh_times(self) -> None:
        """Tell views the relative times changed (call it every minute or so)."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, 0), [self.SubtitleRole]
            )
