"""The comparison controller on a qasync loop against loopback gateways and a real store."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from core import compare
from core.api.client import ChatClient, make_http_client
from core.api.retry import NO_RETRIES
from core.chat import Chat
from core.compare import column as compare_column
from core.endpoint import Endpoint
from core.profiles import MissingKeyError
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from tests.gateway import Gateway, Recorded
from tests.ui.async_wait import wait_until
from tests.ui.runner_support import make_runner
from ui.chat.controller import ChatController
from ui.compare.controller import CompareController
from ui.transcript.message_model import branch_rows

PARAMS: dict[str, object] = {"stream": True, "temperature": 0.5}
MODELS = ["model-a", "model-b", "model-c"]


@dataclass
class Rig:
    ctl: CompareController
    store: ChatStore
    saver: ThrottledSaver
    client: ChatClient
    gateway: Gateway
    routes: dict[str, Endpoint]  # by column model; others go to ``gateway``
    asked: list[Chat] = field(default_factory=list)  # what endpoint_for was called with
    events: list[tuple[Any, ...]] = field(default_factory=list)

    def by_model(self, model: str) -> list[Recorded]:
        return [r for r in self.gateway.chat_requests() if r.body["model"] == model]


@pytest.fixture
def slow_gateway() -> Iterator[Gateway]:
    """A second gateway whose default answers come slowly (0.3 s between chunks: slow
    enough that the fast columns finish first even on a busy machine)."""
    with Gateway() as server:
        server.delay = 0.3
        yield server
    assert not server.errors, f"the slow gateway failed: {server.errors!r}"


@pytest.fixture
async def rig(gateway: Gateway, tmp_path: Path) -> AsyncIterator[Rig]:
    http = make_http_client()
    store = ChatStore(tmp_path / "chats", fsync=False)
    saver = ThrottledSaver(store, interval=0.05)
    client = ChatClient(http, retry=NO_RETRIES)
    routes: dict[str, Endpoint] = {}
    asked: list[Chat] = []

    def endpoint_for(col: Chat) -> Endpoint:
        asked.append(col)
        return routes.get(col.model) or Endpoint(gateway.url)

    ctl = CompareController(make_runner(client, store, saver, endpoint_for))
    result = Rig(ctl, store, saver, client, gateway, routes, asked)
    for name in ("column_generating", "column_stream_finished", "marks_changed"):
        getattr(ctl, name).connect(lambda *args, name=name: result.events.append((name, *args)))
    ctl.runner.notifier.posted.connect(lambda n: result.events.append(("notice", n.level, n.text)))
    yield result
    await ctl.runner.shutdown()
    await http.aclose()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_idle(ctl: CompareController) -> None:
    await wait_until(lambda: not ctl.is_generating())
    await asyncio.sleep(0)


def last(col: Chat) -> Any:
    return col.branch()[-1]


async def test_columns_ask_at_once_each_with_its_own_model_and_params(
    qtbot: QtBot, rig: Rig
) -> None:
    ctl, gateway = rig.ctl, rig.gateway
    gateway.delay = 0.05
    cmp = ctl.new_comparison(MODELS, PARAMS, profile="Shared")
    assert cmp is not None
    a, b, c = cmp.columns
    ctl.set_column_params(b.id, {**PARAMS, "temperature": 1.3, "top_p": 0.5})
    ctl.set_column_params(c.id, {**PARAMS, "max_tokens": 3})
    texts: dict[str, list[str]] = {col.id: [] for col in cmp.columns}
    ctl.column_stream_text.connect(lambda cid, mid, content, r, calls: texts[cid].append(content))
    assert ctl.send("hello there")
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert {f"answer:{col.id}" for col in cmp.columns} <= names
    assert all(ctl.is_generating(col.id) for col in cmp.columns)
    await wait_until(lambda: len(gateway.chat_requests()) == 3)
    # all three were asked at once: every request arrived before any answer ended
    assert not any(r.finished.is_set() for r in gateway.chat_requests())
    assert all(ctl.is_generating(col.id) for col in cmp.columns)
    await wait_idle(ctl)
    bodies = {model: rig.by_model(model) for model in MODELS}
    assert all(len(found) == 1 for found in bodies.values())
    body_a, body_b, body_c = (bodies[m][0].body for m in MODELS)
    assert body_a["temperature"] == 0.5 and "top_p" not in body_a and "max_tokens" not in body_a
    assert body_b["temperature"] == 1.3 and body_b["top_p"] == 0.5
    assert body_c["temperature"] == 0.5 and body_c["max_tokens"] == 3
    assert all(last(col).content.startswith("Echo: hello there ") for col in (a, b))
    assert last(c).stats.finish_reason == "length"
    assert all(texts[col.id][-1] == last(col).content for col in cmp.columns)
    assert {col.profile for col in rig.asked} == {"Shared"}  # the comparison's profile
    assert {col.id for col in rig.asked} == {a.id, b.id, c.id}
    marks = [e[1] for e in rig.events if e[0] == "marks_changed"][-1]
    assert set(marks) == {a.id, b.id, c.id} and "longest" not in marks[c.id]
    await rig.saver.flush()
    assert rig.store.load(cmp.id) == cmp
    assert cmp.title == "hello there"


async def test_a_failing_column_does_not_stop_the_others(qtbot: QtBot, rig: Rig) -> None:
    rig.routes["broken"] = Endpoint(f"http://127.0.0.1:{closed_port()}/v1")
    cmp = rig.ctl.new_comparison(["model-a", "broken", "model-c"], PARAMS)
    assert cmp is not None
    assert rig.ctl.send("still there?")
    await wait_idle(rig.ctl)
    good_a, bad, good_c = cmp.columns
    assert last(bad).status == "error" and last(bad).error is not None
    assert last(bad).error.message
    assert last(good_a).status == last(good_c).status == "done"
    assert last(good_c).content.startswith("Echo: still there?")
    assert [r.body["model"] for r in rig.gateway.chat_requests()].count("broken") == 0
    finished = [e[1] for e in rig.events if e[0] == "column_stream_finished"]
    assert sorted(finished) == sorted(col.id for col in cmp.columns)
    # the broken column is asked again, in place, once its endpoint works
    del rig.routes["broken"]
    rig.ctl.retry(bad.id, last(bad).id)
    await wait_idle(rig.ctl)
    assert last(bad).status == "done" and len(bad.messages) == 2
    assert len(rig.gateway.chat_requests()) == 3


async def test_an_endpoint_problem_is_said_once_and_skips_only_that_column(
    qtbot: QtBot, rig: Rig
) -> None:
    problems: list[tuple[str, str]] = []
    notifier = rig.ctl.runner.notifier
    notifier.endpoint_problem.connect(lambda name, text: problems.append((name, text)))
    original = rig.ctl.runner._endpoint_for

    def picky(col: Chat) -> Endpoint:
        if col.model.startswith("keyless"):
            raise MissingKeyError("No API key for Other yet.", profile_name="Other")
        return original(col)

    rig.ctl.runner._endpoint_for = picky
    cmp = rig.ctl.new_comparison(["keyless-1", "model-a", "keyless-2"], PARAMS, profile="Other")
    assert cmp is not None
    assert rig.ctl.send("hi")
    await wait_idle(rig.ctl)
    assert problems == [("Other", "No API key for Other yet.")]
    assert [len(col.messages) for col in cmp.columns] == [0, 2, 0]
    cmp2 = rig.ctl.new_comparison(["keyless-1", "keyless-2"], PARAMS)
    assert cmp2 is not None and rig.ctl.send("hi") is False


async def test_a_slow_column_does_not_hold_back_the_others(
    qtbot: QtBot, rig: Rig, slow_gateway: Gateway
) -> None:
    rig.routes["slow"] = Endpoint(slow_gateway.url)
    cmp = rig.ctl.new_comparison(["model-a", "slow", "model-c"], PARAMS)
    assert cmp is not None
    fast_a, slow, fast_c = cmp.columns
    rig.ctl.send("one two three")
    await wait_until(
        lambda: not (rig.ctl.is_generating(fast_a.id) or rig.ctl.is_generating(fast_c.id))
    )
    assert last(fast_a).status == last(fast_c).status == "done"
    assert rig.ctl.is_generating(slow.id) and last(slow).status == "streaming"
    assert ("column_generating", fast_a.id, False) in rig.events
    # a follow-up now skips the column that is still answering, with a notice
    assert rig.ctl.send("next")
    assert any(e[0] == "notice" and "Column 2 is still answering" in e[2] for e in rig.events)
    await wait_until(lambda: not rig.ctl.is_generating(), 30)
    assert last(slow).status == "done" and last(slow).content.startswith("Echo: one two three")
    assert [m.content for m in slow.branch() if m.role == "user"] == ["one two three"]
    assert [m.content for m in fast_a.branch() if m.role == "user"] == ["one two three", "next"]
    assert len(slow_gateway.chat_requests()) == 1


async def test_stopping_one_column_lets_the_others_finish(
    qtbot: QtBot, rig: Rig, slow_gateway: Gateway
) -> None:
    rig.routes["slow"] = Endpoint(slow_gateway.url)
    cmp = rig.ctl.new_comparison(["slow", "model-b", "model-c"], PARAMS)
    assert cmp is not None
    slow = cmp.columns[0]
    seen: list[str] = []
    rig.ctl.column_stream_text.connect(
        lambda cid, mid, content, r, c: seen.append(content) if cid == slow.id else None
    )
    rig.ctl.send("a b c d e f g h i j k l")
    await wait_until(lambda: len(seen) >= 2)
    rig.ctl.stop(slow.id)
    await wait_idle(rig.ctl)
    assert last(slow).status == "stopped" and last(slow).content.startswith("Echo:")
    assert last(slow).content != "Echo: a b c d e f g h i j k l This is a test answer."
    for col in cmp.columns[1:]:
        assert last(col).status == "done"
    await wait_until(lambda: slow_gateway.chat_requests()[0].disconnected.is_set())
    await rig.saver.flush()
    saved = rig.store.load(cmp.id)
    assert [last(col).status for col in saved.columns] == ["stopped", "done", "done"]


async def test_a_follow_up_goes_to_every_column_with_its_own_history(
    qtbot: QtBot, rig: Rig
) -> None:
    cmp = rig.ctl.new_comparison(["model-a", "model-b"], PARAMS)
    assert cmp is not None
    rig.ctl.set_system_prompt("Be brief.")
    a, b = cmp.columns
    rig.ctl.set_column_params(b.id, {**PARAMS, "max_tokens": 2})
    rig.ctl.send("first question")
    await wait_idle(rig.ctl)
    assert last(a).content != last(b).content
    rig.ctl.send("second question")
    await wait_idle(rig.ctl)
    for col in (a, b):
        follow_up = rig.by_model(col.model)[-1].body
        assert follow_up["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": col.branch()[1].content},
            {"role": "user", "content": "second question"},
        ]
        assert [m.role for m in col.branch()] == ["user", "assistant"] * 2
    assert len(rig.gateway.chat_requests()) == 4


async def test_regenerate_one_column_keeps_the_others(qtbot: QtBot, rig: Rig) -> None:
    cmp = rig.ctl.new_comparison(["model-a", "model-b"], PARAMS)
    assert cmp is not None
    a, b = cmp.columns
    rig.ctl.send("q")
    await wait_idle(rig.ctl)
    resets: list[tuple[str, list]] = []
    rig.ctl.column_rows_reset.connect(lambda cid, rows: resets.append((cid, rows)))
    rig.ctl.regenerate(b.id)
    assert resets == [(b.id, branch_rows(b)[:-1])] and rig.ctl.is_generating(b.id)
    assert not rig.ctl.is_generating(a.id)
    await wait_idle(rig.ctl)
    assert len(b.siblings(last(b).id)) == 2 and len(a.messages) == 2
    assert [r.body["model"] for r in rig.gateway.chat_requests()][-1] == "model-b"


async def test_saved_comparison_reopens_with_identical_columns(qtbot: QtBot, rig: Rig) -> None:
    cmp = rig.ctl.new_comparison(MODELS, PARAMS)
    assert cmp is not None
    rig.ctl.set_column_params(cmp.columns[1].id, {"temperature": 0.1})
    rig.ctl.send("remember me")
    await wait_idle(rig.ctl)
    await rig.saver.flush()
    [summary] = rig.store.list_chats()
    assert summary.kind == "compare" and summary.message_count == 6
    loaded = rig.store.load(cmp.id)
    assert loaded == cmp and loaded is not cmp
    fresh = CompareController(
        make_runner(rig.client, rig.store, rig.saver, lambda col: rig.routes["x"])
    )
    reset: list[Chat] = []
    rows: dict[str, list] = {}
    fresh.comparison_reset.connect(reset.append)
    fresh.column_rows_reset.connect(lambda cid, found: rows.__setitem__(cid, found))
    shown = fresh.open(loaded)
    assert shown is loaded and reset == [loaded]
    assert list(rows) == [col.id for col in cmp.columns]
    for col in cmp.columns:
        assert [r.message for r in rows[col.id]] == col.branch()
    assert loaded.columns[1].overridden == ["stream", "temperature"]  # asked without streaming
    assert "stream" not in rig.by_model("model-b")[0].body


async def test_column_operations_signal_and_save(qtbot: QtBot, rig: Rig) -> None:
    ctl = rig.ctl
    cmp = ctl.new_comparison(["model-a", "model-b"], PARAMS)
    assert cmp is not None
    added: list[str] = []
    removed: list[str] = []
    orders: list[list[str]] = []
    notices: list[str] = []
    ctl.column_added.connect(added.append)
    ctl.column_removed.connect(removed.append)
    ctl.columns_reordered.connect(orders.append)
    ctl.runner.notifier.posted.connect(lambda n: notices.append(n.text))
    ctl.send("q")
    await wait_idle(ctl)
    a, b = cmp.columns
    twin = ctl.duplicate(a.id)
    assert twin is not None and added == [twin.id] and orders[-1] == [a.id, twin.id, b.id]
    fresh = ctl.add_column("model-c")
    assert fresh is not None and fresh.messages == [] and added[-1] == fresh.id
    ctl.move(fresh.id, 0)
    assert orders[-1] == [fresh.id, a.id, twin.id, b.id]
    limit = compare.MAX_COLUMNS
    extra = [ctl.add_column("more") for _ in range(limit - len(cmp.columns))]
    assert ctl.add_column("one too many") is None and f"at most {limit}" in notices[-1]
    for col in extra:
        assert col is not None and ctl.remove(col.id) is col
    removed.clear()
    assert ctl.remove(twin.id) is twin and removed == [twin.id]
    ctl.set_column_model(b.id, "model-z")
    ctl.set_shared_params({"stream": True, "temperature": 0.9})
    assert {col.params["temperature"] for col in cmp.columns} == {0.9}
    await rig.saver.flush()
    saved = rig.store.load(cmp.id)
    assert [col.id for col in saved.columns] == [col.id for col in cmp.columns]
    assert compare_column(saved, b.id).model == "model-z"
    for col in list(cmp.columns[1:]):
        ctl.remove(col.id)
    assert ctl.remove(cmp.columns[0].id) is None and "at least one column" in notices[-1]


async def test_continue_with_gives_a_normal_chat_that_can_be_sent_to(
    qtbot: QtBot, rig: Rig
) -> None:
    cmp = rig.ctl.new_comparison(["model-a", "model-b"], PARAMS, profile="P")
    assert cmp is not None
    b = cmp.columns[1]
    rig.ctl.set_column_params(b.id, {**PARAMS, "temperature": 1.1})
    rig.ctl.send("start here")
    await wait_idle(rig.ctl)
    chat = rig.ctl.continue_with(b.id)
    assert chat is not None and chat.kind == "chat" and chat.id != b.id
    assert chat.title == "start here (from comparison)" and chat.profile == "P"
    assert rig.store.load(chat.id) == chat
    single = ChatController(rig.ctl.runner)
    opened = single.open_chat(chat.id)
    assert single.send("go on")
    await wait_until(lambda: not single.is_generating())
    body = rig.gateway.chat_requests()[-1].body
    assert body["model"] == "model-b" and body["temperature"] == 1.1
    assert [m["content"] for m in body["messages"]][:2] == ["start here", last(b).content]
    assert [m.role for m in opened.branch()] == ["user", "assistant"] * 2
    assert len(b.messages) == 2  # the comparison's column is untouched


async def test_shutdown_and_save_all_now_keep_streaming_columns_as_stopped(
    qtbot: QtBot, rig: Rig, slow_gateway: Gateway
) -> None:
    rig.routes["slow"] = Endpoint(slow_gateway.url)
    cmp = rig.ctl.new_comparison(["slow", "slow"], PARAMS)
    assert cmp is not None
    rig.ctl.send("x y z")
    await wait_until(lambda: len(slow_gateway.chat_requests()) == 2)
    rig.ctl.save_all_now()
    assert [c["status"] for c in _statuses(rig.store, cmp.id)] == ["stopped", "stopped"]
    await rig.ctl.runner.shutdown()
    assert not rig.ctl.is_generating()
    assert all(last(col).status == "stopped" for col in rig.store.load(cmp.id).columns)


def _statuses(store: ChatStore, cmp_id: str) -> list[dict[str, str]]:
    saved = store.load(cmp_id)
    return [{"status": last(col).status} for col in saved.columns]
