"""Choosing the arena's pool: the models battles are drawn from, or every favourite."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class PoolDialog(QDialog):
    """Emits ``chosen(models)``: the pool ([] for "all favourites")."""

    chosen = Signal(list)

    def __init__(
        self,
        known: Sequence[str],
        pool: Sequence[str],
        favourites: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Arena pool")
        self.setObjectName("arenaPoolDialog")
        self.resize(420, 520)
        self.favourites = QCheckBox(
            f"All favourites ({len(favourites)} models)"
            if favourites
            else "All favourites (none yet)",
            self,
        )
        self.favourites.setChecked(not pool)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter models")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        for model in dict.fromkeys([*pool, *favourites, *known]):
            item = QListWidgetItem(model, self.list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if model in pool else Qt.CheckState.Unchecked)
        self.add_edit = QLineEdit(self)
        self.add_edit.setPlaceholderText("Another model id")
        add = QPushButton("Add", self)
        add.clicked.connect(self._add)
        self.add_edit.returnPressed.connect(self._add)
        row = QHBoxLayout()
        row.addWidget(self.add_edit, 1)
        row.addWidget(add)
        self.count = QLabel(self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.favourites)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.favourites.toggled.connect(self._update)
        self.list.itemChanged.connect(self._update)
        self.filter.textChanged.connect(self._filter)
        self._update()

    def checked(self) -> list[str]:
        items = [self.list.item(i) for i in range(self.list.count())]
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    def _add(self) -> None:
        model = self.add_edit.text().strip()
        if not model:
            return
        found = self.list.findItems(model, Qt.MatchFlag.MatchExactly)
        item = found[0] if found else QListWidgetItem(model, self.list)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        self.favourites.setChecked(False)
        self.add_edit.clear()

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def _update(self) -> None:
        self.list.setEnabled(not self.favourites.isChecked())
        n = len(self.checked())
        self.count.setText(
            "Battles draw from your favourites."
            if self.favourites.isChecked()
            else f"{n} model{'' if n == 1 else 's'} chosen (at least two)."
        )

    def _accept(self) -> None:
        models = [] if self.favourites.isChecked() else self.checked()
        if not self.favourites.isChecked() and len(models) < 2:
            self.count.setText("Choose at least two models, or all favourites.")
            return
        self.chosen.emit(models)
        self.accept()
