"""The rows of the model picker: a flat list model of headings and models, and its painter.

:class:`PickerListModel` holds the sections of :func:`core.models.picker_sections` as one
flat list: a heading row (not selectable) before the models of each section. A search
that matches nothing gives one row offering the typed text as a model id, or a
"no match" line. :class:`PickerDelegate` paints each row (star, id, trait badges,
"live"/"bundled") and reports clicks on the star.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from core.model_rules import model_traits
from core.models import ModelInfo

ModelIndex = QModelIndex | QPersistentModelIndex

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
MODEL_ID_ROLE = Qt.ItemDataRole.UserRole + 2
FAVOURITE_ROLE = Qt.ItemDataRole.UserRole + 3

STAR_WIDTH = 22
H_PAD = 8
STAR_COLOUR = "#e0a100"


class RowKind(Enum):
    HEADING = "heading"
    MODEL = "model"
    CUSTOM = "custom"  # "Use “…” as the model id"
    EMPTY = "empty"  # "No model matches …"


@dataclass(frozen=True)
class PickerRow:
    kind: RowKind
    text: str  # heading title, model id, the typed id, or the no-match sentence
    model: ModelInfo | None = None
    section: str = ""


def traits_of(model_id: str, cache: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The badges of ``model_id`` ("vision", "reasoning"), computed once per id."""
    badges = cache.get(model_id)
    if badges is None:
        traits = model_traits(model_id)
        badges = tuple(
            name for name, on in (("vision", traits.vision), ("reasoning", traits.reasoning)) if on
        )
        cache[model_id] = badges
    return badges


