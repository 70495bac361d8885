"""Settings › Prices: the price table per model, edited, imported, exported and filled
from the endpoint's model list.

:class:`PricesDialog` shows one row per model (US dollars per million input, output and
cached input tokens, and where the price came from). Nothing is saved until Save; a
cell that is not a price is named in one sentence and the dialog stays open, so nothing
typed is lost. Import reads a JSON or CSV price file into the table (its models replace
the same rows); Export writes the table. "From the endpoint" reads the prices the
active endpoint's ``GET /models`` carries and lists them as offers beside yours: new
models are ticked, a price that differs from yours is not; only ticked offers are
added.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.api.errors import APIError
from core.endpoint import EndpointUnusable
from core.pricing import ModelPrice, PriceFileError, read_price_file, write_price_file
from core.profiles import resolve_endpoint
from core.storage.atomic import atomic_write_bytes
from ui.common.notifier import Notifier
from ui.common.services import Services
from ui.common.tone import set_tone
from ui.pricing.offers import OffersPanel

COLUMNS = ("Model", "Input $/M", "Output $/M", "Cached input $/M", "From")
MODEL, INPUT, OUTPUT, CACHED, SOURCE = range(len(COLUMNS))
NUMBER_COLUMNS = {INPUT: "input", OUTPUT: "output", CACHED: "cached input"}


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class TableError(ValueError):
    """A cell that is not a price: ``row`` and ``column`` name it; ``str()`` says why."""

    def __init__(self, message: str, row: int, column: int) -> None:
        super().__init__(message)
        self.row, self.column = row, column


class PricesDialog(QDialog):
    def __init__(
        self,
        services: Services,
        notifier: Notifier,
        parent: QWidget | None = None,
        *,
        model: str = "",
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.notifier = notifier
        self._model = model  # the model on screen: what "Add model" starts with
        self.setWindowTitle("Prices")
        self.resize(720, 520)
        self._task: asyncio.Task[None] | None = None

        intro = QLabel(
            "US dollars per million tokens. Each answer's cost is worked out from the "
            "token counts the server reports and this table; a model without a price "
            "shows “cost unknown”, never $0. Cached input applies to prompt tokens a "
            "gateway reports as cached (empty: they cost the input price).",
            self,
        )
        intro.setWordWrap(True)
        set_tone(intro, "muted")
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(MODEL, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._edited)

        self.add_button = QPushButton("&Add model", self)
        self.add_button.clicked.connect(lambda: self.add_row(self._default_model()))
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.import_button = QPushButton("&Import…", self)
        self.import_button.clicked.connect(self._choose_import)
        self.export_button = QPushButton("E&xport…", self)
        self.export_button.clicked.connect(self._choose_export)
        self.fetch_button = QPushButton("From the &endpoint…", self)
        self.fetch_button.setToolTip(
            "Read the prices the active endpoint's model list carries (OpenRouter and "
            "several gateways send them) and offer them here"
        )
        self.fetch_button.clicked.connect(self.fetch_offers)
        tools = QHBoxLayout()
        for button in (self.add_button, self.remove_button):
            tools.addWidget(button)
        tools.addStretch(1)
        for button in (self.import_button, self.export_button, self.fetch_button):
            tools.addWidget(button)

        self.offers = OffersPanel(self)
        self.offers.accepted.connect(self._take_offers)
        self.offers.hide()
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        set_tone(self.problem, "error")
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(tools)
        layout.addWidget(self.offers)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.set_prices(services.settings.prices)

    # --- the table --------------------------------------------------------------------

    def set_prices(self, prices: dict[str, ModelPrice]) -> None:
        self.table.setRowCount(0)
        for model in sorted(prices, key=str.lower):
            self.add_row(model, prices[model], focus=False)

    def add_row(
        self, model: str = "", price: ModelPrice | None = None, *, focus: bool = True
    ) -> int:
        """A row for ``model`` (replacing its row when it has one)."""
        price = price or ModelPrice()
        row = self.row_of(model) if model else -1
        if row < 0:
            row = self.table.rowCount()
            self.table.insertRow(row)
        cells = (
            model,
            _figure(price.input),
            _figure(price.output),
            _figure(price.cached_input),
            price.source or "you",
        )
        self.table.blockSignals(True)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == SOURCE:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(Qt.ItemDataRole.UserRole, price.source)
            elif column != MODEL:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        target = self.table.item(row, MODEL if not model else INPUT)
        if focus and target is not None:
            self.table.setCurrentItem(target)
            self.table.editItem(target)
        return row

    def row_of(self, model: str) -> int:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, MODEL)
            if item is not None and item.text().strip() == model:
                return row
        return -1

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)

    def _edited(self, item: QTableWidgetItem) -> None:
        """A price typed by the person is theirs from now on."""
        if item.column() != SOURCE:
            source = self.table.item(item.row(), SOURCE)
            if source is not None and source.text() != "you":
                self.table.blockSignals(True)
                source.setText("you")
                source.setData(Qt.ItemDataRole.UserRole, "")
                self.table.blockSignals(False)
        self.problem.hide()

    def _default_model(self) -> str:
        return self._model if self._model and self.row_of(self._model) < 0 else ""

    def prices(self) -> dict[str, ModelPrice]:
        """The table as prices; raises :class:`TableError` naming the first bad cell."""
        table: dict[str, ModelPrice] = {}
        for row in range(self.table.rowCount()):

            def text(column: int, row: int = row) -> str:
                item = self.table.item(row, column)
                return item.text().strip() if item is not None else ""

            model = text(MODEL)
            numbers = {c: text(c) for c in NUMBER_COLUMNS}
            if not model:
                if not any(numbers.values()):
                    continue  # an empty row added and left
                raise TableError(f"Row {row + 1} has prices but no model id.", row, MODEL)
            if model in table:
                raise TableError(f"{model} is in the table twice.", row, MODEL)
            values: dict[int, float | None] = {}
            for column, raw in numbers.items():
                values[column] = self._number(raw, model, NUMBER_COLUMNS[column], row, column)
            source_item = self.table.item(row, SOURCE)
            source = source_item.data(Qt.ItemDataRole.UserRole) if source_item else ""
            table[model] = ModelPrice(
                input=values[INPUT],
                output=values[OUTPUT],
                cached_input=values[CACHED],
                source=source if isinstance(source, str) else "",
            )
        return table

    def _number(self, raw: str, model: str, what: str, row: int, column: int) -> float | None:
        cleaned = raw.lstrip("$").replace(",", "").strip()
        if not cleaned:
            return None
        try:
            value = float(cleaned)
        except ValueError:
            raise TableError(
                f"The {what} price of {model}, “{raw}”, is not a number.", row, column
            ) from None
        if not math.isfinite(value) or value < 0:
            raise TableError(f"The {what} price of {model} must be 0 or more.", row, column)
        return value

    def _show_problem(self, exc: TableError) -> None:
        self.problem.setText(exc.args[0])
        self.problem.show()
        self.table.setCurrentCell(exc.row, exc.column)

    # --- saving -------------------------------------------------------------------------

    def save(self) -> None:
        try:
            prices = self.prices()
        except TableError as exc:
            self._show_problem(exc)
            return
        self.services.prefs.set(prices=prices)
        count = len(prices)
        self.notifier.info(f"Saved {count} price{'' if count == 1 else 's'}.")
        self.accept()

    # --- files --------------------------------------------------------------------------

    def _choose_import(self) -> None:
        dialog = QFileDialog(self, "Import prices", str(Path.home()))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(["Price files (*.json *.csv)", "All files (*)"])
        dialog.fileSelected.connect(self.import_file)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def import_file(self, path: str) -> int:
        """Read a price file into the table; returns how many prices it had."""
        try:
            found = read_price_file(Path(path).read_bytes(), path)
        except OSError as exc:
            self.notifier.error(f"Could not read {path}: {exc.strerror or exc}.")
            return 0
        except PriceFileError as exc:
            self.notifier.error(f"{Path(path).name} was not imported: {exc}")
            return 0
        replaced = sum(1 for model in found if self.row_of(model) >= 0)
        for model, price in found.items():
            self.add_row(model, price, focus=False)
        also = f" ({replaced} replaced yours)" if replaced else ""
        self.notifier.info(
            f"Imported {len(found)} prices from {Path(path).name}{also}; Save keeps them."
        )
        return len(found)

    def _choose_export(self) -> None:
        dialog = QFileDialog(self, "Export prices", str(Path.home() / "chorus-prices.json"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["JSON (*.json)", "CSV (*.csv)"])
        dialog.fileSelected.connect(self.export_file)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def export_file(self, path: str) -> bool:
        try:
            prices = self.prices()
        except TableError as exc:
            self._show_problem(exc)
            return False
        data = write_price_file(prices, "csv" if path.lower().endswith(".csv") else "json")
        try:
            atomic_write_bytes(Path(path), data)
        except OSError as exc:
            self.notifier.error(f"Could not write {path}: {exc.strerror or exc}.")
            return False
        self.notifier.info(f"Exported {len(prices)} prices to {path}")
        return True

    # --- prices from the endpoint -----------------------------------------------------------

    def fetch_offers(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.get_running_loop().create_task(self._fetch(), name="prices")

    async def _fetch(self) -> None:
        services = self.services
        profile = services.profile()
        self.fetch_button.setEnabled(False)
        self.offers.show_status(f"Reading the model list of {profile.name}…")
        try:
            endpoint = resolve_endpoint(profile, services.secrets, services.env)
            listed = await services.client.list_models(endpoint)
        except (EndpointUnusable, APIError) as exc:
            self.offers.show_status(f"Could not read the model list: {exc}", error=True)
            return
        finally:
            self.fetch_button.setEnabled(True)
        try:
            current = self.prices()
        except TableError:
            current = dict(services.settings.prices)
        self.offers.set_offers(listed, current, f"{profile.name} /models")

    def _take_offers(self, prices: dict[str, ModelPrice]) -> None:
        for model, price in prices.items():
            self.add_row(model, price, focus=False)
        count = len(prices)
        self.notifier.info(
            f"Added {count} price{'' if count == 1 else 's'} from the endpoint; Save keeps them."
        )

    def done(self, result: int) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().done(result)
