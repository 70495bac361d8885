"""The chat list model: order, roles, minimal change signals, checked by qtmodeltester."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from core.storage.format import ChatSummary, sort_summaries
from ui.chats.list_model import ChatListModel, relative_time

NOW = datetime(2025, 6, 18, 15, 30).timestamp()  # a Wednesday afternoon


def summary(chat_id: str, age_s: float, *, pinned: bool = False, **extra: object) -> ChatSummary:
    return ChatSummary(
        id=chat_id,
        title=str(extra.pop("title", f"Chat {chat_id}")),
        created_at=NOW - age_s - 10,
        updated_at=NOW - age_s,
        pinned=pinned,
        **extra,  # type: ignore[arg-type]
    )


def ids(model: ChatListModel) -> list[str]:
    return [model.index(row, 0).data(ChatListModel.IdRole) for row in range(model.rowCount())]


class Recorder:
    """Every structural signal of a model, in order."""

    def __init__(self, model: ChatListModel) -> None:
        self.events: list[tuple[object, ...]] = []
        model.rowsInserted.connect(lambda _p, a, b: self.events.append(("insert", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.events.append(("remove", a, b)))
        model.rowsMoved.connect(lambda _p, a, b, _d, row: self.events.append(("move", a, b, row)))
        model.modelReset.connect(lambda: self.events.append(("reset",)))
        model.layoutChanged.connect(lambda *_: self.events.append(("layout",)))
        model.dataChanged.connect(
            lambda top, bottom, *_: self.events.append(("data", top.row(), bottom.row()))
        )


@pytest.fixture
def model(qtmodeltester: ModelTester) -> ChatListModel:
    model = ChatListModel(clock=lambda: NOW)
    qtmodeltester.check(model)  # the Qt tester keeps watching every change below
    model.set_summaries(
        [
            summary("old", 3 * 86400),
            summary("new", 60),
            summary("pin-old", 10 * 86400, pinned=True),
            summary("mid", 3600),
            summary("pin-new", 7200, pinned=True),
        ]
    )
    return model


def test_pinned_first_then_newest_first(model: ChatListModel) -> None:
    assert ids(model) == ["pin-new", "pin-old", "new", "mid", "old"]
    assert ids(model) == [s.id for s in sort_summaries(model.summaries())]


def test_roles(model: ChatListModel) -> None:
    model.upsert(summary("x", 120, title="  ", model="gpt-4o", preview="Hello there"))
    index = model.index_of("x")
    assert index.data(Qt.ItemDataRole.DisplayRole) == "Untitled chat"
    assert index.data(ChatListModel.TitleRole) == "Untitled chat"
    assert index.data(Qt.ItemDataRole.EditRole) == "  "
    assert index.data(ChatListModel.IdRole) == "x"
    assert index.data(ChatListModel.SubtitleRole) == "gpt-4o · 2 min ago"
    assert index.data(ChatListModel.PreviewRole) == "Hello there"
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "Hello there"
    assert index.data(ChatListModel.PinnedRole) is False
    assert model.index_of("pin-old").data(ChatListModel.PinnedRole) is True
    assert model.index_of("old").data(ChatListModel.SubtitleRole) == "Sunday"
    assert not model.index_of("missing").isValid()
    assert model.index_of("missing").data(ChatListModel.IdRole) is None


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        (datetime(2025, 6, 18, 15, 29, 30), "Just now"),
        (datetime(2025, 6, 18, 15, 28), "2 min ago"),
        (datetime(2025, 6, 18, 12, 0), "3 h ago"),
        (datetime(2025, 6, 17, 23, 0), "Yesterday"),
        (datetime(2025, 6, 14, 9, 0), "Saturday"),
        (datetime(2025, 3, 2, 9, 0), "2 Mar"),
        (datetime(2023, 12, 25, 9, 0), "25 Dec 2023"),
        (datetime(2025, 6, 18, 15, 45), "Just now"),  # a clock that ran ahead
    ],
)
def test_relative_time(then: datetime, expected: str) -> None:
    assert relative_time(then.timestamp(), NOW) == expected


def test_a_saved_chat_moves_up_with_one_move_signal(model: ChatListModel) -> None:
    events = Recorder(model)
    model.upsert(summary("old", 5))
    assert ids(model) == ["pin-new", "pin-old", "old", "new", "mid"]
    assert events.events == [("move", 4, 4, 2), ("data", 2, 2)]


def test_an_unpinned_chat_moves_down_with_one_move_signal(model: ChatListModel) -> None:
    events = Recorder(model)
    model.upsert(summary("pin-new", 7200, pinned=False))
    assert ids(model) == ["pin-old", "new", "mid", "pin-new", "old"]
    # Qt counts the destination row before the moved row is taken out.
    assert events.events == [("move", 0, 0, 4), ("data", 3, 3)]


def test_a_change_in_place_is_only_data_changed(model: ChatListModel) -> None:
    events = Recorder(model)
    model.upsert(summary("mid", 3600, title="Renamed"))
    assert ids(model) == ["pin-new", "pin-old", "new", "mid", "old"]
    assert events.events == [("data", 3, 3)]
    assert model.index_of("mid").data() == "Renamed"


def test_insert_and_remove(model: ChatListModel) -> None:
    events = Recorder(model)
    model.upsert(summary("brand-new", 1))
    assert ids(model)[2] == "brand-new"
    assert model.remove("old") is True
    assert model.remove("old") is False
    assert events.events == [("insert", 2, 2), ("remove", 5, 5)]
    assert "old" not in ids(model)


def test_random_changes_keep_the_order_of_the_store(model: ChatListModel) -> None:
    rng = random.Random(7)
    for step in range(300):
        chat_id = f"c{rng.randrange(12)}"
        if rng.random() < 0.2:
            model.remove(chat_id)
        else:
            model.upsert(summary(chat_id, rng.randrange(5) * 100.0, pinned=rng.random() < 0.3))
        assert ids(model) == [s.id for s in sort_summaries(model.summaries())], step
        assert len(set(ids(model))) == model.rowCount()


def test_editing_the_title_renames_the_row_and_says_so(qtbot: QtBot, model: ChatListModel) -> None:
    index = model.index_of("mid")
    with qtbot.waitSignal(model.title_edited) as blocker:
        assert model.setData(index, "  Better   title ", Qt.ItemDataRole.EditRole)
    assert blocker.args == ["mid", "Better title"]
    assert index.data() == "Better title"
    with qtbot.assertNotEmitted(model.title_edited):
        assert not model.setData(index, "   ")
        assert not model.setData(index, "Better title")
        assert not model.setData(index, "x", Qt.ItemDataRole.DisplayRole)
        assert not model.setData(QModelIndex(), "x")
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable


def test_refresh_times_updates_subtitles(model: ChatListModel) -> None:
    clock = [NOW]
    timed = ChatListModel(clock=lambda: clock[0])
    timed.set_summaries([summary("a", 30)])
    assert timed.index_of("a").data(ChatListModel.SubtitleRole) == "Just now"
    events = Recorder(timed)
    clock[0] += timedelta(minutes=5).total_seconds()
    timed.refresh_times()
    assert events.events == [("data", 0, 0)]
    assert timed.index_of("a").data(ChatListModel.SubtitleRole) == "5 min ago"
