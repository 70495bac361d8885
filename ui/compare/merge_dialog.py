"""The merge dialog: which columns' answers, which model merges them, by which recipe.

Recipes are editable text with placeholders ({question}, {answers}, {count}, {labels});
Save keeps the edited text in the settings, Reset brings back a built-in recipe's text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import merge as merging
from core.chat import Chat
from core.compare import last_answer
from core.settings import Settings
from ui.common.services import Services
from ui.compare.controller import CompareController


class MergeDialog(QDialog):
    """Emits ``merge_requested(column ids, model, recipe name, recipe text)``."""

    merge_requested = Signal(list, str, str, str)
    recipe_saved = Signal(str, str)  # name, text ("" resets a built-in)

    def __init__(
        self,
        columns: list[tuple[str, str, bool]],  # id, label, has an answer
        models: list[str],
        settings: Settings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle("Merge answers")
        self.resize(560, 560)
        self._saved = dict(settings.merge_recipes)
        self.columns = QListWidget(self)
        for column_id, label, answered in columns:
            item = QListWidgetItem(label, self.columns)
            item.setData(Qt.ItemDataRole.UserRole, column_id)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if not answered:
                flags &= ~Qt.ItemFlag.ItemIsEnabled
                item.setToolTip("This column has no answer yet")
            item.setFlags(flags)
            item.setCheckState(Qt.CheckState.Checked if answered else Qt.CheckState.Unchecked)
        self.model = QComboBox(self)
        self.model.setEditable(True)
        self.model.addItems(list(dict.fromkeys(m for m in models if m)))
        self.recipe = QComboBox(self)
        self.recipe.addItems(list(merging.recipes(self._saved)))
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("mergeRecipeText")
        self.text.setToolTip("Placeholders: {question}, {answers}, {count}, {labels}")
        self.save_button = QPushButton("Save recipe", self)
        self.reset_button = QPushButton("Reset to built-in", self)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        recipe_buttons = QHBoxLayout()
        recipe_buttons.addWidget(self.save_button)
        recipe_buttons.addWidget(self.reset_button)
        recipe_buttons.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.merge_button = self.buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setDefault(True)
        form = QFormLayout()
        form.addRow("Answers of", self.columns)
        form.addRow("Merged by", self.model)
        form.addRow("Recipe", self.recipe)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.text, 1)
        layout.addLayout(recipe_buttons)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.recipe.currentTextChanged.connect(self._show_recipe)
        self.save_button.clicked.connect(self._save)
        self.reset_button.clicked.connect(self._reset)
        self.buttons.accepted.connect(self._merge)
        self.buttons.rejected.connect(self.reject)
        self._show_recipe(self.recipe.currentText())

    def chosen(self) -> list[str]:
        items = [self.columns.item(i) for i in range(self.columns.count())]
        return [
            str(i.data(Qt.ItemDataRole.UserRole))
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        ]

    def set_recipe(self, name: str) -> None:
        self.recipe.setCurrentText(name)

    def _show_recipe(self, name: str) -> None:
        self.text.setPlainText(merging.recipes(self._saved).get(name, ""))
        self.reset_button.setEnabled(merging.is_edited(name, self._saved))

    def _save(self) -> None:
        name = self.recipe.currentText()
        self._saved[name] = self.text.toPlainText()
        self.recipe_saved.emit(name, self.text.toPlainText())
        self.reset_button.setEnabled(merging.is_edited(name, self._saved))

    def _reset(self) -> None:
        name = self.recipe.currentText()
        self._saved.pop(name, None)
        self.recipe_saved.emit(name, "")
        self._show_recipe(name)

    def _merge(self) -> None:
        ids, model = self.chosen(), self.model.currentText().strip()
        if len(ids) < 2:
            self.problem.setText("Choose at least two columns with an answer.")
            return
        if not model:
            self.problem.setText("Choose the model that merges them.")
            return
        if self.recipe.currentText() == merging.CUSTOM and not self.text.toPlainText().strip():
            self.problem.setText("Write the custom instruction first.")
            return
        self.merge_requested.emit(ids, model, self.recipe.currentText(), self.text.toPlainText())
        self.accept()


def open_merge_dialog(
    cmp: Chat, services: Services, controller: CompareController, first: str, parent: QWidget
) -> MergeDialog:
    """The dialog, open, for ``cmp``; a merge it asks for goes to ``controller``."""
    columns = []
    for n, col in enumerate(cmp.columns, 1):
        answer = last_answer(col)
        columns.append(
            (col.id, f"Column {n} ({col.model})", bool(answer and answer.content.strip()))
        )
    return open_dialog(columns, [first], services, controller.merge, parent)


def open_dialog(
    columns: list[tuple[str, str, bool]],
    models: list[str],
    services: Services,
    merge: Callable[[list[str], str, str, str], object],
    parent: QWidget,
) -> MergeDialog:
    """The dialog, open, offering ``columns`` (id, label, has an answer) and ``models``
    first (then the favourite and recent ones); ``merge(ids, model, recipe name, recipe
    text)`` is called for the merge it asks for. Saved recipes go to the settings."""
    settings = services.settings
    dialog = MergeDialog(
        columns, [*models, *settings.favourite_models, *settings.recent_models], settings, parent
    )
    prefs = services.prefs

    def saved(name: str, text: str) -> None:
        recipes = dict(prefs.settings.merge_recipes)
        if text and text != merging.BUILTIN_RECIPES.get(name):
            recipes[name] = text
        else:
            recipes.pop(name, None)
        prefs.set(merge_recipes=recipes)

    dialog.recipe_saved.connect(saved)
    dialog.merge_requested.connect(merge)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
