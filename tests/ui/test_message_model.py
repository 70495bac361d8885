"""The message list model: rows, roles, heights."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from core.chat import Message
from ui.transcript.message_model import BODY_CACHE, MessageModel, MessageRow


def rows(count: int) -> list[MessageRow]:
    return [
        MessageRow(Message(role="user" if i % 2 == 0 else "assistant", content=f"message {i}"))
        for i in range(count)
    ]


def test_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = MessageModel()
    model.set_rows(rows(5), [50 + i for i in range(5)])
    qtmodeltester.check(model, force_py=True)  # type: ignore[no-untyped-call]
    model.insert_row(5, rows(1)[0], 40)
    model.remove_row(0)
    model.set_heights([(1, 99, 600)])
    qtmodeltester.check(model, force_py=True)  # type: ignore[no-untyped-call]


def test_roles_give_the_message_row_and_height() -> None:
    model = MessageModel()
    data = rows(3)
    model.set_rows(data, [10, 20, 30])
    index = model.index(1)
    assert model.data(index, MessageModel.MessageRole) is data[1].message
    assert model.data(index, MessageModel.RowRole) is data[1]
    assert model.data(index, MessageModel.IdRole) == data[1].id
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "message 1"
    assert model.data(index, Qt.ItemDataRole.SizeHintRole) == QSize(1, 20)
    assert model.data(index, MessageModel.HtmlRole) is None
    assert model.data(index, MessageModel.ExactWidthRole) == 0
    assert model.row_of(data[2].id) == 2
    assert model.row_of("missing") == -1
    assert b"message" in bytes(model.roleNames()[MessageModel.MessageRole].data())


def test_cached_body_html_is_exposed_and_dropped_on_change() -> None:
    class Body:
        html = "<p>rendered</p>"

    model = MessageModel()
    data = rows(2)
    model.set_rows(data, [10, 20])
    model.set_body(data[0].id, "light", Body())
    assert model.data(model.index(0), MessageModel.HtmlRole) == "<p>rendered</p>"
    assert model.body(data[0].id, "dark") is None
    model.replace_row(0, MessageRow(Message(id=data[0].id, content="edited")))
    assert model.data(model.index(0), MessageModel.HtmlRole) is None


def test_set_heights_emits_one_signal_per_run_of_rows(qtbot: QtBot) -> None:
    model = MessageModel()
    model.set_rows(rows(10), [10] * 10)
    seen: list[tuple[int, int, list[int]]] = []
    model.dataChanged.connect(lambda a, b, roles: seen.append((a.row(), b.row(), list(roles))))
    changed = model.set_heights([(2, 11, 500), (3, 12, 500), (4, 10, 500), (7, 13, 0)])
    assert changed == [(2, 10), (3, 10), (7, 10)]
    size_hint = int(Qt.ItemDataRole.SizeHintRole.value)
    assert [(a, b) for a, b, _ in seen] == [(2, 3), (7, 7)]
    assert all(roles == [size_hint] for _, _, roles in seen)
    assert model.height(3) == 12
    assert model.exact_width(4) == 500  # measured, unchanged height
    assert model.exact_width(7) == 0  # an estimate
    seen.clear()
    assert model.set_heights([(2, 11, 500)]) == []
    assert seen == []


def test_insert_and_remove_keep_the_id_index() -> None:
    model = MessageModel()
    data = rows(3)
    model.set_rows(data, [10, 20, 30])
    extra = MessageRow(Message(content="new"))
    model.insert_row(1, extra, 15)
    assert [model.row_of(r.id) for r in (data[0], extra, data[1], data[2])] == [0, 1, 2, 3]
    model.remove_row(0)
    assert model.row_of(data[0].id) == -1
    assert model.row_of(extra.id) == 0
    assert model.height(0) == 15


def test_body_cache_is_bounded() -> None:
    model = MessageModel()
    data = rows(BODY_CACHE + 10)
    model.set_rows(data, [10] * len(data))
    for row in data:
        model.set_body(row.id, "light", object())
    assert model.body(data[0].id, "light") is None  # the oldest were dropped
    assert model.body(data[-1].id, "light") is not None
    kept = sum(model.body(row.id, "light") is not None for row in data)
    assert kept == BODY_CACHE
