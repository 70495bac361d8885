"""What a person does to a conversation, the same for a chat and for a compare column.

A *thread* is a chat holding messages: a chat on its own, or one column of a comparison.
Its *owner* is what is saved (the chat itself, or the comparison). :class:`ThreadController`
asks, regenerates, retries, edits, branches from a token, repeats a request, switches
branches, picks a choice and deletes in a thread, and streams answers through the one
:class:`AnswerRunner`. Subclasses say which threads exist and how to tell their views
(``_tell_*``); they keep only what differs.
"""

from __future__ import annotations

from typing import Any

import msgspec
from PySide6.QtCore import QObject, Signal

from core import conversation
from core.chat import Chat, ImagePart, Message, TokenLogprob, now
from core.endpoint import Endpoint
from core.refusals import fix_by_id
from core.tools.rounds import ensure_call_ids
from ui.answers.continuation import ContinuationGate
from ui.answers.round_view import RoundView
from ui.answers.runner import AnswerJob, AnswerRunner
from ui.answers.tool_rounds import ToolRounds
from ui.tools.service import ToolService
from ui.transcript.message_model import MessageRow, branch_rows, row_of

MAX_REPEATS = 20


class ThreadController(QObject):
    # the thread and its answer streaming on screen, with its token probabilities so far
    answer_streaming = Signal(object, object, object)  # Chat, Message, list[TokenLogprob]
    # the thread and the original answer whose repeats changed (started, one ended, all ended)
    repeats_changed = Signal(object, object)  # Chat, Message

    def __init__(
        self, runner: AnswerRunner, tools: ToolService | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.gate: ContinuationGate | None = None  # asked before branching from a token
        self.tools = tools if tools is not None else ToolService(parent=self)
        self.rounds = ToolRounds(
            self.tools,
            runner.notifier,
            self._owner,
            self._round_result,
            self._round_complete,
            self._round_changed,
        )

    # --- what subclasses say ----------------------------------------------------------

    def _owner(self, thread: Chat) -> Chat:
        """The chat saved when ``thread`` changes."""
        raise NotImplementedError

    def _label(self, thread: Chat) -> str:
        """How a message names the thread ("" for a chat on its own)."""
        return ""

    def _on_screen(self, thread: Chat) -> bool:
        raise NotImplementedError

    def _tell_rows(self, thread: Chat, rows: list[MessageRow]) -> None: ...
    def _tell_appended(self, thread: Chat, row: MessageRow) -> None: ...
    def _tell_updated(self, thread: Chat, row: MessageRow) -> None: ...
    def _tell_stream_started(self, thread: Chat, row: MessageRow) -> None: ...
    def _tell_stream_text(self, thread: Chat, message: Message) -> None: ...
    def _tell_stream_finished(self, thread: Chat, row: MessageRow) -> None: ...
    def _tell_generating(self, thread: Chat, generating: bool) -> None: ...
    def _tell_changed(self, owner: Chat) -> None: ...
    def _tell_tools(self, thread: Chat, view: RoundView) -> None: ...

    # --- state ----------------------------------------------------------------------------

    def thread_running(self, thread: Chat) -> bool:
        """An answer streams in ``thread`` or one of its tools runs."""
        return self.runner.running(thread.id) or self.rounds.running(thread.id)

    def _endpoint(self, thread: Chat, said: set[tuple[str, str]] | None = None) -> Endpoint | None:
        """The thread's endpoint (its own profile, else its owner's); a problem in
        ``said`` is not said again."""
        owner = self._owner(thread)
        asked = thread
        if not thread.profile and owner.profile:
            asked = msgspec.structs.replace(thread, profile=owner.profile)
        return self.runner.resolve(asked, said)

    def _touch(self, thread: Chat) -> None:
        self.runner.saver.touch(self._owner(thread))

    # --- asking ---------------------------------------------------------------------------

    def _ask(
        self,
        thread: Chat,
        text: str,
        images: list[ImagePart] | None,
        endpoint: Endpoint | None = None,
    ) -> bool:
        """A question and its answer at the end of the thread; False when not sent."""
        if self.thread_running(thread):
            return False
        endpoint = endpoint or self._endpoint(thread)
        if endpoint is None:
            return False
        conversation.add_user_message(thread, text, images)
        self._tell_appended(thread, branch_rows(thread)[-1])
        answer = conversation.start_answer(thread, thread.model, thread.params)
        self._start(thread, answer, endpoint)
        return True

    def _regenerate(self, thread: Chat, answer_id: str | None = None) -> bool:
        """A new answer beside ``answer_id`` (default: the last answer), or under a
        question left without one."""
        if self.thread_running(thread):
            return False
        leaf = thread.by_id().get(answer_id or thread.leaf or "")
        if leaf is None:
            return False
        endpoint = self._endpoint(thread)
        if endpoint is None:
            return False
        if leaf.role == "assistant":
            answer = conversation.regenerate(thread, leaf.id, thread.model, thread.params)
        else:
            answer = conversation.start_answer(thread, thread.model, thread.params)
        self._tell_rows(thread, branch_rows(thread)[:-1])
        self._start(thread, answer, endpoint)
        return True

    def _retry(self, thread: Chat, answer_id: str) -> bool:
        """Ask again, in place, for a failed or stopped answer."""
        if self.thread_running(thread):
            return False
        answer = thread.by_id().get(answer_id)
        if answer is None or answer.role != "assistant":
            return False
        endpoint = self._endpoint(thread)
        if endpoint is None:
            return False
        conversation.reset_answer(answer)
        answer.model = thread.model
        if thread.leaf != answer_id:
            thread.switch_to(answer_id)
        self._tell_rows(thread, branch_rows(thread)[:-1])
        self._start(thread, answer, endpoint)
        return True

    def _fix(self, thread: Chat, answer_id: str, fix_id: str) -> bool:
        """Take the fix ``fix_id`` a refused answer offers: remember it for the answer's
        model on the thread's endpoint and ask again in place."""
        if self.thread_running(thread):
            return False
        answer = thread.by_id().get(answer_id)
        if answer is None or answer.role != "assistant" or answer.status != "error":
            return False
        fix = fix_by_id(answer.error, answer.params, fix_id)
        if fix is None or answer.error is None:
            return False
        endpoint = self._endpoint(thread)
        if endpoint is None:
            return False
        self.runner.learn(endpoint, answer.model, fix, answer.error.detail)
        return self._retry(thread, answer_id)

    def _edit(self, thread: Chat, message_id: str, text: str) -> bool:
        """Send a new version of a user message; the old one stays as a branch."""
        if self.thread_running(thread):
            return False
        message = thread.by_id().get(message_id)
        if message is None or message.role != "user":
            return False
        endpoint = self._endpoint(thread)
        if endpoint is None:
            return False
        _, answer = conversation.edit_user_message(
            thread, message_id, text, thread.model, thread.params
        )
        self._tell_rows(thread, branch_rows(thread)[:-1])
        self._start(thread, answer, endpoint)
        return True

    def _start(
        self,
        thread: Chat,
        answer: Message,
        endpoint: Endpoint,
        body: dict[str, object] | None = None,
    ) -> None:
        owner = self._owner(thread)
        owner.updated_at = now()
        self._tell_stream_started(thread, row_of(thread, answer))
        self.runner.start(
            self._job(
                key=thread.id,
                owner=owner,
                thread=thread,
                answer=answer,
                endpoint=endpoint,
                label=self._label(thread),
                on_progress=lambda message: self._progress(thread, message),
                on_finished=lambda message: self._finished(thread, owner, message),
                visible=lambda: self._on_screen(thread),
                prepare=lambda: self.rounds.params_for(thread),
                body=body,
            )
        )
        self._tell_generating(thread, True)
        self._tell_changed(owner)

    def _job(self, **fields: Any) -> AnswerJob:
        """The job for an answer (a subclass may add where it is saved, or a scrubber)."""
        return AnswerJob(**fields)

    def _progress(self, thread: Chat, message: Message) -> None:
        if self._on_screen(thread):
            self._tell_stream_text(thread, message)
            self.answer_streaming.emit(thread, message, self.live_logprobs(message))

    def live_logprobs(self, message: Message) -> list[TokenLogprob]:
        """The token probabilities of an answer streaming now (its prefix's first)."""
        streamed = self.runner.live_logprobs(message.id, message.chosen)
        return [*message.prefix_logprobs, *streamed]

    # --- branching from a token and repeating -----------------------------------------

    def _branch(self, thread: Chat, answer_id: str, index: int, token: str) -> bool:
        """Continue ``answer_id`` from token ``index`` with ``token`` as a new branch,
        once the endpoint is known to continue an assistant message; False when it
        cannot be asked now."""
        notifier = self.runner.notifier
        original = thread.by_id().get(answer_id)
        if original is None or original.role != "assistant":
            return False
        if self.thread_running(thread):
            notifier.info("Wait for the answer, or stop it first.")
            return False
        try:
            conversation.same_request(thread, original)
        except conversation.NotSentError as exc:
            notifier.warning(str(exc))
            return False
        endpoint = self._endpoint(thread)
        if endpoint is None:
            return False

        def go() -> None:
            if self.thread_running(thread) or answer_id not in thread.by_id():
                notifier.info("The answer changed meanwhile; no branch was made.")
                return
            try:
                branch = conversation.branch_from_token(thread, answer_id, index, token)
            except LookupError as exc:
                notifier.warning(f"No branch was made: {exc}.")
                return
            body = conversation.same_request(thread, original, branch)
            self._tell_rows(thread, branch_rows(thread)[:-1])
            self._start(thread, branch, endpoint, body)

        if self.gate is None:
            go()
        else:
            self.gate.when_continues(endpoint, original.model, go)
        return True

    def branch_note(self, thread: Chat, answer_id: str) -> str:
        """What the Sampling tab says about branching from a token of this answer."""
        original = thread.by_id().get(answer_id)
        if original is None or self.gate is None:
            return ""
        return self.gate.note(self.runner.resolve_quietly(self._asked(thread)), original.model)

    def _asked(self, thread: Chat) -> Chat:
        owner = self._owner(thread)
        if not thread.profile and owner.profile:
            return msgspec.structs.replace(thread, profile=owner.profile)
        return thread

    def _repeat(self, thread: Chat, answer_id: str, count: int) -> bool:
        """Send ``answer_id``'s identical request ``count`` more times; the answers are
        kept as its siblings (marked as repeats), the branch on screen stays."""
        notifier = self.runner.notifier
        original = thread.by_id().get(answer_id)
        if original is None or original.role != "assistant":
            return False
        if self.thread_running(thread):
            notifier.info("Wait for the answer, or stop it first.")
            return False
        try:
            body = conversation.same_request(thread, original)
        except conversation.NotSentError as exc:
            notifier.warning(str(exc))
            return False
        endpoint = self._endpoint(thread)
        if endpoint is None:
            return False
        owner = self._owner(thread)
        repeats = conversation.add_repeats(thread, answer_id, min(max(count, 1), MAX_REPEATS))
        owner.updated_at = now()
        jobs = [
            AnswerJob(
                key=thread.id,
                owner=owner,
                thread=thread,
                answer=repeat,
                endpoint=endpoint,
                label=self._label(thread),
                on_finished=lambda _message: self.repeats_changed.emit(thread, original),
                visible=lambda: self._on_screen(thread),
                body=body,
            )
            for repeat in repeats
        ]

        def all_finished() -> None:
            if self._on_screen(thread):
                self._tell_rows(thread, branch_rows(thread))
                self._tell_generating(thread, False)
            self._tell_changed(owner)
            self.repeats_changed.emit(thread, original)

        self.runner.start_group(thread.id, jobs, all_finished)
        self._tell_rows(thread, branch_rows(thread))
        self._tell_generating(thread, True)
        self._tell_changed(owner)
        self.repeats_changed.emit(thread, original)
        return True

    def _show_message(self, thread: Chat, message_id: str) -> None:
        """Show the branch that goes through ``message_id``."""
        if message_id in thread.by_id() and not self.thread_running(thread):
            thread.switch_to(message_id)
            self._touch(thread)
            self._tell_rows(thread, branch_rows(thread))

    def _finished(self, thread: Chat, owner: Chat, answer: Message) -> None:
        if answer.status == "done" and answer.tool_calls:
            ensure_call_ids(answer)
        if self._on_screen(thread):
            self._tell_stream_finished(thread, row_of(thread, answer))
            self._tell_generating(thread, False)
        self._tell_changed(owner)
        if answer.status == "done" and answer.tool_calls:
            self.rounds.open(thread)
        self._round_changed(thread)

    # --- tool rounds --------------------------------------------------------------------

    def _round_view(self, thread: Chat) -> RoundView:
        return self.rounds.view(thread, self.runner.running(thread.id))

    def _round_changed(self, thread: Chat) -> None:
        if self._on_screen(thread):
            self._tell_tools(thread, self._round_view(thread))
            self._tell_generating(thread, self.thread_running(thread))

    def _round_result(self, thread: Chat, message: Message) -> None:
        self._touch(thread)
        if self._on_screen(thread):
            self._tell_appended(thread, row_of(thread, message))
        self._tell_changed(self._owner(thread))

    def _round_complete(self, thread: Chat) -> None:
        """Every call has its result: the model goes on from there."""
        endpoint = self._endpoint(thread)
        if endpoint is None:
            return
        answer = conversation.start_answer(thread, thread.model, thread.params)
        self._start(thread, answer, endpoint)

    def _give_result(self, thread: Chat, call_id: str, text: str, images: list[ImagePart]) -> bool:
        if self.runner.running(thread.id):
            return False
        return self.rounds.give(thread, call_id, text, images=images)

    def _stop_tools(self, thread_id: str) -> None:
        self.rounds.stop(thread_id)

    # --- the tree ---------------------------------------------------------------------------

    def _switch_branch(self, thread: Chat, message_id: str, step: int) -> None:
        if self.thread_running(thread):
            return
        ids = [m.id for m in thread.siblings(message_id)]
        if message_id not in ids:
            return
        thread.switch_to(ids[(ids.index(message_id) + step) % len(ids)])
        self._touch(thread)
        self._tell_rows(thread, branch_rows(thread))
        self._round_changed(thread)

    def _choose(self, thread: Chat, answer_id: str, index: int) -> None:
        answer = thread.by_id().get(answer_id)
        if answer is None:
            return
        conversation.choose(answer, index)
        self._touch(thread)
        self._tell_updated(thread, row_of(thread, answer))

    def _delete(self, thread: Chat, message_id: str) -> list[Message]:
        """Remove a message and what follows it in its branch; returns them (for undo)."""
        if self.thread_running(thread):
            return []
        removed = thread.remove(message_id)
        if removed:
            self._touch(thread)
            self._tell_rows(thread, branch_rows(thread))
            self._tell_changed(self._owner(thread))
            self._round_changed(thread)
        return removed

    def _restore(self, thread: Chat, messages: list[Message], leaf: str | None) -> None:
        """Put back what :meth:`_delete` removed."""
        if not messages:
            return
        known = {m.id for m in thread.messages}
        thread.messages.extend(m for m in messages if m.id not in known)
        thread.leaf = leaf
        self._touch(thread)
        self._tell_rows(thread, branch_rows(thread))
        self._tell_changed(self._owner(thread))
        self._round_changed(thread)
