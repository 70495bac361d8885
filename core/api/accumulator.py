"""Builds a ``Completion`` from ``chat.completion.chunk`` objects as they arrive.

``add_many`` is called once per network read with the chunks that read completed,
so it reads the clock once and keeps the work per chunk to a few dict lookups:
text fragments are appended to the lists of each choice's state
(core/api/choice_state.py) and joined only when someone asks for the text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from core.api.choice_state import ChoiceState, joined_text, text_of
from core.chat import Completion, TokenLogprob, Usage

__all__ = ["StreamAccumulator"]

_META_KEYS = ("id", "model", "created", "system_fingerprint")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _usage(raw: dict[str, Any]) -> Usage:
    done = raw.get("completion_tokens_details")
    prompt = raw.get("prompt_tokens_details")
    return Usage(
        prompt_tokens=_int(raw.get("prompt_tokens")),
        completion_tokens=_int(raw.get("completion_tokens")),
        total_tokens=_int(raw.get("total_tokens")),
        reasoning_tokens=_int(done.get("reasoning_tokens")) if isinstance(done, dict) else None,
        cached_tokens=_int(prompt.get("cached_tokens")) if isinstance(prompt, dict) else None,
    )


def _is_error(chunk: dict[str, Any]) -> bool:
    """A chunk that reports a failure: an ``error`` member, or a bare ``{message, code}``."""
    if chunk.get("error"):
        return True
    return "choices" not in chunk and isinstance(chunk.get("message"), str) and "code" in chunk


class StreamAccumulator:
    """The state of one answer, fed chunk dicts (streamed) or a whole body."""

    def __init__(
        self, *, clock: Callable[[], float] = time.perf_counter, started: float | None = None
    ) -> None:
        self._clock = clock
        self._started = clock() if started is None else started
        self.version = 0
        self.request_id = ""  # set by the client from the response headers
        self.error_payload: dict[str, Any] | None = None
        self._choices: dict[int, ChoiceState] = {}
        self._meta: dict[str, Any] = {}
        self._missing_meta = list(_META_KEYS)
        self._usage: Usage | None = None
        self._chunks = 0
        self._estimated = 0
        self._first_token: float | None = None
        self._last_token: float | None = None
        self._last_update: float | None = None
        self._ended: float | None = None
        self._done = False

    # --- feeding ------------------------------------------------------------------

    def add(self, chunk: dict[str, Any]) -> None:
        """Take one chunk."""
        self.add_many([chunk])

    def add_many(self, chunks: list[dict[str, Any]]) -> None:
        """Take the chunks of one network read (the clock is read once for all)."""
        if not chunks or self.error_payload is not None:
            return
        now = self._clock()
        choices_by_index = self._choices
        changed = False
        bearing = 0
        count = len(chunks)
        missing = self._missing_meta
        for chunk in chunks:
            if missing:
                for key in missing:
                    if chunk.get(key) is not None:
                        self._take_meta(chunk)
                        break
            choices = chunk.get("choices")
            if ("error" in chunk or not choices) and _is_error(chunk):
                self.error_payload = chunk
                changed = True
                count = next(i for i, c in enumerate(chunks) if c is chunk) + 1
                break
            try:
                if choices:
                    for choice in choices:
                        state = choices_by_index.get(choice.get("index") or 0)
                        if state is None:
                            state = self._choice(choice.get("index"))
                        delta = choice.get("delta")
                        if delta:
                            text = delta.get("content")
                            if text and len(delta) == 1 and text.__class__ is str:
                                # The usual delta: one text fragment and nothing else.
                                state.content.append(text)
                                bearing += 1
                            elif state.merge_delta(delta):
                                bearing += 1
                        reason = choice.get("finish_reason")
                        if reason:
                            state.finish_reason = str(reason)
                            changed = True
                        logprobs = choice.get("logprobs")
                        if logprobs:
                            entries = logprobs.get("content")
                            if entries:
                                state.raw_logprobs.extend(entries)
                                changed = True
                usage = chunk.get("usage")
                if usage:
                    self._usage = _usage(usage)
                    changed = True
            except (AttributeError, TypeError):
                # A chunk of an unexpected shape: keep what was taken from it.
                changed = True
        self._chunks += count
        self._last_update = now
        if bearing:
            self._estimated += bearing
            if self._first_token is None:
                self._first_token = now
            self._last_token = now
            changed = True
        if changed:
            self.version += 1

    def set_response(self, body: dict[str, Any]) -> None:
        """Take a whole non-streamed ``chat.completion`` body."""
        now = self._clock()
        self._take_meta(body)
        self._last_update = self._ended = now
        self._done = True
        self.version += 1
        if _is_error(body):
            self.error_payload = body
            return
        self._first_token = self._last_token = now
        choices = body.get("choices")
        for position, choice in enumerate(choices if isinstance(choices, list) else ()):
            if not isinstance(choice, dict):
                continue
            index = choice.get("index")
            state = self._choice(index if isinstance(index, int) else position)
            message = choice.get("message")
            if not isinstance(message, dict):
                message = {}
            content = text_of(message.get("content"))
            if content:
                state.content.append(content)
            reasoning = text_of(message.get("reasoning_content") or message.get("reasoning"))
            if reasoning:
                state.reasoning.append(reasoning)
            refusal = text_of(message.get("refusal"))
            if refusal:
                state.refusal.append(refusal)
            state.merge_tools(message.get("tool_calls"))
            reason = choice.get("finish_reason")
            if isinstance(reason, str) and reason:
                state.finish_reason = reason
            logprobs = choice.get("logprobs")
            if isinstance(logprobs, dict):
                state.raw_logprobs.extend(logprobs.get("content") or ())
        usage = body.get("usage")
        if isinstance(usage, dict):
            self._usage = _usage(usage)

    def finish(self) -> None:
        """The stream ended: fix ``total_s`` and mark the answer done."""
        if self._done:
            return
        self._ended = self._clock()
        self._done = True
        self.version += 1

    def _choice(self, index: Any) -> ChoiceState:
        """The state of choice ``index`` (a missing or odd index counts as 0)."""
        if not isinstance(index, int):
            index = int(index) if isinstance(index, str) and index.isdigit() else 0
        state = self._choices.get(index)
        if state is None:
            state = self._choices[index] = ChoiceState(index)
        return state

    def _take_meta(self, chunk: dict[str, Any]) -> None:
        missing = self._missing_meta
        for key in tuple(missing):
            value = chunk.get(key)
            if value is not None and value != "":
                self._meta[key] = value
                missing.remove(key)

    # --- reading ------------------------------------------------------------------

    @property
    def finishing(self) -> bool:
        """Every choice has its finish reason: what follows is the usage and the end."""
        choices = self._choices
        return bool(choices) and all(c.finish_reason for c in choices.values())

    def content(self, index: int = 0) -> str:
        """The text of choice ``index`` so far."""
        state = self._choices.get(index)
        return joined_text(state.content) if state is not None else ""

    def reasoning(self, index: int = 0) -> str:
        """The reasoning text of choice ``index`` so far."""
        state = self._choices.get(index)
        return joined_text(state.reasoning) if state is not None else ""

    def logprobs(self, index: int = 0) -> list[TokenLogprob]:
        """The token probabilities of choice ``index`` so far (a list that keeps growing;
        do not change it)."""
        state = self._choices.get(index)
        return state.converted_logprobs() if state is not None else []

    def snapshot(self) -> Completion:
        """Everything so far as a ``Completion``, choices sorted by index."""
        started = self._started
        first = self._first_token
        last = self._last_token
        end = self._ended if self._ended is not None else self._last_update
        usage = self._usage
        tokens = self._estimated
        if usage is not None and usage.completion_tokens is not None:
            tokens = usage.completion_tokens
        rate: float | None = None
        if first is not None and last is not None and tokens >= 2 and last > first:
            rate = tokens / (last - first)
        meta = self._meta
        created = meta.get("created")
        return Completion(
            id=str(meta.get("id", "")),
            request_id=self.request_id,
            model=str(meta.get("model", "")),
            created=int(created) if isinstance(created, int | float) else None,
            system_fingerprint=str(meta.get("system_fingerprint", "")),
            choices=[self._choices[i].snapshot() for i in sorted(self._choices)],
            usage=usage,
            chunks=self._chunks,
            ttft_s=first - started if first is not None else None,
            total_s=end - started if end is not None else None,
            tokens_per_s=rate,
            estimated_tokens=self._estimated,
            done=self._done,
        )
