"""Merging compare columns' answers with each recipe, through the dialog, against the
loopback gateway: the merged answer streams into a new column marked as a merge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core import merge as merging
from tests.gateway import Gateway
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly
from ui.compare.merge_dialog import MergeDialog


@pytest.fixture
async def compared(qapp, gateway: Gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        window.set_model("model-a")
        window.menu_actions["compare"].trigger()
        cmp = assembly.comparisons.comparison
        assert cmp is not None
        assembly.comparisons.set_column_model(cmp.columns[1].id, "model-b")
        assert not window.menu_actions["merge"].isEnabled()
        window.composer.send_requested.emit("Name three colours.", [])
        await wait_until(lambda: not window.page.is_generating())
        yield assembly


CASES = [
    (merging.FUSE, "takes the best of each"),
    (merging.DIFFERENCES, "which answer (Column 1 (model-a), Column 2 (model-b)) said what"),
    (merging.PICK_BEST, "Which answer is best?"),
    (merging.CUSTOM, "Only say which is shorter."),
]


@pytest.mark.parametrize(("recipe", "expected"), CASES)
async def test_merge_with_each_recipe(
    compared: Assembly, gateway: Gateway, recipe: str, expected: str
) -> None:
    window, page = compared.window, compared.compare_page
    assert window.menu_actions["merge"].isEnabled()
    window.menu_actions["merge"].trigger()
    dialog = page.merge_dialog
    assert isinstance(dialog, MergeDialog) and dialog.isVisible()
    dialog.set_recipe(recipe)
    if recipe == merging.CUSTOM:
        dialog.text.setPlainText("Only say which is shorter.\n\n{answers}")
    dialog.model.setCurrentText("model-c")
    before = len(gateway.chat_requests())
    dialog.merge_button.click()
    await wait_until(lambda: not window.page.is_generating())
    cmp = compared.comparisons.comparison
    assert cmp is not None and len(cmp.columns) == 3
    merged = cmp.columns[2]
    assert merged.model == "model-c"
    assert merged.title == f"Merge of Column 1 + Column 2 ({recipe})"
    column = page.view.column(merged.id)
    assert column is not None and column.merge_note.isVisible()
    assert "Merge of Column 1 + Column 2" in column.merge_note.text()
    request = gateway.chat_requests()[before]
    assert request.body["model"] == "model-c"
    sent = request.body["messages"][-1]["content"]
    assert expected in sent
    for col in cmp.columns[:2]:
        answer = col.messages[-1].content
        assert answer.strip() in sent
    answer = merged.messages[-1]
    assert answer.status == "done" and answer.stats is not None and answer.content
    # like any column: regenerated
    assert compared.comparisons.regenerate(merged.id)
    await wait_until(lambda: not window.page.is_generating())
    assert len(merged.messages) == 3


async def test_recipes_are_saved_and_reset(compared: Assembly) -> None:
    window, page = compared.window, compared.compare_page
    window.menu_actions["merge"].trigger()
    dialog = page.merge_dialog
    assert isinstance(dialog, MergeDialog)
    dialog.set_recipe(merging.FUSE)
    assert not dialog.reset_button.isEnabled()
    dialog.text.setPlainText("Fuse these briefly:\n{answers}")
    dialog.save_button.click()
    prefs = compared.services.settings
    assert prefs.merge_recipes == {merging.FUSE: "Fuse these briefly:\n{answers}"}
    assert dialog.reset_button.isEnabled()
    dialog.reset_button.click()
    assert compared.services.settings.merge_recipes == {}
    assert dialog.text.toPlainText() == merging.BUILTIN_RECIPES[merging.FUSE]
    dialog.columns.item(1).setCheckState(Qt.CheckState.Unchecked)
    dialog.merge_button.click()
    assert "at least two" in dialog.problem.text() and dialog.isVisible()
    dialog.reject()


def test_prompt_fills_every_placeholder() -> None:
    sources = [merging.Source("Column 1 (x)", "red"), merging.Source("Column 2 (y)", "blue")]
    text = merging.prompt("{count} on {question}: {labels}\n{answers}", " Colours? ", sources)
    assert text.startswith("2 on Colours?: Column 1 (x), Column 2 (y)")
    assert "--- Column 1 (x) ---\nred" in text and "--- Column 2 (y) ---\nblue" in text
    assert merging.prompt("Just compare.", "q", sources).endswith("--- Column 2 (y) ---\nblue")
    with pytest.raises(ValueError):
        merging.prompt("{answers}", "q", sources[:1])
