"""The evaluation page's dialogs: open a saved test set or run, import, a chat's questions
as rows, export, compare two runs, saved column sets. Every dialog opens with
``open()``; nothing waits in a nested loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
)

from core.eval.model import ColumnSet, Run, TestSet
from core.eval.results_export import results_csv, results_json, results_markdown
from core.eval.store import EvalFileError
from core.eval.summary import compare_runs
from core.eval.testset_io import (
    ImportResult,
    rows_from_chat,
    write_csv,
    write_jsonl,
    write_promptfoo,
)
from core.storage.atomic import atomic_write_bytes

if TYPE_CHECKING:
    from ui.eval.page import EvalPage


def wire(page: EvalPage) -> None:
    """Connect the page's buttons that open these dialogs."""
    editor = page.configs_editor
    editor.save_requested.connect(lambda: save_column_set(page))
    editor.load_requested.connect(lambda: load_column_set(page))
    page.open_button.clicked.connect(lambda: open_dialog(page))
    page.import_button.clicked.connect(lambda: import_dialog(page))
    page.from_chat_button.clicked.connect(lambda: from_chat_dialog(page))
    page.export_set_button.clicked.connect(lambda: export_testset_dialog(page))
    page.results.export_button.clicked.connect(lambda: export_results_dialog(page))
    page.results.compare_button.clicked.connect(lambda: compare_dialog(page))


def _choose(
    page: EvalPage, title: str, items: list[tuple[str, object]], chosen: Callable[[object], None]
) -> None:
    dialog = QDialog(page.widget)
    dialog.setWindowTitle(title)
    dialog.resize(520, 400)
    listing = QListWidget(dialog)
    for text, data in items:
        item = QListWidgetItem(text, listing)
        item.setData(256, data)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    layout = QVBoxLayout(dialog)
    layout.addWidget(listing)
    layout.addWidget(buttons)

    def accept() -> None:
        item = listing.currentItem()
        if item is not None:
            chosen(item.data(256))
        dialog.accept()

    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    listing.itemActivated.connect(lambda _: accept())
    dialog.finished.connect(dialog.deleteLater)
    if listing.count():
        listing.setCurrentRow(0)
    dialog.open()


def open_dialog(page: EvalPage) -> None:
    """Reopen a saved run or test set."""
    store = page.store
    items: list[tuple[str, object]] = [
        (f"Run · {x.name} · {x.detail}", ("run", x.id)) for x in store.list(Run)
    ]
    items += [(f"Test set · {x.name} · {x.detail}", ("testset", x.id)) for x in store.list(TestSet)]
    for problem in store.problems:
        page.notifier.warning(problem)
    store.problems.clear()
    if not items:
        page.notifier.info("No saved evaluation yet: import or write a test set first.")
        return

    def chosen(data: object) -> None:
        assert isinstance(data, tuple)
        kind, item_id = data
        try:
            if kind == "run":
                page.open_run(store.load(Run, item_id))
            else:
                page.set_testset(store.load(TestSet, item_id))
        except EvalFileError as exc:
            page.notifier.error(str(exc))

    _choose(page, "Open evaluation", items, chosen)


def import_dialog(page: EvalPage) -> None:
    dialog = QFileDialog(page.widget, "Import test set", str(Path.home()))
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilter("Test sets (*.csv *.jsonl *.yaml *.yml *.json)")
    dialog.fileSelected.connect(lambda path: page.import_path(Path(path)))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()


def from_chat_dialog(page: EvalPage) -> None:
    """Turn the questions of a saved chat or comparison into rows."""
    chats = page.chat_store.list_chats() if page.chat_store is not None else []
    if not chats:
        page.notifier.info("No saved chat to take questions from.")
        return

    def chosen(data: object) -> None:
        assert page.chat_store is not None
        chat = page.chat_store.load(str(data))
        rows = rows_from_chat(chat)
        if not rows:
            page.notifier.warning(f"“{chat.title}” has no questions.")
            return
        testset = TestSet(name=f"Questions of {chat.title or 'a chat'}", rows=rows)
        page.load_import(ImportResult(testset))
        page.notifier.info(f"{len(rows)} questions of “{chat.title}” became rows.")

    _choose(page, "Questions from a chat", [(c.title or "Untitled", c.id) for c in chats], chosen)


