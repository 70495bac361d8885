"""Prices an endpoint's model list carries, offered beside the person's own.

:class:`OffersPanel` lists each offered price with what the table has for that model:
new models are ticked, a price that differs from the person's own is not (it is never
taken unasked), one that matches is shown greyed. "Add ticked" hands the ticked ones
to the dialog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.pricing import ModelPrice, Offer, compare_offers, offered_prices
from ui.common.tone import set_tone

COLUMNS = ("", "Model", "Offered input / output $/M", "Yours")
STATE_TEXT = {"new": "no price yet", "differs": "differs", "same": "the same"}


def _pair(price: ModelPrice | None) -> str:
    if price is None:
        return "—"

    def figure(value: float | None) -> str:
        return "?" if value is None else f"{value:g}"

    cached = f" (cached {price.cached_input:g})" if price.cached_input is not None else ""
    return f"{figure(price.input)} / {figure(price.output)}{cached}"


class OffersPanel(QWidget):
    accepted = Signal(dict)  # dict[str, ModelPrice]: the ticked offers

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._offers: list[Offer] = []
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        set_tone(self.status, "muted")
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(180)
        self.add_button = QPushButton("Add ticked", self)
        self.add_button.clicked.connect(self._accept)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        set_tone(self.status, "error" if error else "muted")
        self.table.setVisible(bool(self._offers) and not error)
        self.add_button.setVisible(bool(self._offers) and not error)
        self.show()

    def set_offers(
        self,
        listed: Iterable[Mapping[str, Any]],
        current: Mapping[str, ModelPrice],
        source: str,
    ) -> list[Offer]:
        self._offers = compare_offers(current, offered_prices(listed, source))
        self.table.setRowCount(len(self._offers))
        for row, offer in enumerate(self._offers):
            tick = QTableWidgetItem()
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
            tick.setFlags(flags if offer.state != "same" else Qt.ItemFlag.NoItemFlags)
            tick.setCheckState(
                Qt.CheckState.Checked if offer.state == "new" else Qt.CheckState.Unchecked
            )
            cells = (
                tick,
                QTableWidgetItem(offer.model),
                QTableWidgetItem(_pair(offer.price)),
                QTableWidgetItem(f"{_pair(offer.current)} ({STATE_TEXT[offer.state]})"),
            )
            for column, item in enumerate(cells):
                if offer.state == "same":
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        new = sum(1 for o in self._offers if o.state == "new")
        differs = sum(1 for o in self._offers if o.state == "differs")
        if not self._offers:
            self.show_status(f"{source} carries no prices.")
        else:
            self.show_status(
                f"{source} offers {len(self._offers)} prices: {new} for models without one "
                f"(ticked), {differs} that differ from yours (not ticked: yours stay unless "
                "you tick them)."
            )
        return list(self._offers)

    def offers(self) -> list[Offer]:
        return list(self._offers)

    def set_ticked(self, model: str, ticked: bool) -> None:
        for row, offer in enumerate(self._offers):
            item = self.table.item(row, 0)
            if offer.model == model and item is not None and offer.state != "same":
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def ticked(self) -> dict[str, ModelPrice]:
        out = {}
        for row, offer in enumerate(self._offers):
            item = self.table.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out[offer.model] = offer.price
        return out

    def _accept(self) -> None:
        ticked = self.ticked()
        if ticked:
            self.accepted.emit(ticked)
        self.hide()
