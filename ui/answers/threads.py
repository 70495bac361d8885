"""What a person does to a conversation, the same for a chat and for a compare column.

A *thread* is a chat holding messages: a chat on its own, or one column of a comparison.
Its *owner* is what is saved (the chat itself, or the comparison). :class:`ThreadController`
asks, regenerates, retries, edits, switches branches, picks a choice and deletes in a
thread, and streams answers through the one :class:`AnswerRunner`. Subclasses say which
threads exist and how to tell their views (``_tell_*``); they keep only what differs.
"""

from __future__ import annotations

from typing import Any

import msgspec
from PySide6.QtCore import QObject

from core import conversation
from core.chat import Chat, ImagePart, Message, now
from core.endpoint import Endpoint
from ui.answers.runner import AnswerJob, AnswerRunner
from ui.transcript.message_model import MessageRow, branch_rows, row_of


class ThreadController(QObject):
    def __init__(self, runner: AnswerRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner

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

    # --- state ----------------------------------------------------------------------------

    def thread_running(self, thread: Chat) -> bool:
        return self.runner.running(thread.id)

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

    def _start(self, thread: Chat, answer: Message, endpoint: Endpoint) -> None:
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

    def _finished(self, thread: Chat, owner: Chat, answer: Message) -> None:
        if self._on_screen(thread):
            self._tell_stream_finished(thread, row_of(thread, answer))
            self._tell_generating(thread, False)
        self._tell_changed(owner)

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