def _save_as(
    page: EvalPage, title: str, name: str, filters: list[str], make: Callable[[str], bytes]
) -> None:
    safe = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in name)[:60] or "evaluation"
    dialog = QFileDialog(page.widget, title, str(Path.home() / safe))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilters(filters)

    def write(path: str) -> None:
        chosen = dialog.selectedNameFilter()
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(chosen.split("*")[-1].rstrip(")"))
        try:
            atomic_write_bytes(target, make(target.suffix.lower()))
        except OSError as exc:
            page.notifier.error(f"Could not write {target}: {exc.strerror or exc}.")
            return
        page.notifier.info(f"Exported to {target}")

    dialog.fileSelected.connect(write)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()


def export_testset(page: EvalPage, suffix: str) -> bytes:
    if suffix == ".csv":
        return write_csv(page.testset).encode()
    if suffix in (".yaml", ".yml"):
        return write_promptfoo(page.testset, page.configs).encode()
    return write_jsonl(page.testset).encode()


def export_testset_dialog(page: EvalPage) -> None:
    _save_as(
        page,
        "Export test set",
        page.testset.name,
        ["CSV (*.csv)", "JSONL (*.jsonl)", "promptfoo config (*.yaml)"],
        lambda suffix: export_testset(page, suffix),
    )


def export_results(page: EvalPage, suffix: str) -> bytes:
    run = page.controller.run
    assert run is not None
    prices = page.controller.prices()
    if suffix == ".csv":
        return results_csv(run, prices).encode()
    if suffix == ".json":
        return results_json(run)
    return results_markdown(run, prices).encode()


def export_results_dialog(page: EvalPage) -> None:
    run = page.controller.run
    if run is None:
        page.notifier.info("Run the evaluation first; then its results can be exported.")
        return
    _save_as(
        page,
        "Export results",
        run.name,
        ["CSV (*.csv)", "JSON (*.json)", "Markdown report (*.md)"],
        lambda suffix: export_results(page, suffix),
    )


def compare_text(before: Run, after: Run) -> str:
    better, worse = compare_runs(before, after)
    numbers = {r.id: i for i, r in enumerate(after.testset.rows, 1)}

    def lines(changes: list, sign: str) -> str:  # type: ignore[type-arg]
        return (
            "\n".join(
                f"{sign} Row {numbers[c.row_id]} · {c.config}: {c.before:.2f} → {c.after:.2f}"
                for c in changes
            )
            or "  (none)"
        )

    up, down = lines(better, "+"), lines(worse, "−")
    return f"Better ({len(better)}):\n{up}\n\nWorse ({len(worse)}):\n{down}"


def compare_dialog(page: EvalPage) -> None:
    run = page.controller.run
    if run is None:
        page.notifier.info("Open or run an evaluation first.")
        return
    others = [x for x in page.store.list(Run) if x.id != run.id]
    same = []
    for listed in others:
        try:
            other = page.store.load(Run, listed.id)
        except EvalFileError:
            continue
        if other.testset.id == run.testset.id:
            same.append((f"{listed.name} · {listed.detail}", other))
    if not same:
        page.notifier.info("No other run of this test set to compare with.")
        return

    def chosen(data: object) -> None:
        assert isinstance(data, Run)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Compared with an earlier run",
            compare_text(data, run),
            parent=page.widget,
        )
        box.finished.connect(box.deleteLater)
        box.open()

    _choose(page, "Compare with an earlier run", same, chosen)  # type: ignore[arg-type]


def save_column_set(page: EvalPage) -> None:
    dialog = QInputDialog(page.widget)
    dialog.setWindowTitle("Save column set")
    dialog.setLabelText("Name of this set of columns:")

    def save(name: str) -> None:
        columns = ColumnSet(name=name.strip() or "Columns", configs=list(page.configs))
        try:
            page.store.save(columns)
        except OSError as exc:
            page.notifier.error(f"Could not save the column set: {exc.strerror or exc}.")
            return
        page.notifier.info(f"Saved the column set “{columns.name}”.")

    dialog.textValueSelected.connect(save)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()


def load_column_set(page: EvalPage) -> None:
    sets = page.store.list(ColumnSet)
    if not sets:
        page.notifier.info("No saved column set yet.")
        return

    def chosen(data: object) -> None:
        try:
            columns = page.store.load(ColumnSet, str(data))
        except EvalFileError as exc:
            page.notifier.error(str(exc))
            return
        page.configs = list(columns.configs)
        page.configs_editor.set_configs(page.configs)
        page.configs_editor.edited.emit()

    _choose(page, "Load column set", [(f"{x.name} · {x.detail}", x.id) for x in sets], chosen)