class PickerListModel(QAbstractListModel):
    """Headings and models as flat rows; only model rows (and the custom id) are selectable."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PickerRow] = []
        self._favourites: set[str] = set()
        self._current = ""
        self._traits: dict[str, tuple[str, ...]] = {}

    def set_rows(self, rows: list[PickerRow], favourites: set[str], current: str) -> None:
        self.beginResetModel()
        self._rows = rows
        self._favourites = set(favourites)
        self._current = current
        self.endResetModel()

    def row_at(self, row: int) -> PickerRow:
        return self._rows[row]

    def rows(self) -> list[PickerRow]:
        return list(self._rows)

    def is_selectable(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and self._rows[row].kind in (
            RowKind.MODEL,
            RowKind.CUSTOM,
        )

    def is_current(self, model_id: str) -> bool:
        return model_id == self._current

    def traits(self, model_id: str) -> tuple[str, ...]:
        return traits_of(model_id, self._traits)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if not self.is_selectable(index.row()):
            return Qt.ItemFlag.ItemNeverHasChildren
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text
        if role == KIND_ROLE:
            return row.kind.value
        if role == MODEL_ID_ROLE:
            return row.text if row.kind in (RowKind.MODEL, RowKind.CUSTOM) else None
        if role == FAVOURITE_ROLE:
            return row.kind is RowKind.MODEL and row.text in self._favourites
        if role == Qt.ItemDataRole.ToolTipRole and row.model is not None:
            return self._tooltip(row.model)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if row.kind is RowKind.HEADING:
                return f"{row.text} section"
            return row.text
        return None

    def _tooltip(self, model: ModelInfo) -> str:
        origin = "from the server's live list" if model.source != "bundled" else "bundled list"
        parts = [model.id, model.vendor, origin, *self.traits(model.id)]
        return " · ".join(parts)


def star_rect(row_rect: QRect) -> QRect:
    """Where the favourite star of a row is painted and clicked."""
    return QRect(row_rect.left() + H_PAD - 4, row_rect.top(), STAR_WIDTH, row_rect.height())


def _small(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(font.pointSizeF() * 0.82, 7.0))
    return small


class PickerDelegate(QStyledItemDelegate):
    """Paints picker rows; a click on a row's star emits ``star_clicked(model id)``."""

    star_clicked = Signal(str)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(200, max(28, metrics.height() + 12))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        model = index.model()
        if not isinstance(model, PickerListModel):
            super().paint(painter, option, index)
            return
        row = model.row_at(index.row())
        painter.save()
        try:
            if row.kind is RowKind.HEADING:
                self._paint_heading(painter, option, row)
            elif row.kind is RowKind.EMPTY:
                self._paint_muted(painter, option, row.text)
            else:
                self._paint_model(painter, option, index, model, row)
        finally:
            painter.restore()

    def _paint_heading(
        self, painter: QPainter, option: QStyleOptionViewItem, row: PickerRow
    ) -> None:
        font = _small(option.font)
        font.setBold(True)
        font.setCapitalization(QFont.Capitalization.AllUppercase)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
        painter.setFont(font)
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        rect = option.rect.adjusted(H_PAD + 2, 0, -H_PAD, -3)
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, row.text)

    def _paint_muted(self, painter: QPainter, option: QStyleOptionViewItem, text: str) -> None:
        painter.setPen(option.palette.color(QPalette.ColorRole.PlaceholderText))
        rect = option.rect.adjusted(H_PAD + STAR_WIDTH, 0, -H_PAD, 0)
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)

    def _paint_model(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: ModelIndex,
        model: PickerListModel,
        row: PickerRow,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = opt.rect
        palette: QPalette = opt.palette
        state = opt.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_colour = palette.color(text_role)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        if selected:
            muted = text_colour
        font = QFont(opt.font)
        small = _small(font)
        right = rect.right() - H_PAD

        if row.kind is RowKind.MODEL:
            favourite = bool(index.data(FAVOURITE_ROLE))
            hovered = bool(state & QStyle.StateFlag.State_MouseOver)
            painter.setFont(font)
            if favourite:
                painter.setPen(text_colour if selected else QColor(STAR_COLOUR))
                painter.drawText(star_rect(rect), Qt.AlignmentFlag.AlignCenter, "★")
            elif hovered or selected:
                painter.setPen(muted)
                painter.drawText(star_rect(rect), Qt.AlignmentFlag.AlignCenter, "☆")

            # "live" / "bundled", then the trait badges, from the right edge leftwards.
            assert row.model is not None
            painter.setFont(small)
            small_metrics = QFontMetrics(small)
            source = "bundled" if row.model.source == "bundled" else "live"
            width = small_metrics.horizontalAdvance(source)
            painter.setPen(muted)
            painter.drawText(
                QRect(right - width, rect.top(), width, rect.height()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                source,
            )
            right -= width + 10
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for badge in reversed(model.traits(row.text)):
                badge_width = small_metrics.horizontalAdvance(badge) + 10
                box = QRectF(
                    right - badge_width,
                    rect.center().y() - small_metrics.height() / 2 - 1,
                    badge_width,
                    small_metrics.height() + 2,
                )
                painter.setPen(muted)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(box, 4, 4)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, badge)
                right -= badge_width + 4
            right -= 6

        font.setBold(model.is_current(row.text))
        painter.setFont(font)
        painter.setPen(text_colour)
        left = rect.left() + H_PAD + STAR_WIDTH
        label = row.text
        suffix = ""
        if row.kind is RowKind.CUSTOM:
            label = f"Use “{row.text}” as the model id"
        elif row.section in ("Favourites", "Recent") and row.model is not None:
            suffix = f"  ·  {row.model.vendor}"
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        metrics = QFontMetrics(font)
        width = max(right - left, 0)
        elided = metrics.elidedText(label, Qt.TextElideMode.ElideMiddle, width)
        painter.drawText(QRect(left, rect.top(), width, rect.height()), align, elided)
        used = metrics.horizontalAdvance(elided)
        if suffix and used < width:
            font.setBold(False)
            painter.setFont(font)
            painter.setPen(muted)
            rest = QRect(left + used, rect.top(), width - used, rect.height())
            tail = QFontMetrics(font).elidedText(suffix, Qt.TextElideMode.ElideRight, rest.width())
            painter.drawText(rest, align, tail)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: ModelIndex,
    ) -> bool:
        if (
            isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and isinstance(model, PickerListModel)
            and model.row_at(index.row()).kind is RowKind.MODEL
            and star_rect(option.rect).contains(event.position().toPoint())
        ):
            if event.type() == QEvent.Type.MouseButtonRelease:
                self.star_clicked.emit(model.row_at(index.row()).text)
            return event.type() in (
                QEvent.Type.MouseButtonPress,
                QEvent.Type.MouseButtonRelease,
                QEvent.Type.MouseButtonDblClick,
            )
        return super().editorEvent(event, model, option, index)
