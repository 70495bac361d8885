"""The evaluation page: a test set (rows) × configurations (columns), run k times each,
graded by assertions, a judge and the person, read as a matrix with a summary.

The page holds what is edited (the Test set and Columns tabs, repeats, concurrency, the
cache and the judge) and starts runs; the Results tab (:class:`ResultsView`) reads
them. Keys on the page: F5 runs (or resumes) the run, Shift+F5 re-runs the failed
cells, Enter or a double click on a cell opens it whole (grade it there by keyboard).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.eval.model import Config, JudgeMode, JudgeSpec, Run, TestSet
from core.eval.runs import describe, estimate, new_run, to_send
from core.eval.store import EvalStore
from core.eval.testset_io import ImportProblem, ImportResult, read_file
from core.storage.chat_store import ChatStore
from ui.common.notifier import Notifier
from ui.eval.controller import EvalController
from ui.eval.editors import ConfigsEditor, TestSetEditor, row_problem
from ui.eval.results_view import ResultsView
from ui.shell.page import Command, Heading, ModelTarget, Page

log = logging.getLogger(__name__)
SAVE_DELAY_MS = 500  # an edited test set is written this long after the last edit


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class EvalPage(Page):
    name = "eval"

    def __init__(
        self,
        controller: EvalController,
        store: EvalStore,
        notifier: Notifier,
        parent: QWidget,
        chat_store: ChatStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.chat_store = chat_store
        self.controller = controller
        self.store = store
        self.notifier = notifier
        self.profile = ""
        self.theme = "light"
        self.testset = TestSet()
        self._testset_write: asyncio.Task[None] | None = None
        self._testset_dirty = False  # edits not written yet
        self._root = QWidget(parent)
        self._root.setObjectName("evalPage")
        self._build(controller)
        self._wire()
        self.new_evaluation()

    # --- building ------------------------------------------------------------------------

    def _build(self, controller: EvalController) -> None:
        root = self._root
        self.name_edit = QLineEdit(root)
        self.name_edit.setPlaceholderText("Test set name")
        self.open_button = QPushButton("Open…", root)
        self.import_button = QPushButton("Import…", root)
        self.from_chat_button = QPushButton("From chat…", root)
        self.export_set_button = QPushButton("Export test set…", root)
        self.repeats = QSpinBox(root)
        self.repeats.setRange(1, 20)
        self.repeats.setPrefix("× ")
        self.repeats.setToolTip("Repeats: each row is asked this many times per column")
        self.concurrency = QSpinBox(root)
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(4)
        self.concurrency.setPrefix("at once ")
        self.concurrency.setToolTip("Requests sent at once to the endpoint")
        self.use_cache = QCheckBox("Cache", root)
        self.use_cache.setToolTip(
            "Answer identical request bodies from the local cache (marked “cached”)"
        )
        self.judge_model = QLineEdit(root)
        self.judge_model.setPlaceholderText("Judge model (optional)")
        self.judge_mode = QComboBox(root)
        self.judge_mode.addItem("scores each answer", "score")
        self.judge_mode.addItem("picks the best", "best")
        self.rubric = QLineEdit(root)
        self.rubric.setPlaceholderText("Rubric for the judge (the rows' own when empty)")
        top = QHBoxLayout()
        for w in (
            self.name_edit,
            self.open_button,
            self.import_button,
            self.from_chat_button,
            self.export_set_button,
        ):
            top.addWidget(w)
        top.addStretch(1)
        judge_row = QHBoxLayout()
        widget: QWidget
        for widget in (
            self.repeats,
            self.concurrency,
            self.use_cache,
            QLabel("Judge:", root),
            self.judge_model,
            self.judge_mode,
        ):
            judge_row.addWidget(widget)
        judge_row.addWidget(self.rubric, 1)

        self.rows_editor = TestSetEditor(root)
        self.configs_editor = ConfigsEditor(root)
        self.tabs = QTabWidget(root)
        self.tabs.addTab(self.rows_editor, "Test set")
        self.tabs.addTab(self.configs_editor, "Columns")

        self.results = ResultsView(controller, root)
        self.tabs.addTab(self.results, "Results")
        self.results_index = 2

        layout = QVBoxLayout(root)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addLayout(judge_row)
        layout.addWidget(self.tabs, 1)
        self._save_timer = QTimer(root)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_testset)
        for keys, slot in (("F5", self.run_or_resume), ("Shift+F5", self.rerun_failed)):
            shortcut = QShortcut(QKeySequence(keys), root)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def _wire(self) -> None:
        r = self.results
        r.busy_changed.connect(self._busy_changed)
        self.rows_editor.edited.connect(self._testset_edited)
        self.configs_editor.edited.connect(self._configs_edited)
        self.name_edit.textEdited.connect(self._renamed)
        r.run_button.clicked.connect(lambda: self.start_run())
        r.resume_button.clicked.connect(self.resume)
        r.failed_button.clicked.connect(self.rerun_failed)
        r.judge_button.clicked.connect(self.judge_now)
        for w in (self.repeats, self.concurrency):
            w.valueChanged.connect(self._update_estimate)

    def _busy_changed(self) -> None:
        # Stop, "Generating…" and the menus follow the run, on the next turn of the loop:
        # the window's refresh and the start of a run are two short pauses, not one
        QTimer.singleShot(0, self._root, self.changed.emit)

    @property
    def configs(self) -> list[Config]:
        """The columns being edited (those of the run on screen once it runs)."""
        return self.configs_editor.configs

    @configs.setter
    def configs(self, configs: list[Config]) -> None:
        self.configs_editor.set_configs(configs)

    def set_columns(self, configs: list[Config]) -> None:
        """Show ``configs`` as the columns of the next run (a sweep's, a loaded set)."""
        self.configs_editor.set_configs(list(configs))
        self._configs_edited()

    # --- Page ------------------------------------------------------------------------------

    @property
    def widget(self) -> QWidget:
        return self._root

    def heading(self) -> Heading:
        rows, columns = len(self.testset.rows), len(self.configs)
        return Heading(
            title=f"Evaluation · {_count(rows, 'row')} × {_count(columns, 'column')}",
            detail=self.testset.name,
            profile=self.profile,
        )

    def why_not(self, command: Command) -> str | None:
        if command == Command.STOP:
            return None if self.controller.busy() else "No evaluation is running."
        if command in (Command.CHOOSE_MODEL, Command.PARAMS):
            if not self.configs:
                return "Add a column first (Columns tab)."
            return None
        if command == Command.SEND:
            return "An evaluation sends its rows: press Run (F5) on the Results tab."
        if command in (Command.EXPORT, Command.COPY_ALL):
            return "Use Export results… on the Results tab (CSV, JSON or a Markdown report)."
        if command == Command.REGENERATE:
            return "Re-run a cell, row or column from its menu in the matrix."
        return "Not available in an evaluation."

    def is_generating(self) -> bool:
        return self.controller.busy()

    def stop(self) -> None:
        self.results.stop()

    def model(self) -> str:
        config = self._current_config()
        return config.model if config else ""

    def model_targets(self) -> list[ModelTarget]:
        return [ModelTarget(c.id, c.label) for c in self.configs]

    def default_model_target(self) -> str:
        config = self._current_config()
        return config.id if config else ""

    def set_model(self, model: str, target: str = "") -> None:
        for config in self.configs:
            if config.id == target or (not target and config is self._current_config()):
                config.model = model
        self.configs_editor.set_configs(self.configs)
        self._configs_edited()

    def params(self) -> dict[str, object]:
        config = self._current_config()
        return dict(config.params) if config else {}

    def set_params(self, values: dict[str, object]) -> None:
        config = self._current_config()
        if config is not None and config.params != values:
            config.params = dict(values)
            self.configs_editor.set_configs(self.configs)
            self._configs_edited()

    def set_profile(self, profile: str) -> None:
        self.profile = profile

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        self.results.set_theme(theme)

    def _current_config(self) -> Config | None:
        r = self.configs_editor.table.currentRow()
        if 0 <= r < len(self.configs):
            return self.configs[r]
        return self.configs[0] if self.configs else None

    # --- what is edited ----------------------------------------------------------------------

    def new_evaluation(self) -> None:
        self.set_testset(TestSet(), [])
        self.controller.set_run(None)
        self.tabs.setCurrentIndex(0)

    def set_testset(self, testset: TestSet, configs: list[Config] | None = None) -> None:
        if self._testset_dirty:  # the edits of the one shown so far are kept
            self._save_testset()
        self.testset = testset
        self.name_edit.setText(testset.name)
        self.rows_editor.set_testset(testset)
        if configs is not None:
            self.configs = configs
            self.configs_editor.set_configs(configs)
        self._update_estimate()
        self.changed.emit()

    def load_import(self, result: ImportResult) -> None:
        """Show an imported test set (and a promptfoo config's providers as columns)."""
        self.set_testset(result.testset, result.configs or self.configs)
        self._save_testset()

    def import_path(self, path: Path) -> ImportResult | None:
        """Import ``path``; a file that cannot be read says why and changes nothing."""
        try:
            result = read_file(path)
        except ImportProblem as exc:
            self.notifier.error(str(exc))
            return None
        self.load_import(result)
        if result.problems:
            self.notifier.warning(
                f"Imported {len(result.testset.rows)} rows from {path.name}; "
                + " ".join(result.problems[:5])
                + (f" (and {len(result.problems) - 5} more)" if len(result.problems) > 5 else "")
            )
        else:
            self.notifier.info(f"Imported {len(result.testset.rows)} rows from {path.name}.")
        return result

    def open_run(self, run: Run) -> None:
        if self._testset_dirty:
            self._save_testset()
        self.testset = run.testset
        self.configs = run.configs
        self.name_edit.setText(run.testset.name)
        self.rows_editor.set_testset(run.testset)
        self.configs_editor.set_configs(run.configs)
        self.repeats.setValue(run.repeats)
        self.concurrency.setValue(run.concurrency)
        self.use_cache.setChecked(run.use_cache)
        self.judge_model.setText(run.judge.model if run.judge else "")
        self.rubric.setText(run.judge.rubric if run.judge else "")
        self.controller.set_run(run)
        self.tabs.setCurrentIndex(self.results_index)
        self.changed.emit()

    def _renamed(self, text: str) -> None:
        self.testset.name = text.strip() or "Untitled test set"
        self._testset_dirty = True
        self._save_timer.start()

    def _testset_edited(self) -> None:
        self._testset_dirty = True
        self._save_timer.start()
        self._update_estimate()
        self.changed.emit()

    def _configs_edited(self) -> None:
        self._update_estimate()
        self.changed.emit()

    def _save_testset(self) -> None:
        """Write the test set now, on a worker thread (encoded as it is now)."""
        self._save_timer.stop()
        self._testset_dirty = True
        self._write_testset()

    def _write_testset(self) -> None:
        if not self.testset.rows:
            self._testset_dirty = False
            return
        if self._testset_write is not None and not self._testset_write.done():
            return  # one write at a time: the next follows this one
        self._testset_dirty = False
        loop = asyncio.get_running_loop()
        self._testset_write = loop.create_task(self._write_async(self.testset))

    async def _write_async(self, testset: TestSet) -> None:
        try:
            await self.store.save_async(testset)
        except OSError as exc:
            self.notifier.error(f"Could not save the test set: {exc.strerror or exc}.")
        if self._testset_dirty:  # edited while it was written
            loop = asyncio.get_running_loop()
            loop.call_soon(self._write_testset)

    async def flush(self) -> None:
        """Write an edited test set not saved yet and wait for the write."""
        if self._testset_dirty:
            self._write_testset()
        while self._testset_write is not None and not self._testset_write.done():
            await asyncio.gather(self._testset_write, return_exceptions=True)
            if self._testset_dirty:
                self._write_testset()

    def save_now(self) -> None:
        """Write an edited test set not saved yet, synchronously (the app is quitting)."""
        if not self._testset_dirty or not self.testset.rows:
            return
        self._testset_dirty = False
        try:
            self.store.save(self.testset)
        except OSError:
            log.exception("could not save test set %s while quitting", self.testset.id)

    def _draft(self) -> Run:
        run = new_run(self.testset, self.configs, self.repeats.value(), profile=self.profile)
        run.concurrency = self.concurrency.value()
        run.use_cache = self.use_cache.isChecked()
        model = self.judge_model.text().strip()
        if model:
            mode: JudgeMode = "best" if self.judge_mode.currentData() == "best" else "score"
            run.judge = JudgeSpec(model=model, rubric=self.rubric.text().strip(), mode=mode)
        return run

    def _update_estimate(self) -> None:
        if not self.testset.rows or not self.configs:
            self.results.estimate_label.setText(
                "Add rows (Test set tab) and columns (Columns tab) to run."
            )
            return
        draft = self._draft()
        est = estimate(draft, draft.cells, self.controller.prices())
        text = f"Next run: {describe(est)}"
        if est.problems:
            text += f" · {len(est.problems)} rows cannot be sent ({est.problems[0]})"
        self.results.estimate_label.setText(text)

    # --- running ------------------------------------------------------------------------

    def start_run(self, *, confirm: bool = True) -> bool:
        """A new run of the test set × the columns; asks first, showing the estimate."""
        if not self.testset.rows or not self.configs:
            self.notifier.warning("Add at least one row and one column before running.")
            return False
        empty = [c.label for c in self.configs if not c.model]
        if empty or self.configs_editor.problems:
            why = next(iter(self.configs_editor.problems.values()), "")
            self.notifier.warning(why or f"Choose a model for {', '.join(empty)} (Columns tab).")
            return False
        draft = self._draft()
        if not confirm:
            self._begin(draft)
            return True
        est = estimate(draft, draft.cells, self.controller.prices())
        box = QMessageBox(
            QMessageBox.Icon.Question, "Run the evaluation?", describe(est) + ".", parent=self._root
        )
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Ok).setText("Run")
        if est.problems:
            box.setInformativeText("\n".join(est.problems[:5]))
        box.accepted.connect(lambda: self._begin(draft))
        box.finished.connect(box.deleteLater)
        box.open()
        return True

    def _begin(self, run: Run) -> None:
        self._save_testset()
        self.controller.set_run(run)
        self.tabs.setCurrentIndex(self.results_index)
        self.controller.start()
        self.controller.save_soon()

    def run_or_resume(self) -> None:
        run = self.controller.run
        if run is not None and to_send(run) and not self.controller.busy():
            self.resume()
        elif not self.controller.busy():
            self.start_run()

    def resume(self) -> None:
        run = self.controller.run
        if run is None:
            return
        run.concurrency = self.concurrency.value()
        sent = self.controller.start("unfinished")
        self.notifier.info(
            f"Resumed: {sent} cells to send." if sent else "Every cell has an answer."
        )

    def rerun_failed(self) -> None:
        sent = self.controller.start("failed")
        self.notifier.info(f"Sending {sent} failed cells again." if sent else "No cell failed.")

    def judge_now(self) -> None:
        run = self.controller.run
        if run is None:
            return
        model = self.judge_model.text().strip()
        if not model:
            self.notifier.warning("Name a judge model first (beside “Judge:”).")
            return
        mode: JudgeMode = "best" if self.judge_mode.currentData() == "best" else "score"
        run.judge = JudgeSpec(model=model, rubric=self.rubric.text().strip(), mode=mode)
        if mode == "score":
            for cell in run.cells:
                cell.judge = None
        self.controller.judge_all()

    def problems(self) -> list[str]:
        """Each row's problem, by row number (for the Test set tab and the tests)."""
        return [
            f"Row {i}: {p}" for i, r in enumerate(self.testset.rows, 1) if (p := row_problem(r))
        ]
