"""What happens to a chat when a person sends, regenerates, edits or stops, without Qt.

The UI controllers (one chat, or one column of a comparison) call these functions and
:func:`run_answer`; a command-line front end could call the same ones.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.api.errors import APIError, error_info
from core.chat import (
    INTERRUPTED,
    Chat,
    Completion,
    ErrorInfo,
    ImagePart,
    Message,
    Stats,
    TokenLogprob,
    now,
)
from core.endpoint import Endpoint
from core.model_rules import Rule
from core.params import ParamError
from core.request import BuiltRequest, build_body, to_api_messages
from core.sampling import answer_logprobs

log = logging.getLogger(__name__)

TITLE_MAX_CHARS = 60
_INLINE_MARKS = re.compile(r"[*_`~]+")  # Markdown emphasis, code and strike marks


class Saver(Protocol):
    """What :func:`run_answer` needs of a saver (core.storage.saver.ThrottledSaver)."""

    def touch(self, chat: Chat) -> None: ...

    async def flush(self) -> None: ...


def title_from(text: str) -> str:
    """A chat title from the first message: its first line without Markdown marks,
    shortened at a word."""
    lines = (
        _INLINE_MARKS.sub("", ln).strip().lstrip("#>-+ \t").strip() for ln in text.splitlines()
    )
    line = next((ln for ln in lines if ln), "")
    if len(line) <= TITLE_MAX_CHARS:
        return line or "New chat"
    cut = line[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return (cut if len(cut) > TITLE_MAX_CHARS // 2 else line[:TITLE_MAX_CHARS]) + "…"


def add_user_message(chat: Chat, text: str, images: list[ImagePart] | None = None) -> Message:
    """Append a user message under the current leaf; titles an untitled chat."""
    message = chat.append(Message(role="user", content=text, images=list(images or [])))
    if not chat.title:
        chat.title = title_from(text) if text.strip() else "Image"
    return message


def start_answer(chat: Chat, model: str, params: Mapping[str, object]) -> Message:
    """Append an empty assistant message (status "streaming") under the current leaf."""
    return chat.append(
        Message(role="assistant", model=model, params=dict(params), status="streaming")
    )


def regenerate(chat: Chat, answer_id: str, model: str, params: Mapping[str, object]) -> Message:
    """A new answer beside ``answer_id`` (the old one stays as another branch)."""
    fresh = Message(role="assistant", model=model, params=dict(params), status="streaming")
    return chat.add_sibling(answer_id, fresh)


def edit_user_message(
    chat: Chat, message_id: str, text: str, model: str, params: Mapping[str, object]
) -> tuple[Message, Message]:
    """A new version of a user message beside the old one, and an empty answer under it."""
    original = chat.by_id()[message_id]
    edited = chat.add_sibling(
        message_id, Message(role="user", content=text, images=list(original.images))
    )
    return edited, start_answer(chat, model, params)


def reset_answer(answer: Message) -> None:
    """Clear a failed or stopped answer so it can be asked again in place."""
    answer.content = ""
    answer.reasoning = ""
    answer.tool_calls = []
    answer.choices = []
    answer.chosen = 0
    answer.error = None
    answer.stats = None
    answer.status = "streaming"


def settle_interrupted(chat: Chat) -> int:
    """Mark answers saved while streaming by a Chorus that then died (a crash, a kill, a
    power cut) as stopped, keeping their text; returns how many. Call it only on a chat
    read from disk whose answers are not streaming in this process."""
    settled = 0
    for holder in (chat, *chat.columns):
        for message in holder.messages:
            if message.status == "streaming":
                message.status = "stopped"
                message.error = ErrorInfo(
                    kind=INTERRUPTED,
                    message="Chorus closed before this answer finished; "
                    "the text received until then is kept.",
                )
                settled += 1
    return settled


def _messages_for(chat: Chat, answer: Message) -> list[dict[str, object]]:
    """The conversation sent for ``answer``: the system prompt, the branch above it and,
    for an answer branched from a token, its prefix as a trailing assistant message."""
    history = chat.branch(answer.parent) if answer.parent is not None else []
    messages = to_api_messages(history, chat.system_prompt)
    if answer.prefix:
        messages.append({"role": "assistant", "content": answer.prefix})
    return messages


def build_request(
    chat: Chat,
    answer: Message,
    params: Mapping[str, object],
    rules: Sequence[Rule] | None = None,
) -> BuiltRequest:
    """The request for ``answer``: the branch above it, the system prompt and the params,
    shaped by ``rules`` (default: the built-in rules of the answer's model)."""
    return build_body(answer.model, _messages_for(chat, answer), params, rules=rules)


class NotSentError(ValueError):
    """The answer was never sent, so there is no request to send again."""


def same_request(chat: Chat, original: Message, answer: Message | None = None) -> dict[str, object]:
    """The body ``original`` was sent with, for ``answer`` (default: ``original``).

    Model and every field come from what ``original`` sent (``Message.params``); the
    messages are the branch above ``answer`` with the chat's system prompt, and the
    prefix of ``answer`` when it has one. A repeat (``answer`` a sibling of
    ``original``) therefore sends the identical request; a branch from a token sends the
    same request with its prefix appended. Raises :class:`NotSentError` for an answer
    whose request was never built.
    """
    sent = original.params
    if not isinstance(sent.get("model"), str):
        raise NotSentError("This answer was never sent, so there is no request to repeat.")
    target = answer if answer is not None else original
    return {"model": sent["model"], "messages": _messages_for(chat, target)} | {
        key: value for key, value in sent.items() if key != "model"
    }


def branch_from_token(chat: Chat, answer_id: str, index: int, token: str) -> Message:
    """A new answer beside ``answer_id`` that continues its text from token ``index``
    with ``token`` in place of the one the model chose (a sibling; the old one stays).

    Its prefix is the text of the tokens before ``index`` plus ``token``; its prefix
    probabilities are theirs, ``token`` taking its own log probability among the
    candidates of that position. Raises ``LookupError`` when the answer or the token
    does not exist.
    """
    original = chat.by_id()[answer_id]
    entries = answer_logprobs(original)
    if not 0 <= index < len(entries):
        raise LookupError(f"the answer has no token {index + 1}")
    entry = entries[index]
    logprob = next((alt.logprob for alt in entry.top if alt.token == token), None)
    if logprob is None and token == entry.token:
        logprob = entry.logprob
    if logprob is None:
        raise LookupError(f"{token!r} is not a candidate of token {index + 1}")
    kept = entries[:index]
    chosen = TokenLogprob(token=token, logprob=logprob, top=list(entry.top))
    fresh = Message(
        role="assistant",
        model=original.model,
        params=dict(original.params),
        status="streaming",
        prefix="".join(e.token for e in kept) + token,
        prefix_logprobs=[*kept, chosen],
    )
    return chat.add_sibling(answer_id, fresh)


def add_repeats(chat: Chat, answer_id: str, count: int) -> list[Message]:
    """``count`` empty answers beside ``answer_id`` marked as its repeats; the branch on
    screen stays where it is."""
    original = chat.by_id()[answer_id]
    made = []
    for _ in range(count):
        repeat = Message(
            parent=original.parent,
            role="assistant",
            model=original.model,
            params=dict(original.params),
            status="streaming",
            prefix=original.prefix,
            prefix_logprobs=list(original.prefix_logprobs),
            repeat_of=original.id,
        )
        chat.messages.append(repeat)
        made.append(repeat)
    chat.updated_at = now()
    return made


def apply_completion(answer: Message, completion: Completion) -> None:
    """Copy what has arrived into ``answer`` (content mirrors the chosen choice)."""
    choices = completion.choices
    # Every choice is kept when there are several, and a single one when it carries token
    # probabilities (the sampling visualiser reads them from there).
    if len(choices) > 1 or any(c.logprobs for c in choices):
        answer.choices = list(choices)
    chosen = next((c for c in choices if c.index == answer.chosen), None)
    if chosen is None and choices:
        chosen = choices[0]
    if chosen is not None:
        answer.content = answer.prefix + (chosen.content or chosen.refusal)
        answer.reasoning = chosen.reasoning
        answer.tool_calls = list(chosen.tool_calls)
    elif answer.prefix:
        answer.content = answer.prefix
    answer.stats = Stats(
        model=completion.model,
        response_id=completion.id,
        request_id=completion.request_id,
        ttft_s=completion.ttft_s,
        total_s=completion.total_s,
        tokens_per_s=completion.tokens_per_s,
        usage=completion.usage,
        finish_reason=chosen.finish_reason if chosen is not None else None,
        estimated_tokens=completion.estimated_tokens if completion.usage is None else 0,
        system_fingerprint=completion.system_fingerprint,
    )


def choose(answer: Message, index: int) -> None:
    """Show choice ``index`` of an answer with n > 1."""
    for choice in answer.choices:
        if choice.index == index:
            answer.chosen = index
            answer.content = answer.prefix + (choice.content or choice.refusal)
            answer.reasoning = choice.reasoning
            answer.tool_calls = list(choice.tool_calls)
            if answer.stats is not None:
                answer.stats.finish_reason = choice.finish_reason
            return


async def run_answer(
    client: ChatClient,
    endpoint: Endpoint,
    chat: Chat,
    answer: Message,
    params: Mapping[str, object],
    saver: Saver,
    *,
    on_progress: Callable[[Message, StreamAccumulator], None] | None = None,
    on_retry: Callable[[APIError, float], None] | None = None,
    on_error: Callable[[APIError], None] | None = None,
    rules: Sequence[Rule] | None = None,
    body: dict[str, object] | None = None,
) -> Message:
    """Ask for ``answer`` and stream it in; always leaves it in a final state and saved.

    ``body``, when given, is sent as it is (a repeat of an earlier request); otherwise
    the body is built from the chat, the answer's model and ``params``, shaped by
    ``rules`` (default: the built-in rules of the answer's model).

    Ends "done", "error" (``answer.error`` says why; the partial text stays; ``on_error``
    gets the request's error itself) or, when the task is cancelled, "stopped" with the
    partial text (the CancelledError propagates).
    """
    if body is None:
        try:
            body = build_request(chat, answer, params, rules).body
        except ParamError as exc:
            answer.status = "error"
            answer.error = ErrorInfo(kind="ParamError", message=str(exc))
            saver.touch(chat)
            await saver.flush()
            return answer
    answer.params = _sent_params(body)
    acc = StreamAccumulator()

    def progress(state: StreamAccumulator) -> None:
        answer.content = answer.prefix + state.content(answer.chosen)
        answer.reasoning = state.reasoning(answer.chosen)
        saver.touch(chat)
        if on_progress is not None:
            on_progress(answer, state)

    try:
        completion = await client.complete(
            endpoint, body, acc, on_update=progress, on_retry=on_retry
        )
        apply_completion(answer, completion)
        answer.status = "done"
    except asyncio.CancelledError:
        apply_completion(answer, acc.snapshot())
        answer.status = "stopped"
        raise
    except APIError as exc:
        apply_completion(answer, acc.snapshot())
        answer.status = "error"
        answer.error = error_info(exc)
        if on_error is not None:
            on_error(exc)
    except Exception as exc:  # a bug must not leave the answer "streaming" forever
        log.exception("answer failed")
        apply_completion(answer, acc.snapshot())
        answer.status = "error"
        answer.error = ErrorInfo(kind=type(exc).__name__, message=f"Something went wrong: {exc}")
    finally:
        chat.updated_at = now()
        saver.touch(chat)
        await asyncio.shield(saver.flush())
    return answer


def _sent_params(body: Mapping[str, Any]) -> dict[str, object]:
    """The body without the conversation: what was sent besides the messages."""
    return {k: v for k, v in body.items() if k not in ("messages",)}
