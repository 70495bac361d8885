"""The probe that finds out whether an endpoint continues a trailing assistant message,
against the loopback gateway in each of its modes, and branching from a token."""

from __future__ import annotations

import pytest

from core.api.client import ChatClient
from core.api.errors import AuthenticationError
from core.chat import Chat, ChoiceSnapshot, Message, TokenLogprob, TopLogprob
from core.continuation import (
    PROBE_PREFIX,
    ContinuationCheck,
    judge,
    probe,
    probe_body,
    probe_key,
    sentence,
)
from core.conversation import (
    add_user_message,
    branch_from_token,
    run_answer,
    same_request,
    start_answer,
)
from core.endpoint import Endpoint
from core.sampling import answer_logprobs
from tests.core.test_conversation import RecordingSaver


def test_the_probe_is_cheap_greedy_and_ends_with_the_assistant() -> None:
    body = probe_body("gpt-4o-mini")
    assert body["messages"][-1] == {"role": "assistant", "content": PROBE_PREFIX}
    assert body["max_tokens"] <= 10 and body["temperature"] == 0 and body["stream"] is False
    # the model's own rules still apply: gpt-5 takes max_completion_tokens, no temperature
    shaped = probe_body("gpt-5")
    assert "max_tokens" not in shaped and "temperature" not in shaped


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("ps over the lazy dog.", "continues"),
        (" ps over", "continues"),
        ("The quick brown fox jumps over the lazy dog.", "restarts"),
        ("jumps over the lazy dog.", "restarts"),
        ("Echo: Repeat exactly, and nothing else: The quick brown fox", "restarts"),
        ("", "unclear"),
        ("I cannot help with that.", "unclear"),
    ],
)
def test_judging_the_answer(text: str, verdict: str) -> None:
    assert judge(text) == verdict


@pytest.mark.parametrize(
    ("mode", "verdict"),
    [("continue", "continues"), ("restart", "restarts"), ("refuse", "refuses")],
)
async def test_the_probe_tells_the_gateway_modes_apart(
    gateway, chat: ChatClient, mode: str, verdict: str
) -> None:
    gateway.assistant_prefill = mode
    result = await probe(chat, Endpoint(gateway.url), "gpt-4o-mini")
    assert result.verdict == verdict
    assert result.checked_at > 0
    sent = gateway.last.body
    assert sent["messages"][-1]["role"] == "assistant" and sent["stream"] is False
    if mode == "refuse":
        assert "Expected last role" in result.detail


async def test_a_failure_that_says_nothing_about_continuing_raises(
    gateway, chat: ChatClient
) -> None:
    gateway.require_key = "sk-right"
    with pytest.raises(AuthenticationError):
        await probe(chat, Endpoint(gateway.url, api_key="sk-wrong"), "gpt-4o-mini")


def test_keys_and_sentences() -> None:
    assert probe_key("http://h:1/v1/", "m") == "http://h:1/v1 · m"
    said = sentence(ContinuationCheck(verdict="restarts", detail="Echo: hi"), "This endpoint")
    assert said.startswith("This endpoint starts a new answer")
    assert "(it answered: Echo: hi)" in said


def _entry(token: str, *alternatives: tuple[str, float]) -> TokenLogprob:
    return TokenLogprob(
        token=token,
        logprob=alternatives[0][1],
        top=[TopLogprob(t, lp) for t, lp in alternatives],
    )


def _answered_chat() -> tuple[Chat, Message]:
    chat = Chat(model="m")
    add_user_message(chat, "hi")
    entries = [
        _entry("Hello", ("Hello", -0.1), ("Hi", -2.5)),
        _entry(" there", (" there", -0.2), (" friend", -1.9), (" you", -3.0)),
        _entry(".", (".", -0.05), ("!", -3.2)),
    ]
    answer = start_answer(chat, "m", {})
    answer.status = "done"
    answer.content = "Hello there."
    answer.choices = [ChoiceSnapshot(index=0, content="Hello there.", logprobs=entries)]
    answer.params = {"model": "m", "stream": True, "temperature": 0.7, "seed": 3}
    return chat, answer


def test_a_branch_takes_the_text_before_the_token_and_the_candidate() -> None:
    chat, answer = _answered_chat()
    branch = branch_from_token(chat, answer.id, 1, " friend")
    assert branch.parent == answer.parent and chat.leaf == branch.id
    assert branch.prefix == "Hello friend"
    assert [e.token for e in branch.prefix_logprobs] == ["Hello", " friend"]
    assert branch.prefix_logprobs[1].logprob == -1.9
    assert branch.prefix_logprobs[1].top == answer.choices[0].logprobs[1].top
    assert answer_logprobs(branch) == branch.prefix_logprobs  # nothing continued yet
    body = same_request(chat, answer, branch)
    assert body["messages"][-1] == {"role": "assistant", "content": "Hello friend"}
    assert body["temperature"] == 0.7 and body["seed"] == 3 and body["model"] == "m"
    with pytest.raises(LookupError):
        branch_from_token(chat, answer.id, 1, " stranger")
    with pytest.raises(LookupError):
        branch_from_token(chat, answer.id, 9, "x")


async def test_a_branch_streams_its_continuation_after_the_prefix(
    gateway, chat: ChatClient
) -> None:
    thread, answer = _answered_chat()
    answer.params = {
        "model": "m",
        "stream": True,
        "temperature": 1.0,
        "seed": 5,
        "logprobs": True,
        "top_logprobs": 3,
    }
    branch = branch_from_token(thread, answer.id, 1, " friend")
    seen: list[str] = []
    await run_answer(
        chat,
        Endpoint(gateway.url),
        thread,
        branch,
        {},
        RecordingSaver(),
        on_progress=lambda message, acc: seen.append(message.content),
        body=same_request(thread, answer, branch),
    )
    assert branch.status == "done", branch.error
    assert branch.content.startswith("Hello friend ") and len(branch.content) > 14
    assert all(text.startswith("Hello friend") for text in seen)
    continued = answer_logprobs(branch)
    assert [e.token for e in continued[:2]] == ["Hello", " friend"]
    assert "".join(e.token for e in continued) == branch.content
    assert gateway.last.body["messages"][-1] == {"role": "assistant", "content": "Hello friend"}
