"""A command-palette style model picker: type to filter, arrows to move, Enter to pick.

The list shows Favourites, Recent, then one section per vendor
(:func:`core.models.picker_sections`); headings are skipped by the keyboard and cannot
be picked. Typing filters at once (:func:`core.models.filter_models`). A star on each row
adds or removes a favourite (a click, or Ctrl+D on the highlighted row). When the search
matches nothing, Enter uses the typed text as the model id.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.models import ModelInfo, filter_models, picker_sections
from ui.common.tone import set_tone
from ui.model_picker.rows import (
    PickerDelegate,
    PickerListModel,
    PickerRow,
    RowKind,
)

DEFAULT_SIZE = (560, 460)
TOP_OFFSET = 56  # distance from the top of the parent window, like an editor's palette
_MOVE_KEYS = {
    Qt.Key.Key_Down: 1,
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_PageDown: 10,
    Qt.Key.Key_PageUp: -10,
}


class ModelPicker(QDialog):
    """Pick a model from ``models``; emits ``model_chosen(id)`` and closes.

    With a parent the picker is a popup over the parent's window and closes when a
    click lands outside it; without one it is an ordinary dialog. Open it with
    ``open()`` or ``show()``.
    """

    model_chosen = Signal(str)
    target_chosen = Signal(str)  # with targets: where the model goes, before model_chosen
    favourite_toggled = Signal(str, bool)
    refresh_requested = Signal()

    def __init__(
        self,
        models: list[ModelInfo],
        favourites: list[str],
        recent: list[str],
        current: str,
        parent: QWidget | None = None,
        *,
        targets: Sequence[tuple[str, str]] = (),
        target: str = "",
    ) -> None:
        """``targets`` (id, label) offer where the choice goes (a column, every column);
        ``target`` is the one selected at first. The choice is ``model_chosen`` and, with
        targets, ``target_chosen`` just before it."""
        super().__init__(parent)
        self.setObjectName("modelPicker")
        self.setWindowTitle("Choose a model")
        if parent is not None:
            self.setWindowFlags(Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
            self.setStyleSheet("#modelPicker { border: 1px solid palette(mid); }")
        self._models = list(models)
        self._favourites = list(favourites)
        self._recent = list(recent)
        self._current = current

        self.search = QLineEdit(self)
        self.search.setObjectName("modelSearch")
        self.search.setPlaceholderText("Search models, e.g. “son 4.5” or “gemini”")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search models")
        self.search.installEventFilter(self)
        self.search.textChanged.connect(self._rebuild)

        self.list_model = PickerListModel(self)
        self.delegate = PickerDelegate(self)
        self.delegate.star_clicked.connect(self._toggle_favourite)
        self.list_view = QListView(self)
        self.list_view.setObjectName("modelList")
        self.list_view.setAccessibleName("Models")
        self.list_view.setModel(self.list_model)
        self.list_view.setItemDelegate(self.delegate)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setMouseTracking(True)
        self.list_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setFrameShape(QFrame.Shape.NoFrame)
        self.list_view.clicked.connect(self._clicked)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("modelStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.hide()
        self.refresh_button = QPushButton("Refresh list", self)
        self.refresh_button.setObjectName("refreshModels")
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.setToolTip("Ask the server for its current list of models")
        self.refresh_button.clicked.connect(self._refresh_clicked)
        hint = QLabel("↑↓ move · Enter choose · Ctrl+D favourite · Esc close", self)
        set_tone(hint, "muted")

        footer = QHBoxLayout()
        footer.setContentsMargins(10, 4, 10, 8)
        footer.addWidget(hint, 1)
        footer.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        top = QVBoxLayout()
        top.setContentsMargins(10, 10, 10, 6)
        self.target_box: QComboBox | None = None
        if targets:
            self.target_box = QComboBox(self)
            self.target_box.setObjectName("modelTarget")
            self.target_box.setAccessibleName("Use the model for")
            self.target_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            for target_id, text in targets:
                self.target_box.addItem(f"For {text}", target_id)
            index = self.target_box.findData(target)
            self.target_box.setCurrentIndex(max(0, index))
            top.addWidget(self.target_box)
        top.addWidget(self.search)
        layout.addLayout(top)
        layout.addWidget(self.list_view, 1)
        status = QVBoxLayout()
        status.setContentsMargins(10, 4, 10, 0)
        status.addWidget(self.status_label)
        layout.addLayout(status)
        layout.addLayout(footer)

        self.resize(*DEFAULT_SIZE)
        self._rebuild()
        self.search.setFocus()

    # --- public API -------------------------------------------------------------------

    def set_models(
        self,
        models: list[ModelInfo],
        favourites: list[str] | None = None,
        recent: list[str] | None = None,
        current: str | None = None,
    ) -> None:
        """Show a new list, keeping the search text and the highlighted model."""
        self._models = list(models)
        if favourites is not None:
            self._favourites = list(favourites)
        if recent is not None:
            self._recent = list(recent)
        if current is not None:
            self._current = current
        self.refresh_button.setEnabled(True)
        self._rebuild(keep=self.current_id())

    def set_status(self, text: str, error: bool = False) -> None:
        """Show ``text`` under the list (red when ``error``); an empty text hides it.

        This also ends the wait that "Refresh list" started.
        """
        self._show_status(text, error)
        self.refresh_button.setEnabled(True)

    def section_titles(self) -> list[str]:
        """The headings in the list, in order."""
        return [row.text for row in self.list_model.rows() if row.kind is RowKind.HEADING]

    def favourites(self) -> list[str]:
        return list(self._favourites)

    def visible_ids(self) -> list[str]:
        """The model ids in the list, in display order (headings left out)."""
        return [row.text for row in self.list_model.rows() if row.kind is RowKind.MODEL]

    def current_id(self) -> str | None:
        """The id Enter would pick, or None when nothing is highlighted."""
        row = self.list_view.currentIndex().row()
        return self.list_model.row_at(row).text if self.list_model.is_selectable(row) else None

    # --- building the list --------------------------------------------------------------

    def _rebuild(self, *_: object, keep: str | None = None) -> None:
        query = self.search.text().strip()
        shown = filter_models(self._models, query)
        rows: list[PickerRow] = []
        for title, items in picker_sections(shown, self._favourites, self._recent):
            rows.append(PickerRow(RowKind.HEADING, title))
            rows.extend(PickerRow(RowKind.MODEL, m.id, m, title) for m in items)
        if query and not any(m.id == query for m in shown) and " " not in query:
            if rows:
                rows.append(PickerRow(RowKind.HEADING, "Other id"))
            rows.append(PickerRow(RowKind.CUSTOM, query))
        if not rows:
            empty = "No model matches." if self._models else "No models yet: refresh the list."
            rows.append(PickerRow(RowKind.EMPTY, empty))
        self.list_model.set_rows(rows, set(self._favourites), self._current)

        wanted = keep if keep is not None else (self._current if not query else None)
        target = next(
            (i for i, row in enumerate(rows) if row.kind is RowKind.MODEL and row.text == wanted),
            None,
        )
        if target is None:
            target = self._next_selectable(-1, 1)
        self._select(target)

    def _next_selectable(self, start: int, step: int) -> int | None:
        row = start + step
        count = self.list_model.rowCount()
        while 0 <= row < count:
            if self.list_model.is_selectable(row):
                return row
            row += step
        return None

    def _select(self, row: int | None) -> None:
        if row is None:
            self.list_view.setCurrentIndex(QModelIndex())
            self.list_view.clearSelection()
            return
        index = self.list_model.index(row, 0)
        self.list_view.setCurrentIndex(index)
        if self._next_selectable(row, -1) is None:
            self.list_view.scrollToTop()  # keep the first heading in view
        else:
            self.list_view.scrollTo(index)

    def _move(self, delta: int) -> None:
        count = self.list_model.rowCount()
        current = self.list_view.currentIndex().row()
        step = 1 if delta > 0 else -1
        if abs(delta) == 1:
            target = self._next_selectable(current, step)
            if target is None:  # wrap around, like a palette
                target = self._next_selectable(-1 if step > 0 else count, step)
        else:
            page = max(self._page_rows(), 1) * step
            start = min(max(current + page, 0), count - 1)
            target = self._next_selectable(start - step, step)
            if target is None:
                target = self._next_selectable(start + step, -step)
        if target is not None:
            self._select(target)

    def _page_rows(self) -> int:
        height = self.list_view.sizeHintForRow(0) if self.list_model.rowCount() else 0
        if height <= 0:
            return 10
        return max(self.list_view.viewport().height() // height - 1, 1)

    # --- choosing -----------------------------------------------------------------------

    def _choose(self) -> None:
        model_id = self.current_id()
        if model_id is None:
            return
        if self.target_box is not None:
            self.target_chosen.emit(str(self.target_box.currentData()))
        self.model_chosen.emit(model_id)
        self.accept()

    def _clicked(self, index: QModelIndex) -> None:
        if self.list_model.is_selectable(index.row()):
            self.list_view.setCurrentIndex(index)
            self._choose()

    def _toggle_current_favourite(self) -> None:
        row = self.list_view.currentIndex().row()
        if self.list_model.is_selectable(row):
            picked = self.list_model.row_at(row)
            if picked.kind is RowKind.MODEL:
                self._toggle_favourite(picked.text)

    def _toggle_favourite(self, model_id: str) -> None:
        on = model_id not in self._favourites
        if on:
            self._favourites.append(model_id)
        else:
            self._favourites.remove(model_id)
        scroll = self.list_view.verticalScrollBar().value()
        keep = self.current_id()
        self._rebuild(keep=keep)
        if keep != model_id:
            self.list_view.verticalScrollBar().setValue(scroll)
        self.favourite_toggled.emit(model_id, on)

    def _show_status(self, text: str, error: bool) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))
        set_tone(self.status_label, "error" if error else "muted")

    def _refresh_clicked(self) -> None:
        self.refresh_button.setEnabled(False)
        self._show_status("Refreshing the model list…", False)
        self.refresh_requested.emit()

    # --- events -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = Qt.Key(event.key())
            plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if key in _MOVE_KEYS and plain:
                self._move(_MOVE_KEYS[key])
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose()
                return True
            if key == Qt.Key.Key_D and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
                self._toggle_current_favourite()
                return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        parent = self.parentWidget()
        if parent is not None:
            window = parent.window()
            top_left = window.mapToGlobal(QPoint(0, 0))
            x = top_left.x() + max((window.width() - self.width()) // 2, 0)
            self.move(x, top_left.y() + TOP_OFFSET)
        self.search.setFocus()
        self.search.selectAll()
