"""The search panel over a real chat store: debounce, grouping, activation, cancellation.

Async tests run on the qasync loop; they wait with ``asyncio.sleep`` (not qtbot's nested
event loops), as code inside a running task must.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from core.chat import Chat, Message
from core.storage.chat_store import ChatStore
from core.storage.search import SearchHit
from tests.ui.async_wait import wait_until
from ui.chats.search_panel import HINT, SearchFunction, SearchPanel, highlighted


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    store = ChatStore(tmp_path / "chats", fsync=False)
    trip = Chat(id="trip", title="Trip planning")
    trip.append(Message(id="q1", role="user", content="Where should I go in May?"))
    trip.append(Message(id="a1", role="assistant", content="Lisbon is lovely in May."))
    trip.append(Message(id="q2", role="user", content="And in June? Still Lisbon?"))
    store.save(trip)
    lisbon = Chat(id="notes", title="Lisbon notes")
    lisbon.append(Message(id="n1", role="user", content="Trams and tarts"))
    store.save(lisbon)
    other = Chat(id="soup", title="Soup")
    other.append(Message(id="s1", role="user", content="Leek and potato"))
    store.save(other)
    return store


def make(qtbot: QtBot, search: SearchFunction, debounce_ms: int = 200) -> SearchPanel:
    QCursor.setPos(0, 0)
    panel = SearchPanel(search, debounce_ms=debounce_ms)
    qtbot.addWidget(panel)
    panel.resize(360, 480)
    panel.show()
    return panel


def items(panel: SearchPanel) -> list[tuple[str, list[str]]]:
    tree = panel.results
    out = []
    for row in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(row)
        out.append((group.text(0), [group.child(i).text(0) for i in range(group.childCount())]))
    return out


def child(panel: SearchPanel, group: int, row: int) -> QTreeWidgetItem:
    item = panel.results.topLevelItem(group).child(row)
    assert item is not None
    return item


def test_highlighted_bolds_every_word_and_escapes_html() -> None:
    assert highlighted("Lisbon <3 lisbon & LISBON", ["lisbon"]) == (
        "<b>Lisbon</b> &lt;3 <b>lisbon</b> &amp; <b>LISBON</b>"
    )
    assert highlighted("in May, may be", ["may", "in"]) == "<b>in</b> <b>May</b>, <b>may</b> be"
    assert highlighted("a<b>", []) == "a&lt;b&gt;"


async def test_finds_a_word_in_a_message_and_activates_the_hit(
    qtbot: QtBot, store: ChatStore
) -> None:
    panel = make(qtbot, store.search_async)
    assert panel.status_label.text() == HINT
    panel.focus_query()
    qtbot.keyClicks(panel.query_edit, "lisbon")
    await wait_until(lambda: panel.results.topLevelItemCount() > 0)
    titles = {title for title, _ in items(panel)}
    assert titles == {"Trip planning", "Lisbon notes"}
    trip = next(kids for title, kids in items(panel) if title == "Trip planning")
    assert trip == ["Assistant: Lisbon is lovely in May.", "You: And in June? Still Lisbon?"]
    assert panel.status_label.text() == "3 results in 2 chats"
    assert {(h.chat_id, h.message_id) for h in panel.hits()} == {
        ("trip", "a1"),
        ("trip", "q2"),
        ("notes", None),
    }

    group = next(
        i
        for i in range(panel.results.topLevelItemCount())
        if panel.results.topLevelItem(i).text(0) == "Trip planning"
    )
    hit = child(panel, group, 1)
    assert "<b>Lisbon</b>" in hit.data(0, Qt.ItemDataRole.UserRole + 2)
    panel.results.setFocus()
    panel.results.setCurrentItem(hit)
    with qtbot.waitSignal(panel.hit_activated) as blocker:
        qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert blocker.args == ["trip", "q2"]

    title_hit = child(panel, 1 - group, 0)
    assert title_hit.text(0) == "Title: Lisbon notes"
    rect = panel.results.visualItemRect(title_hit)
    # QTest's double click is recognised after a first click, as a person's is.
    qtbot.mouseClick(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(panel.hit_activated) as blocker:
        qtbot.mouseDClick(panel.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["notes", ""]


async def test_typing_is_debounced_into_one_search(qtbot: QtBot, store: ChatStore) -> None:
    queries: list[str] = []

    async def search(query: str) -> list[SearchHit]:
        queries.append(query)
        return await store.search_async(query)

    panel = make(qtbot, search, debounce_ms=150)
    qtbot.keyClicks(panel.query_edit, "leek")
    await asyncio.sleep(0.05)
    assert queries == []  # still waiting for the typing to stop
    await wait_until(lambda: panel.hits())
    assert queries == ["leek"]
    assert items(panel) == [("Soup", ["You: Leek and potato"])]
    assert panel.status_label.text() == "1 result in 1 chat"


async def test_no_results_and_clearing(qtbot: QtBot, store: ChatStore) -> None:
    panel = make(qtbot, store.search_async, debounce_ms=10)
    panel.set_query("zanzibar")
    await wait_until(lambda: panel.status_label.text() == "No results for “zanzibar”")
    assert items(panel) == []
    panel.set_query("soup")
    await wait_until(lambda: panel.hits())
    panel.set_query("   ")
    await wait_until(lambda: panel.status_label.text() == HINT)
    assert items(panel) == [] and panel.hits() == []


async def test_a_newer_query_cancels_the_older_one(qtbot: QtBot, store: ChatStore) -> None:
    started: list[str] = []
    cancelled: list[str] = []

    async def slow_search(query: str) -> list[SearchHit]:
        started.append(query)
        try:
            await asyncio.sleep(30 if query == "may" else 0.01)
        except asyncio.CancelledError:
            cancelled.append(query)
            raise
        return await store.search_async(query)

    panel = make(qtbot, slow_search)
    panel.set_query("may")
    panel.search_now()
    await wait_until(lambda: started == ["may"])
    assert panel.is_searching()
    assert panel.status_label.text() == "Searching…"
    panel.set_query("leek")
    panel.search_now()
    await wait_until(lambda: not panel.is_searching())
    assert cancelled == ["may"]
    assert started == ["may", "leek"]
    assert [h.chat_id for h in panel.hits()] == ["soup"]


async def test_a_late_answer_to_an_old_query_is_never_shown(qtbot: QtBot, store: ChatStore) -> None:
    release_old = asyncio.Event()

    async def stubborn_search(query: str) -> list[SearchHit]:
        if query == "may":
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                # Goes on regardless, as a search running in a thread would.
                await release_old.wait()
        return await store.search_async(query)

    panel = make(qtbot, stubborn_search)
    panel.set_query("may")
    panel.search_now()
    await asyncio.sleep(0.05)
    panel.set_query("leek")
    panel.search_now()
    await wait_until(lambda: panel.hits())
    release_old.set()
    await asyncio.sleep(0.1)
    assert [h.chat_id for h in panel.hits()] == ["soup"]
    assert items(panel) == [("Soup", ["You: Leek and potato"])]


async def test_a_failed_search_says_so(qtbot: QtBot) -> None:
    async def broken(query: str) -> list[SearchHit]:
        raise OSError("disk on fire")

    panel = make(qtbot, broken, debounce_ms=10)
    panel.set_query("x")
    await wait_until(lambda: panel.status_label.text().startswith("Search failed"))
    assert "disk on fire" in panel.status_label.text()
    assert not panel.is_searching()


async def test_keys_enter_down_and_escape(qtbot: QtBot, store: ChatStore) -> None:
    panel = make(qtbot, store.search_async, debounce_ms=10_000)
    panel.focus_query()
    qtbot.keyClicks(panel.query_edit, "potato")
    qtbot.keyClick(panel.query_edit, Qt.Key.Key_Return)  # searches at once, no debounce wait
    await wait_until(lambda: panel.hits())
    with qtbot.waitSignal(panel.hit_activated) as blocker:
        qtbot.keyClick(panel.query_edit, Qt.Key.Key_Return)  # opens the first hit
    assert blocker.args == ["soup", "s1"]
    qtbot.keyClick(panel.query_edit, Qt.Key.Key_Down)
    current = panel.results.currentItem()
    assert current is not None and current.text(0) == "You: Leek and potato"
    with qtbot.waitSignal(panel.closed):
        qtbot.keyClick(panel.results, Qt.Key.Key_Escape)
    with qtbot.waitSignal(panel.closed):
        qtbot.keyClick(panel.query_edit, Qt.Key.Key_Escape)


async def test_hiding_cancels_the_search(qtbot: QtBot) -> None:
    cancelled: list[str] = []

    async def slow(query: str) -> list[SearchHit]:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(query)
            raise
        return []

    panel = make(qtbot, slow)
    panel.set_query("x")
    panel.search_now()
    await asyncio.sleep(0.02)
    panel.hide()
    await wait_until(lambda: cancelled == ["x"])
    assert not panel.is_searching()
