"""The chat controller on a qasync loop against the loopback gateway and a real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core.api.client import ChatClient, make_http_client
from core.api.retry import NO_RETRIES
from core.chat import Chat
from core.endpoint import Endpoint
from core.profiles import MissingKeyError
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from tests.gateway import Reply, error_body, text_chunks
from tests.ui.async_wait import wait_until
from tests.ui.runner_support import make_runner
from ui.chat.controller import ChatController
from ui.transcript.message_model import branch_rows


@pytest.fixture
async def controller(gateway, tmp_path: Path) -> AsyncIterator[ChatController]:
    http = make_http_client()
    store = ChatStore(tmp_path / "chats", fsync=False)
    saver = ThrottledSaver(store, interval=0.05)
    ctl = ChatController(
        make_runner(
            ChatClient(http, retry=NO_RETRIES), store, saver, lambda chat: Endpoint(gateway.url)
        )
    )
    yield ctl
    await ctl.runner.shutdown()
    await http.aclose()


async def wait_idle(qtbot: QtBot, ctl: ChatController) -> None:
    await wait_until(lambda: not ctl.is_generating())
    await asyncio.sleep(0)


async def test_send_streams_and_persists(qtbot: QtBot, controller: ChatController) -> None:
    texts: list[str] = []
    finished = []
    controller.stream_text.connect(lambda mid, content, reasoning, calls: texts.append(content))
    controller.stream_finished.connect(finished.append)
    chat = controller.new_chat("m", {"stream": True})
    assert controller.send("hello")
    assert controller.is_generating()
    await wait_idle(qtbot, controller)
    assert texts and texts[-1].startswith("Echo: hello")
    assert finished[0].message.status == "done"
    saved = controller.runner.store.load(chat.id)
    assert [m.role for m in saved.branch()] == ["user", "assistant"]
    assert saved.branch()[-1].content == texts[-1]
    assert saved.title == "hello"


async def test_stop_keeps_partial_and_marks_stopped(
    qtbot: QtBot, controller: ChatController, gateway
) -> None:
    gateway.push(Reply.echo(delay=0.05))
    chat = controller.new_chat("m", {"stream": True})
    seen: list[str] = []
    controller.stream_text.connect(lambda mid, content, r, c: seen.append(content))
    controller.send("one two three four five six seven eight nine ten")
    await wait_until(lambda: len(seen) >= 3)
    controller.stop()
    await wait_idle(qtbot, controller)
    answer = chat.branch()[-1]
    assert answer.status == "stopped"
    assert answer.content.startswith("Echo:")
    assert controller.runner.store.load(chat.id).branch()[-1].status == "stopped"


async def test_error_shown_in_place_and_retry_succeeds(
    qtbot: QtBot, controller: ChatController, gateway
) -> None:
    gateway.push(Reply.error(500, error_body("upstream exploded")))
    chat = controller.new_chat("m", {"stream": True})
    controller.send("q")
    await wait_idle(qtbot, controller)
    answer = chat.branch()[-1]
    assert answer.status == "error"
    assert answer.error is not None and "upstream exploded" in answer.error.detail
    controller.retry(answer.id)
    await wait_idle(qtbot, controller)
    assert answer.status == "done"
    assert answer.error is None
    assert answer.content.startswith("Echo: q")


async def test_regenerate_and_switch_branch(
    qtbot: QtBot, controller: ChatController, gateway
) -> None:
    chat = controller.new_chat("m", {})
    controller.send("q")
    await wait_idle(qtbot, controller)
    first = chat.branch()[-1]
    gateway.push(Reply.stream(text_chunks("second answer")))
    resets: list[list] = []
    controller.rows_reset.connect(resets.append)
    controller.regenerate(first.id)
    await wait_idle(qtbot, controller)
    rows = branch_rows(chat)
    assert rows[-1].message.content == "second answer"
    assert (rows[-1].sibling_index, rows[-1].sibling_count) == (1, 2)
    controller.switch_branch(rows[-1].message.id, -1)
    assert resets[-1][-1].message.id == first.id
    assert chat.leaf == first.id


async def test_edit_sends_new_text_and_keeps_old(
    qtbot: QtBot, controller: ChatController, gateway
) -> None:
    chat = controller.new_chat("m", {})
    controller.send("old")
    await wait_idle(qtbot, controller)
    user = chat.branch()[0]
    controller.edit(user.id, "new")
    await wait_idle(qtbot, controller)
    assert gateway.last.body["messages"][-1] == {"role": "user", "content": "new"}
    assert [m.content for m in chat.siblings(user.id)] == ["old", "new"]


async def test_param_not_set_is_not_sent(qtbot: QtBot, controller: ChatController, gateway) -> None:
    controller.new_chat("m", {"temperature": 0.2, "stream": True})
    controller.set_params({"stream": True})
    controller.send("q")
    await wait_idle(qtbot, controller)
    assert "temperature" not in gateway.last.body
    controller.set_params({"stream": True, "top_p": 0.5})
    controller.send("again")
    await wait_idle(qtbot, controller)
    assert gateway.last.body["top_p"] == 0.5


async def test_missing_key_sends_nothing_and_says_why(
    qtbot: QtBot, controller: ChatController, gateway
) -> None:
    def no_key(chat: Chat) -> Endpoint:
        raise MissingKeyError("No API key for AnyFast yet.", profile_name="AnyFast")

    controller.runner._endpoint_for = no_key
    problems: list[tuple[str, str]] = []
    notifier = controller.runner.notifier
    notifier.endpoint_problem.connect(lambda name, text: problems.append((name, text)))
    chat = controller.new_chat("m", {}, profile="AnyFast")
    assert controller.send("q") is False
    assert problems == [("AnyFast", "No API key for AnyFast yet.")]
    assert chat.messages == []
    assert gateway.requests == []


async def test_delete_and_restore(qtbot: QtBot, controller: ChatController) -> None:
    chat = controller.new_chat("m", {})
    controller.send("q")
    await wait_idle(qtbot, controller)
    leaf = chat.leaf
    user_id = chat.branch()[0].id
    removed = controller.delete_message(user_id)
    assert len(removed) == 2 and chat.messages == []
    controller.restore_messages(removed, leaf)
    assert [m.role for m in chat.branch()] == ["user", "assistant"]


async def test_an_answer_left_streaming_by_a_crash_opens_as_interrupted(
    qtbot: QtBot, controller: ChatController
) -> None:
    from core.conversation import add_user_message, start_answer

    chat = Chat(model="m")
    add_user_message(chat, "hello")
    start_answer(chat, "m", {}).content = "Echo: hel"
    controller.runner.store.save(chat)  # as a killed Chorus left it
    rows: list = []
    controller.rows_reset.connect(rows.append)

    shown = controller.open_chat(chat.id)

    answer = shown.branch()[-1]
    assert answer.status == "stopped" and answer.content == "Echo: hel"
    assert answer.error is not None and "closed before this answer finished" in answer.error.message
    assert not controller.is_generating()
    assert rows and rows[-1][-1].message is answer


class _CountingSaver:
    def __init__(self) -> None:
        self.flushes = 0

    def touch(self, chat: Chat) -> None: ...

    async def flush(self) -> None:
        self.flushes += 1


async def test_a_jobs_own_saver_is_flushed_and_forgotten_when_its_jobs_end(
    qtbot: QtBot, controller: ChatController, gateway
) -> None:
    from core.conversation import add_user_message, start_answer
    from ui.answers.runner import AnswerJob

    runner = controller.runner
    savers = [_CountingSaver() for _ in range(3)]
    for n, saver in enumerate(savers):
        chat = Chat(model="m")
        add_user_message(chat, f"question {n}")
        answer = start_answer(chat, "m", {})
        job = AnswerJob(
            key=f"own:{n}",
            owner=chat,
            thread=chat,
            answer=answer,
            endpoint=Endpoint(gateway.url),
            saver=saver,
        )
        assert runner.start(job)
    assert len(runner._savers) == 3
    await wait_until(lambda: not runner.streaming() and not runner._savers)
    assert runner._savers == {}  # an evaluation's thousands of cells leave none behind
    assert all(s.flushes >= 1 for s in savers)
