"""Sending, regenerating, editing and stopping, against the loopback gateway."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from core.api.client import ChatClient
from core.api.retry import RetryPolicy
from core.chat import INTERRUPTED, Chat, Message
from core.conversation import (
    add_user_message,
    build_request,
    choose,
    edit_user_message,
    regenerate,
    reset_answer,
    run_answer,
    settle_interrupted,
    start_answer,
    title_from,
)
from core.endpoint import Endpoint
from tests.gateway import Reply, error_body, text_chunks


class RecordingSaver:
    def __init__(self) -> None:
        self.touches = 0
        self.flushes = 0
        self.saved_statuses: list[str] = []
        self.last: Chat | None = None

    def touch(self, chat: Chat) -> None:
        self.touches += 1
        self.last = chat

    async def flush(self) -> None:
        self.flushes += 1
        if self.last is not None and self.last.leaf is not None:
            self.saved_statuses.append(self.last.by_id()[self.last.leaf].status)


@pytest.fixture
def client(http: httpx.AsyncClient) -> ChatClient:
    return ChatClient(http, retry=RetryPolicy(max_retries=0))


def test_title_from_first_line_shortened_at_a_word() -> None:
    assert title_from("  \nHello there\nsecond line") == "Hello there"
    long = "Explain the difference between temperature and nucleus sampling in simple terms please"
    title = title_from(long)
    assert title.endswith("…")
    assert len(title) <= 61
    assert long.startswith(title[:-1])
    assert title_from("   ") == "New chat"
    assert title_from("\n\n## Reversing a string\n\ntext") == "Reversing a string"
    assert title_from("> quoted question") == "quoted question"
    assert title_from("In **one sentence**: why `temp`?") == "In one sentence: why temp?"


async def test_send_streams_into_the_answer_and_saves(gateway, client: ChatClient) -> None:
    chat = Chat(model="m1")
    add_user_message(chat, "hello world")
    answer = start_answer(chat, "m1", {"temperature": 0.3})
    saver = RecordingSaver()
    progress: list[str] = []
    await run_answer(
        client,
        Endpoint(gateway.url),
        chat,
        answer,
        {"temperature": 0.3, "stream": True},
        saver,
        on_progress=lambda msg, acc: progress.append(msg.content),
    )
    assert answer.status == "done"
    assert answer.content.startswith("Echo: hello world")
    assert progress and progress[-1] == answer.content
    assert chat.title == "hello world"
    sent = gateway.last.body
    assert sent["temperature"] == 0.3
    assert sent["messages"] == [{"role": "user", "content": "hello world"}]
    assert answer.params["temperature"] == 0.3
    assert "messages" not in answer.params
    assert answer.stats is not None and answer.stats.finish_reason == "stop"
    # The HTTP header's request id and the completion's own id, each in its place.
    assert answer.stats.request_id == f"req-{gateway.last.number}"
    assert answer.stats.response_id.startswith("chatcmpl-")
    assert saver.flushes == 1 and saver.saved_statuses == ["done"]


async def test_system_prompt_and_history_are_sent(gateway, client: ChatClient) -> None:
    chat = Chat(system_prompt="Be brief.")
    add_user_message(chat, "one")
    first = start_answer(chat, "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, first, {}, RecordingSaver())
    add_user_message(chat, "two")
    second = start_answer(chat, "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, second, {}, RecordingSaver())
    roles = [(m["role"], m["content"]) for m in gateway.last.body["messages"]]
    assert roles == [
        ("system", "Be brief."),
        ("user", "one"),
        ("assistant", first.content),
        ("user", "two"),
    ]


async def test_error_keeps_partial_answer_and_says_why(gateway, client: ChatClient) -> None:
    gateway.push(Reply.stream(text_chunks("partial words here"), cut_after=2, done=False))
    chat = Chat()
    add_user_message(chat, "q")
    answer = start_answer(chat, "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, answer, {}, RecordingSaver())
    assert answer.status == "error"
    assert answer.content  # the words before the cut stay
    assert answer.error is not None and answer.error.kind == "IncompleteStreamError"


async def test_http_error_becomes_error_info(gateway, client: ChatClient) -> None:
    gateway.push(Reply.error(401, error_body("Invalid key", type="invalid_request_error")))
    chat = Chat()
    add_user_message(chat, "q")
    answer = start_answer(chat, "m", {})
    await run_answer(client, Endpoint(gateway.url, "sk-wrong"), chat, answer, {}, RecordingSaver())
    assert answer.status == "error"
    assert answer.error is not None
    assert answer.error.status == 401
    assert answer.error.kind == "AuthenticationError"
    assert "Invalid key" in answer.error.detail


async def test_invalid_param_is_an_error_not_a_request(gateway, client: ChatClient) -> None:
    chat = Chat()
    add_user_message(chat, "q")
    answer = start_answer(chat, "m", {})
    await run_answer(
        client, Endpoint(gateway.url), chat, answer, {"temperature": 7}, RecordingSaver()
    )
    assert answer.status == "error"
    assert answer.error is not None and "Temperature" in answer.error.message
    assert gateway.requests == []


async def test_stop_keeps_partial_text_and_saves(gateway, client: ChatClient) -> None:
    gateway.push(Reply.echo(delay=0.05))
    chat = Chat()
    add_user_message(chat, "a long question with many words to echo back slowly")
    answer = start_answer(chat, "m", {})
    saver = RecordingSaver()
    seen = asyncio.Event()
    task = asyncio.create_task(
        run_answer(
            client,
            Endpoint(gateway.url),
            chat,
            answer,
            {"stream": True},
            saver,
            on_progress=lambda msg, acc: seen.set() if len(msg.content) > 10 else None,
        )
    )
    await asyncio.wait_for(seen.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert answer.status == "stopped"
    assert answer.content.startswith("Echo:")
    assert saver.saved_statuses == ["stopped"]


async def test_regenerate_keeps_the_old_branch(gateway, client: ChatClient) -> None:
    chat = Chat()
    add_user_message(chat, "q")
    first = start_answer(chat, "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, first, {}, RecordingSaver())
    gateway.push(Reply.stream(text_chunks("A different answer")))
    second = regenerate(chat, first.id, "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, second, {}, RecordingSaver())
    assert second.content == "A different answer"
    assert [m.id for m in chat.siblings(first.id)] == [first.id, second.id]
    assert chat.leaf == second.id
    chat.switch_to(first.id)
    assert chat.branch()[-1].content == first.content


async def test_edit_user_message_branches_and_sends_new_text(gateway, client: ChatClient) -> None:
    chat = Chat()
    original = add_user_message(chat, "old question")
    answer = start_answer(chat, "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, answer, {}, RecordingSaver())
    _edited, fresh = edit_user_message(chat, original.id, "new question", "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, fresh, {}, RecordingSaver())
    assert gateway.last.body["messages"] == [{"role": "user", "content": "new question"}]
    assert [m.content for m in chat.branch()] == ["new question", fresh.content]
    assert len(chat.siblings(original.id)) == 2
    chat.switch_to(original.id)
    assert [m.content for m in chat.branch()] == ["old question", answer.content]


async def test_n_choices_are_all_kept_and_one_can_be_chosen(gateway, client: ChatClient) -> None:
    chat = Chat()
    add_user_message(chat, "pick")
    answer = start_answer(chat, "m", {})
    await run_answer(client, Endpoint(gateway.url), chat, answer, {"n": 2}, RecordingSaver())
    assert len(answer.choices) == 2
    assert answer.content == answer.choices[0].content
    choose(answer, 1)
    assert answer.chosen == 1
    assert answer.content == answer.choices[1].content


def test_retry_in_place_resets_the_answer() -> None:
    chat = Chat()
    add_user_message(chat, "q")
    answer = start_answer(chat, "m", {})
    answer.content = "half"
    answer.status = "error"
    reset_answer(answer)
    assert answer.status == "streaming"
    assert answer.content == "" and answer.error is None


def test_build_request_uses_only_the_branch_above_the_answer() -> None:
    chat = Chat()
    add_user_message(chat, "first")
    a1 = start_answer(chat, "gpt-4o", {})
    a1.content = "reply"
    a1.status = "done"
    add_user_message(chat, "second")
    a2 = start_answer(chat, "gpt-4o", {})
    built = build_request(chat, a2, {"max_tokens": 10})
    assert [m["content"] for m in built.body["messages"]] == ["first", "reply", "second"]
    assert built.body["max_tokens"] == 10
    assert isinstance(chat.by_id()[a2.id], Message)


async def test_token_probabilities_are_kept_for_a_single_choice(
    gateway, client: ChatClient
) -> None:
    chat = Chat()
    add_user_message(chat, "probabilities please")
    answer = start_answer(chat, "m", {})
    params = {"stream": True, "logprobs": True, "top_logprobs": 3}
    await run_answer(client, Endpoint(gateway.url), chat, answer, params, RecordingSaver())
    assert answer.status == "done"
    assert len(answer.choices) == 1
    logprobs = answer.choices[0].logprobs
    assert logprobs and "".join(entry.token for entry in logprobs) == answer.content
    assert all(len(entry.top) >= 1 for entry in logprobs)


def test_settle_interrupted_stops_answers_left_streaming_and_keeps_their_text() -> None:
    chat = Chat()
    add_user_message(chat, "hi")
    answer = start_answer(chat, "m", {})
    answer.content = "half an ans"
    column = Chat(model="m")
    add_user_message(column, "q")
    start_answer(column, "m", {}).content = "col"
    done = start_answer(Chat(), "m", {})
    done.status = "done"
    comparison = Chat(kind="compare", columns=[column])

    assert settle_interrupted(chat) == 1
    assert settle_interrupted(comparison) == 1
    assert settle_interrupted(chat) == 0
    assert answer.status == "stopped"
    assert answer.content == "half an ans"
    assert answer.error is not None and answer.error.kind == INTERRUPTED
    assert column.branch()[-1].status == "stopped"
    assert column.branch()[0].status == "done"
