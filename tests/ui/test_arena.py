"""The blind arena through the page, against the loopback gateway: a battle end to end,
nothing naming a model before the vote, the leaderboard, reopening, continuing."""

from __future__ import annotations

import json
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core import merge as merging
from core import paths
from core.arena.battle import HIDDEN as HIDDEN_VALUE
from core.arena.votes import VoteStore
from tests.gateway import Gateway, Reply, text_chunks
from tests.ui.app_support import running_app
from tests.ui.arena_support import every_text
from tests.ui.async_wait import wait_until
from ui.app import Assembly
from ui.compare.merge_dialog import MergeDialog
from ui.shell.main_window import MainWindow

HIDDEN = ("model-a", "model-b")
PARAMS = {"model-a": {"temperature": 0.25}, "model-b": {"temperature": 1.5, "seed": 7}}


@pytest.fixture
async def app(qapp, gateway: Gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        assembly.services.prefs.set(arena_pool=list(HIDDEN), model_params=PARAMS)
        assert assembly.arena_page is not None
        assembly.arena_page.rng = random.Random(3)
        yield assembly


def leaks(text: str, hidden: tuple[str, ...] = HIDDEN) -> list[str]:
    """Each place ``text`` names a hidden model, with the text around it."""
    folded = text.casefold()
    found = []
    for model in hidden:
        at = folded.find(model.casefold())
        while at >= 0:
            found.append(text[max(0, at - 60) : at + len(model) + 20])
            at = folded.find(model.casefold(), at + 1)
    return found


async def ask(assembly: Assembly, text: str) -> None:
    window = assembly.window
    window.composer.send_requested.emit(text, [])
    await wait_until(lambda: not window.page.is_generating())


async def test_a_battle_end_to_end(app: Assembly, gateway: Gateway, qtbot: QtBot) -> None:
    window, page = app.window, app.arena_page
    assert page is not None
    window.menu_actions["arena"].trigger()
    assert window.page is page
    await ask(app, "Which is larger, 9.11 or 9.9?")
    record = app.arena.record if app.arena else None
    assert record is not None and sorted(record.models) == sorted(HIDDEN)
    sent = {r.body["model"]: r.body for r in gateway.chat_requests()}
    assert set(sent) == set(HIDDEN)
    for model, params in PARAMS.items():  # each with its own saved parameters
        for name, value in params.items():
            assert sent[model][name] == value

    # a second turn, the same models
    await ask(app, "Explain why.")
    cmp = app.arena.battle if app.arena else None
    assert cmp is not None and all(len(col.messages) == 4 for col in cmp.columns)
    assert [c.model for c in cmp.columns] == record.models
    assert len(gateway.chat_requests()) == 4

    page.tags.setText("coding, my own tag")
    page.tags.editingFinished.emit()
    assert page.vote_bar.vote_buttons[0].isEnabled()
    page.vote_bar.setFocus()
    qtbot.keyClick(page.vote_bar, Qt.Key.Key_2)  # B is better
    assert record.vote == "win" and record.winner == 1
    assert [c.title.text() for c in page.columns] == [
        f"Model A · {record.models[0]}",
        f"Model B · {record.models[1]}",
    ]
    assert "TTFT" in page.columns[1].status.text()
    assert record.models[1] in window.header.model_button.text()
    saved = VoteStore(paths.arena_dir(app.services.env) / "votes").load_all()
    assert saved == [record] and saved[0].tags == ["coding", "my own tag"]
    assert app.services.settings.arena_tags == ["my own tag"]
    battle_file = paths.arena_dir(app.services.env) / "battles" / f"{record.id}.json"
    await wait_until(battle_file.exists)
    assert record.id not in {s.id for s in app.services.store.list_chats()}  # not a chat

    # the leaderboard
    window.menu_actions["leaderboard"].trigger()
    board = page.leaderboard
    assert board is not None and board.isVisible()
    assert [board.table.item(r, 0).text() for r in range(2)] == [
        record.models[1],
        record.models[0],
    ]
    assert "Elo (K = 32, start 1000)" in board.method.text()
    assert board.table.item(0, 4).text() == "1 / 0 / 0"
    assert board.matrix.item(0, 1).text() == "100%"
    board.set_filter(tag="writing")
    assert board.table.rowCount() == 0
    board.set_filter(tag="coding")
    assert board.table.rowCount() == 2
    out = Path(app.services.env["CHORUS_DATA_DIR"]) / "votes.json"
    assert board.write("votes.json", str(out))
    assert json.loads(out.read_text())["battles"][0]["winner"] == 1

    # a new battle, then the first one reopened from the list, as it was
    window.menu_actions["arena"].trigger()
    assert app.arena is not None and app.arena.record is not record
    assert not page.controller.revealed and page.columns[0].title.text() == "Model A"
    board.reload()
    board.battles.cellDoubleClicked.emit(0, 0)
    assert app.arena.record == record and page.controller.revealed
    assert page.columns[1].title.text() == f"Model B · {record.models[1]}"
    assert len(page.columns[0].view.rows()) == 4
    board.close()

    # continue with A: a normal chat with that model
    page.vote_bar.after[0].click()
    assert window.page is window.chat_page
    chat = app.controller.chat
    assert chat is not None and chat.model == record.models[0] and len(chat.messages) == 4


def blind_body(window: MainWindow) -> dict[str, object]:
    """The Request tab's body (what Copy as JSON copies), refreshed."""
    window.update_preview()
    window.preview.flush()
    body = json.loads(window.preview.json_text())
    assert isinstance(body, dict)
    return body


async def test_nothing_names_a_model_before_the_vote(app: Assembly, gateway: Gateway) -> None:
    window, page = app.window, app.arena_page
    assert page is not None
    window.menu_actions["arena"].trigger()
    window.composer.set_text("Tell me which model you are.")
    window.menu_actions["request"].trigger()  # the Request tab on screen
    body = blind_body(window)
    assert body["model"] == "Model A"
    # each model's own defaults would tell them apart: their values are hidden
    assert body["temperature"] == body["seed"] == HIDDEN_VALUE
    assert body["stream"] is True  # what every model is sent alike is shown
    assert not leaks(every_text(window)), leaks(every_text(window))
    assert not {"0.25", "1.5"} & set(re.findall(r"[\d.]+", window.preview.body_text()))
    for _ in HIDDEN:  # each model says who it is
        gateway.push(Reply.stream(text_chunks("I am model-a, or maybe model-b.")))
    await ask(app, "Tell me which model you are.")
    body = blind_body(window)
    text = every_text(window)
    assert "Model A" in text and body["model"] == "Model A"
    assert body["temperature"] == body["seed"] == HIDDEN_VALUE
    answer = body["messages"][1]  # type: ignore[index]
    assert answer["content"] == "I am Model A, or maybe Model B."
    assert not leaks(text), leaks(text)
    assert not leaks(window.preview.curl_text() + window.preview.json_text())
    for column in page.columns:  # hovered: the status line and stats name nothing either
        assert not leaks(column.status.toolTip() + column.status.text())
    # the answers' stats are kept, and shown after the vote only
    assert all(col.messages[-1].stats for col in app.arena.battle.columns)  # type: ignore[union-attr]
    assert "TTFT" not in text
    page.vote_key(3)  # tie
    assert app.arena is not None and app.arena.record is not None
    assert app.arena.record.vote == "tie"
    body = blind_body(window)  # after the vote: Model A's request exactly
    first = app.arena.record.models[0]
    assert body["model"] == first
    assert all(body[name] == value for name, value in PARAMS[first].items())
    assert "TTFT" in page.columns[0].status.text() and "TTFT" in every_text(window)
    assert all(m in every_text(window) for m in HIDDEN)


async def test_a_failing_model_is_named_by_its_slot(app: Assembly, gateway: Gateway) -> None:
    window, page = app.window, app.arena_page
    assert page is not None
    hidden = ("model-a", "no-such-model-xyz")
    app.services.prefs.set(arena_pool=list(hidden))
    window.menu_actions["arena"].trigger()
    await ask(app, "Hello?")
    assert app.arena is not None and app.arena.record is not None
    slot = app.arena.record.models.index("no-such-model-xyz")
    name = "Model " + "AB"[slot]
    status = page.columns[slot].status.text()
    assert status.startswith(f"{name} failed:"), status
    text = every_text(window)  # the notice bar too
    assert f"{name} failed:" in text
    assert not leaks(text, hidden), leaks(text, hidden)


async def test_the_arena_refuses_what_would_spoil_the_vote(app: Assembly) -> None:
    window, page = app.window, app.arena_page
    assert page is not None
    window.menu_actions["arena"].trigger()
    for name in ("model", "regenerate", "export_md", "copy_all"):
        assert not window.menu_actions[name].isEnabled(), name
    app.services.prefs.set(arena_pool=["only-one"], favourite_models=[])
    assert not page.new_battle()
    assert "at least two models" in every_text(window)


async def test_merge_after_the_vote(app: Assembly, gateway: Gateway) -> None:
    window, page, arena_ctl = app.window, app.arena_page, app.arena
    assert page is not None and arena_ctl is not None
    window.menu_actions["arena"].trigger()
    await ask(app, "Name three colours.")
    merge = window.menu_actions["merge"]
    window.show_page(page)
    assert not merge.isEnabled() and "Vote first" in merge.toolTip()
    page.vote_key(1)  # A is better
    record, battle = arena_ctl.record, arena_ctl.battle
    assert record is not None and record.vote == "win" and battle is not None
    assert merge.isEnabled()
    button = page.vote_bar.merge_button
    assert button is not None and button.isEnabled()
    button.click()
    dialog = page.merge_dialog
    assert isinstance(dialog, MergeDialog) and dialog.isVisible()
    labels = [dialog.columns.item(i).text() for i in range(dialog.columns.count())]
    assert labels == [f"Model A ({record.models[0]})", f"Model B ({record.models[1]})"]
    dialog.set_recipe(merging.DIFFERENCES)
    dialog.model.setCurrentText("model-c")
    before = len(gateway.chat_requests())
    dialog.merge_button.click()

    # the merge streams into a new column of a comparison made from the battle
    assert window.page is window.compare_page
    await wait_until(lambda: not window.page.is_generating())
    cmp = app.comparisons.comparison
    assert cmp is not None and cmp.id != battle.id and cmp.title.endswith("(from the arena)")
    assert [c.model for c in cmp.columns] == [*record.models, "model-c"]
    merged = cmp.columns[2]
    assert merged.title == "Merge of Column 1 + Column 2 (differences)"
    column = window.compare_page.view.column(merged.id)
    assert column is not None and column.merge_note.isVisible()
    request = gateway.chat_requests()[before]
    assert request.body["model"] == "model-c"
    sent = request.body["messages"][-1]["content"]
    assert "said what" in sent
    for col in battle.columns:
        assert col.messages[-1].content.strip() in sent
    answer = merged.messages[-1]
    assert answer.status == "done" and answer.stats is not None and answer.content
    assert "TTFT" in column.header.stats_label.text()

    # the battle stays as it was judged; the comparison is a saved chat
    assert len(battle.columns) == 2 and record.vote == "win" and record.winner == 0
    await app.runner.flush()
    assert cmp.id in {s.id for s in app.services.store.list_chats()}
    assert record.id not in {s.id for s in app.services.store.list_chats()}

    # like any column: regenerated, continued
    assert app.comparisons.regenerate(merged.id)
    await wait_until(lambda: not window.page.is_generating())
    assert len(merged.messages) == 3
    chat = app.comparisons.continue_with(merged.id)
    assert chat is not None and chat.model == "model-c"
