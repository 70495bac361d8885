"""The model picker, driven with real key presses and clicks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from core.models import ModelInfo, merge
from ui.model_picker.picker import ModelPicker
from ui.model_picker.rows import KIND_ROLE, star_rect

IDS = [
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-1-20250805",
    "claude-haiku-4-5-20251001",
    "gpt-5-2",
    "gpt-4o",
    "gemini-2.5-pro",
    "deepseek-chat",
    "qwen3-max",
]


def make_models(ids: list[str] = IDS, live: list[str] | None = None) -> list[ModelInfo]:
    return merge(ids, [{"id": i, "owned_by": ""} for i in (live or [])])


def make_picker(
    qtbot: QtBot,
    *,
    favourites: list[str] | None = None,
    recent: list[str] | None = None,
    current: str = "",
    models: list[ModelInfo] | None = None,
    parent: QWidget | None = None,
) -> ModelPicker:
    picker = ModelPicker(
        models if models is not None else make_models(),
        favourites or [],
        recent or [],
        current,
        parent,
    )
    if parent is None:
        qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    return picker


def press(qtbot: QtBot, picker: ModelPicker, key: Qt.Key, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(picker.search, key)


def test_typing_filters_at_once(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    assert len(picker.visible_ids()) == len(IDS)
    qtbot.keyClicks(picker.search, "son 4.5")
    assert picker.visible_ids() == ["claude-sonnet-4-5-20250929"]
    assert picker.current_id() == "claude-sonnet-4-5-20250929"
    picker.search.clear()
    qtbot.keyClicks(picker.search, "gpt")
    assert picker.visible_ids() == ["gpt-4o", "gpt-5-2"]
    assert picker.section_titles()[0] == "OpenAI"


def test_sections_favourites_recent_then_vendors(qtbot: QtBot) -> None:
    picker = make_picker(qtbot, favourites=["gpt-4o"], recent=["deepseek-chat", "gpt-4o"])
    titles = picker.section_titles()
    assert titles[:2] == ["Favourites", "Recent"]
    # DeepSeek's only model is under Recent, so it has no section of its own.
    assert titles[2:] == ["Anthropic", "Google", "OpenAI", "Qwen (Alibaba)"]
    ids = picker.visible_ids()
    assert ids[:2] == ["gpt-4o", "deepseek-chat"]
    assert ids.count("gpt-4o") == 1
    model = picker.list_model
    headings = [
        row for row in range(model.rowCount()) if model.index(row, 0).data(KIND_ROLE) == "heading"
    ]
    assert len(headings) == len(titles)
    for row in headings:
        flags = model.flags(model.index(row, 0))
        assert not flags & Qt.ItemFlag.ItemIsSelectable
        assert not flags & Qt.ItemFlag.ItemIsEnabled


def test_arrows_skip_headings_and_wrap(qtbot: QtBot) -> None:
    picker = make_picker(qtbot, favourites=["gpt-4o"], recent=["deepseek-chat"], current="gpt-4o")
    assert picker.current_id() == "gpt-4o"
    press(qtbot, picker, Qt.Key.Key_Down)
    assert picker.current_id() == "deepseek-chat"  # past the "Recent" heading
    press(qtbot, picker, Qt.Key.Key_Down)
    assert picker.current_id() == "claude-haiku-4-5-20251001"  # past "Anthropic"
    press(qtbot, picker, Qt.Key.Key_Up, times=2)
    assert picker.current_id() == "gpt-4o"
    press(qtbot, picker, Qt.Key.Key_Up)
    assert picker.current_id() == picker.visible_ids()[-1]  # wrapped to the end
    press(qtbot, picker, Qt.Key.Key_Down)
    assert picker.current_id() == "gpt-4o"
    press(qtbot, picker, Qt.Key.Key_PageDown, times=5)
    assert picker.current_id() == picker.visible_ids()[-1]
    press(qtbot, picker, Qt.Key.Key_PageUp, times=5)
    assert picker.current_id() == "gpt-4o"


def test_current_model_is_highlighted_first(qtbot: QtBot) -> None:
    picker = make_picker(qtbot, current="gemini-2.5-pro")
    assert picker.current_id() == "gemini-2.5-pro"


def test_enter_emits_model_chosen_and_closes(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    qtbot.keyClicks(picker.search, "opus")
    with qtbot.waitSignal(picker.model_chosen) as blocker:
        press(qtbot, picker, Qt.Key.Key_Return)
    assert blocker.args == ["claude-opus-4-1-20250805"]
    assert picker.result() == QDialog.DialogCode.Accepted
    assert not picker.isVisible()


def test_escape_closes_without_choosing(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    with qtbot.assertNotEmitted(picker.model_chosen):
        press(qtbot, picker, Qt.Key.Key_Escape)
    assert picker.result() == QDialog.DialogCode.Rejected
    assert not picker.isVisible()


def test_click_on_a_row_picks_it(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    index = row_of(picker, "gpt-5-2")
    rect = picker.list_view.visualRect(index)
    with qtbot.waitSignal(picker.model_chosen) as blocker:
        qtbot.mouseClick(picker.list_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["gpt-5-2"]


def row_of(picker: ModelPicker, model_id: str) -> QModelIndex:
    model = picker.list_model
    for row in range(model.rowCount()):
        if model.row_at(row).text == model_id and model.is_selectable(row):
            return model.index(row, 0)
    raise AssertionError(f"{model_id} is not in the list")


def test_star_click_toggles_a_favourite_without_choosing(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    index = row_of(picker, "gpt-5-2")
    picker.list_view.scrollTo(index)
    star = star_rect(picker.list_view.visualRect(index)).center()
    with (
        qtbot.assertNotEmitted(picker.model_chosen),
        qtbot.waitSignal(picker.favourite_toggled) as blocker,
    ):
        qtbot.mouseClick(picker.list_view.viewport(), Qt.MouseButton.LeftButton, pos=star)
    assert blocker.args == ["gpt-5-2", True]
    assert picker.isVisible()
    assert picker.section_titles()[0] == "Favourites"
    assert picker.visible_ids()[0] == "gpt-5-2"
    assert picker.favourites() == ["gpt-5-2"]


def test_ctrl_d_toggles_the_highlighted_favourite(qtbot: QtBot) -> None:
    picker = make_picker(qtbot, favourites=["gpt-4o"], current="gpt-4o")
    with qtbot.waitSignal(picker.favourite_toggled) as blocker:
        qtbot.keyClick(picker.search, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["gpt-4o", False]
    assert "Favourites" not in picker.section_titles()
    assert picker.current_id() == "gpt-4o"  # still highlighted, now under its vendor
    assert picker.favourites() == []


def test_unknown_id_can_be_used_as_typed(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    qtbot.keyClicks(picker.search, "my-local-model")
    assert picker.visible_ids() == []
    with qtbot.waitSignal(picker.model_chosen) as blocker:
        press(qtbot, picker, Qt.Key.Key_Enter)
    assert blocker.args == ["my-local-model"]


def test_a_search_with_spaces_and_no_match_picks_nothing(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    qtbot.keyClicks(picker.search, "no such model")
    assert picker.current_id() is None
    with qtbot.assertNotEmitted(picker.model_chosen):
        press(qtbot, picker, Qt.Key.Key_Return)
    assert picker.isVisible()


def test_refresh_and_status_line(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    with qtbot.waitSignal(picker.refresh_requested):
        qtbot.mouseClick(picker.refresh_button, Qt.MouseButton.LeftButton)
    assert not picker.refresh_button.isEnabled()
    assert picker.status_label.isVisible()
    picker.set_status("Could not refresh: timed out; showing the last good list", error=True)
    assert picker.refresh_button.isEnabled()
    assert picker.status_label.property("tone") == "error"
    assert "last good list" in picker.status_label.text()
    picker.set_status("Updated 12:03")
    assert picker.status_label.property("tone") == "muted"
    picker.set_status("")
    assert not picker.status_label.isVisible()


def test_set_models_keeps_search_and_highlight(qtbot: QtBot) -> None:
    picker = make_picker(qtbot)
    qtbot.keyClicks(picker.search, "claude")
    press(qtbot, picker, Qt.Key.Key_Down)
    highlighted = picker.current_id()
    assert highlighted is not None
    picker.set_models(make_models([*IDS, "claude-opus-4-6"], live=["claude-opus-4-6"]))
    assert picker.search.text() == "claude"
    assert "claude-opus-4-6" in picker.visible_ids()
    assert picker.current_id() == highlighted


def test_live_and_bundled_and_traits_are_described(qtbot: QtBot) -> None:
    picker = make_picker(qtbot, models=make_models(["gpt-5-2", "gpt-4o"], live=["gpt-5-2"]))
    tip_live = row_of(picker, "gpt-5-2").data(Qt.ItemDataRole.ToolTipRole)
    tip_bundled = row_of(picker, "gpt-4o").data(Qt.ItemDataRole.ToolTipRole)
    assert "live" in tip_live
    assert "reasoning" in tip_live
    assert "bundled" in tip_bundled
    assert "reasoning" not in tip_bundled
    picker.grab()  # paints every visible row


# The offscreen platform cannot raise a window or grab the keyboard for a popup.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")
def test_popup_over_a_parent(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(900, 700)
    parent.show()
    picker = make_picker(qtbot, parent=parent)
    assert picker.windowFlags() & Qt.WindowType.Popup
    qtbot.keyClicks(picker.search, "deep")
    with qtbot.waitSignal(picker.model_chosen) as blocker:
        press(qtbot, picker, Qt.Key.Key_Return)
    assert blocker.args == ["deepseek-chat"]


@pytest.mark.parametrize("query", ["", "claude", "4"])
def test_500_models(qtbot: QtBot, qtmodeltester, query: str) -> None:  # type: ignore[no-untyped-def]
    ids = [
        f"{family}-{n}" for family in ("gpt", "claude", "gemini", "qwen", "x") for n in range(100)
    ]
    picker = make_picker(qtbot, models=make_models(ids), favourites=ids[:5], recent=ids[5:10])
    qtbot.keyClicks(picker.search, query)
    shown = picker.visible_ids()
    assert shown and all(query in model_id for model_id in shown)
    qtmodeltester.check(picker.list_model)
    picker.grab()


def test_an_empty_catalog_says_so(qtbot: QtBot) -> None:
    picker = make_picker(qtbot, models=[])
    assert picker.current_id() is None
    assert picker.list_model.row_at(0).text == "No models yet: refresh the list."
    with qtbot.assertNotEmitted(picker.model_chosen):
        press(qtbot, picker, Qt.Key.Key_Down)
        press(qtbot, picker, Qt.Key.Key_Return)
    picker.grab()
