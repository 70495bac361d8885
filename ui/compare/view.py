"""A comparison on screen: one :class:`CompareColumn` per model, side by side.

The columns share the width equally down to ``MIN_COLUMN_WIDTH`` each; past that the
row scrolls horizontally. At the end of the row sit the "Add column" button and the
synced-scrolling toggle. With synced scrolling on, a person scrolling one column's
messages scrolls the others to the same fraction of their text; the others are moved
with ``setValue``, which reports no scroll action, so nothing echoes back.

Every column signal is re-emitted here with the column id first (``column_…``); the
owner drives each column's messages through ``column(id).view`` (a ChatView) and its
header through the column's setters.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.compare.column import CompareColumn

MAX_COLUMNS = 48  # the core limit: from the seventh on, the row scrolls sideways
STRIP_WIDTH = 40  # the strip at the end of the row with Add column and the sync toggle


class CompareView(QWidget):
    """See the module docstring."""

    add_column_requested = Signal()
    synced_scrolling_changed = Signal(bool)
    column_model_clicked = Signal(str)
    column_params_changed = Signal(str, dict)
    column_stop_requested = Signal(str)
    column_regenerate_requested = Signal(str)
    column_retry_requested = Signal(str, str)  # column id, message id
    column_fix_requested = Signal(str, str, str)  # column id, message id, fix id
    column_duplicate_requested = Signal(str)
    column_move_requested = Signal(str, int)  # column id, -1 / +1
    column_remove_requested = Signal(str)
    column_continue_requested = Signal(str)
    column_branch_requested = Signal(str, str, int)  # column id, message id, +1 / -1
    column_choice_requested = Signal(str, str, int)  # column id, message id, choice index
    column_message_regenerate_requested = Signal(str, str)  # column id, message id
    column_edit_requested = Signal(str, str)
    column_delete_requested = Signal(str, str)
    link_activated = Signal(str)
    copy_all_requested = Signal()
    answer_action = Signal(str, str, object)  # a column's ChatView.answer_action

    def __init__(self, theme: str = "light", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self._theme = theme
        self._columns: dict[str, CompareColumn] = {}  # in display order
        self._synced = False
        self._syncing = False

        self.add_button = QToolButton(self)
        self.add_button.setObjectName("compareAddColumn")
        self.add_button.setText("+")
        font = self.add_button.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.add_button.setFont(font)
        self.add_button.setAutoRaise(True)
        self.add_button.setFixedSize(STRIP_WIDTH - 8, STRIP_WIDTH - 8)
        self.add_button.clicked.connect(self.add_column_requested)

        self.sync_button = QToolButton(self)
        self.sync_button.setObjectName("compareSyncScroll")
        self.sync_button.setText("⇅")
        self.sync_button.setFont(font)
        self.sync_button.setCheckable(True)
        self.sync_button.setAutoRaise(True)
        self.sync_button.setFixedSize(STRIP_WIDTH - 8, STRIP_WIDTH - 8)
        self.sync_button.setToolTip("Scroll all columns together")
        self.sync_button.toggled.connect(self._on_sync_toggled)

        strip = QWidget(self)
        strip.setObjectName("compareStrip")
        strip.setFixedWidth(STRIP_WIDTH)
        strip.setAutoFillBackground(True)
        strip.setBackgroundRole(QPalette.ColorRole.Window)
        strip_layout = QVBoxLayout(strip)
        strip_layout.setContentsMargins(4, 4, 4, 4)
        strip_layout.setSpacing(4)
        strip_layout.addWidget(self.add_button)
        strip_layout.addWidget(self.sync_button)
        strip_layout.addStretch(1)
        self._strip = strip

        self.row = QWidget()
        self.row.setObjectName("compareRow")
        self.row.setAutoFillBackground(True)
        self.row.setBackgroundRole(QPalette.ColorRole.Mid)  # shows as lines between columns
        self._row_layout = QHBoxLayout(self.row)
        self._row_layout.setContentsMargins(0, 0, 0, 0)
        self._row_layout.setSpacing(1)
        self._row_layout.addWidget(strip)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("compareScroll")
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll_area.setWidget(self.row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)
        self._update_strip()

    # --- columns --------------------------------------------------------------------------

    def set_columns(self, columns: list[tuple[str, str]]) -> None:
        """Show these (column id, model) pairs in this order. A column whose id was
        already on screen keeps its widget (and its messages); the others are removed.
        """
        order: dict[str, str] = {}
        for column_id, model in columns:
            order.setdefault(column_id, model)
        for column_id in [cid for cid in self._columns if cid not in order]:
            self._drop(column_id)
        kept = self._columns
        self._columns = {}
        for column_id, model in order.items():
            column = kept.get(column_id)
            if column is None:
                column = self._make(column_id, model)
            elif column.model() != model:
                column.set_model(model)
            self._columns[column_id] = column
        self._lay_out()

    def column(self, column_id: str) -> CompareColumn | None:
        return self._columns.get(column_id)

    def columns(self) -> list[CompareColumn]:
        return list(self._columns.values())

    def column_ids(self) -> list[str]:
        return list(self._columns)

    def remove_column(self, column_id: str) -> None:
        if column_id in self._columns:
            self._drop(column_id)
            self._lay_out()

    # --- theme ----------------------------------------------------------------------------

    @property
    def theme(self) -> str:
        return self._theme

    def set_theme(self, theme: str) -> None:
        self._theme = theme
        for column in self._columns.values():
            column.set_theme(theme)

    # --- synced scrolling -----------------------------------------------------------------

    def synced_scrolling(self) -> bool:
        return self._synced

    def set_synced_scrolling(self, synced: bool) -> None:
        self.sync_button.setChecked(synced)

    def _on_sync_toggled(self, synced: bool) -> None:
        self._synced = synced
        self.sync_button.setToolTip(
            "Scrolling all columns together" if synced else "Scroll all columns together"
        )
        self.synced_scrolling_changed.emit(synced)

    def _on_column_scrolled(self, column_id: str, fraction: float) -> None:
        if not self._synced or self._syncing:
            return
        self._syncing = True
        try:
            for other_id, column in self._columns.items():
                if other_id != column_id:
                    column.set_scroll_fraction(fraction)
        finally:
            self._syncing = False

    # --- internals ------------------------------------------------------------------------

    def _make(self, column_id: str, model: str) -> CompareColumn:
        column = CompareColumn(column_id, model, self._theme, self.row)
        column.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column.model_clicked.connect(self.column_model_clicked)
        column.params_changed.connect(self.column_params_changed)
        column.stop_requested.connect(self.column_stop_requested)
        column.regenerate_requested.connect(self.column_regenerate_requested)
        column.retry_requested.connect(self.column_retry_requested)
        column.fix_requested.connect(self.column_fix_requested)
        column.duplicate_requested.connect(self.column_duplicate_requested)
        column.move_requested.connect(self.column_move_requested)
        column.remove_requested.connect(self.column_remove_requested)
        column.continue_requested.connect(self.column_continue_requested)
        column.branch_requested.connect(self.column_branch_requested)
        column.choice_requested.connect(self.column_choice_requested)
        column.message_regenerate_requested.connect(self.column_message_regenerate_requested)
        column.edit_requested.connect(self.column_edit_requested)
        column.delete_requested.connect(self.column_delete_requested)
        column.link_activated.connect(self.link_activated)
        column.copy_all_requested.connect(self.copy_all_requested)
        column.view.answer_action.connect(self.answer_action)
        column.scrolled.connect(self._on_column_scrolled)
        return column

    def _drop(self, column_id: str) -> None:
        column = self._columns.pop(column_id)
        self._row_layout.removeWidget(column)
        column.hide()
        column.deleteLater()

    def _lay_out(self) -> None:
        """Put the columns in ``self._columns`` order before the strip."""
        for column in self._columns.values():
            self._row_layout.removeWidget(column)
        count = len(self._columns)
        for index, column in enumerate(self._columns.values()):
            self._row_layout.insertWidget(index, column, 1)
            column.header.set_position(index, count)
            column.show()
        self._update_strip()

    def _update_strip(self) -> None:
        full = len(self._columns) >= MAX_COLUMNS
        self.add_button.setEnabled(not full)
        self.add_button.setToolTip(
            f"A comparison holds up to {MAX_COLUMNS} columns" if full else "Add column"
        )
