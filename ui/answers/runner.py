"""The one answer runner: every answer that streams, whoever owns it, runs here.

An answer belongs to a *thread* (a chat, or one column of a comparison) and is saved as
part of its *owner* (the chat itself, or the comparison holding the column). The runner
starts each answer as a named asyncio task (``answer:<key>``; starting a key again is
refused while it runs), reports progress and the end to the caller's callbacks, saves
through the throttled saver while it streams, writes everything synchronously when the
app quits, and is the one place where a failed save, a failed request and a cancelled
task end in a message to the person (through the :class:`Notifier`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.api.errors import APIError, AuthenticationError
from core.chat import Chat, Message
from core.conversation import apply_completion, run_answer
from core.endpoint import Endpoint, EndpointUnusable
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from ui.common.notifier import Notifier

log = logging.getLogger(__name__)

EndpointResolver = Callable[[Chat], Endpoint]
SAVE_NOTICE_KEY = "save"


@dataclass
class AnswerJob:
    """One answer to stream: where it belongs and whom to tell."""

    key: str  # unique while it runs: the chat id, or the column id
    owner: Chat  # what is saved: the chat, or the comparison holding ``thread``
    thread: Chat  # the conversation the answer is part of
    answer: Message
    endpoint: Endpoint
    label: str = ""  # how a message names it: "" for a chat, "Column 2" for a column
    on_progress: Callable[[Message], None] | None = None
    on_finished: Callable[[Message], None] | None = None
    visible: Callable[[], bool] = field(default=lambda: True)  # on screen now?


class _OwnerSaver:
    """The saver handed to ``run_answer``: a change to the thread saves its owner."""

    def __init__(self, saver: ThrottledSaver, owner: Chat) -> None:
        self._saver = saver
        self._owner = owner

    def touch(self, chat: Chat) -> None:
        self._saver.touch(self._owner)

    async def flush(self) -> None:
        await self._saver.flush()


class AnswerRunner(QObject):
    started = Signal(str)  # job key
    finished = Signal(str)  # job key

    def __init__(
        self,
        client: ChatClient,
        store: ChatStore,
        saver: ThrottledSaver,
        endpoint_for: EndpointResolver,
        notifier: Notifier,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.store = store
        self.saver = saver
        self.notifier = notifier
        self._endpoint_for = endpoint_for
        self._tasks: dict[str, asyncio.Task[Message]] = {}
        self._jobs: dict[str, AnswerJob] = {}
        self._streams: dict[str, StreamAccumulator] = {}  # by answer id, while it streams

    # --- asking --------------------------------------------------------------------------

    def resolve(self, chat: Chat, said: set[tuple[str, str]] | None = None) -> Endpoint | None:
        """Where ``chat`` is sent; None (and a notice that leads to the key dialog) when
        its endpoint cannot be used. A problem already in ``said`` is not said again."""
        try:
            return self._endpoint_for(chat)
        except EndpointUnusable as exc:
            problem = (chat.profile, str(exc))
            if said is None or problem not in said:
                self.notifier.cannot_use_endpoint(*problem)
            if said is not None:
                said.add(problem)
            return None

    def resolve_quietly(self, chat: Chat) -> Endpoint | None:
        """Where ``chat`` would be sent, or None; says nothing (for previews)."""
        try:
            return self._endpoint_for(chat)
        except EndpointUnusable:
            return None

    def start(self, job: AnswerJob) -> bool:
        """Stream ``job``'s answer in a task of its own; False when ``job.key`` runs."""
        if self.running(job.key):
            return False
        self.saver.touch(job.owner)
        task = asyncio.get_running_loop().create_task(self._run(job), name=f"answer:{job.key}")
        self._tasks[job.key] = task
        self._jobs[job.key] = job
        self.started.emit(job.key)
        return True

    def running(self, key: str) -> bool:
        task = self._tasks.get(key)
        return task is not None and not task.done()

    def streaming(self) -> bool:
        """True while any answer is running."""
        return any(not task.done() for task in self._tasks.values())

    def stop(self, key: str) -> None:
        task = self._tasks.get(key)
        if task is not None and not task.done():
            task.cancel()

    async def stop_and_wait(self, keys: Iterable[str]) -> None:
        """Stop the answers of ``keys`` and wait until each is saved as stopped."""
        tasks = [self._tasks[k] for k in keys if self.running(k)]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def live_owners(self) -> list[Chat]:
        """The owners with an answer streaming now (kept in memory while they stream)."""
        owners = {job.owner.id: job.owner for key, job in self._jobs.items() if self.running(key)}
        return list(owners.values())

    def live_owner(self, owner_id: str) -> Chat | None:
        return next((o for o in self.live_owners() if o.id == owner_id), None)

    async def _run(self, job: AnswerJob) -> Message:
        answer = job.answer

        def progress(message: Message, acc: StreamAccumulator) -> None:
            self._streams[message.id] = acc
            if job.on_progress is not None:
                job.on_progress(message)

        def retrying(error: APIError, delay: float) -> None:
            if job.visible():
                prefix = f"{job.label}: " if job.label else ""
                self.notifier.info(f"{prefix}{error.message} Retrying in {delay:.0f} s…")

        def failed(error: APIError) -> None:
            if isinstance(error, AuthenticationError):  # the key dialog can fix this
                profile = job.thread.profile or job.owner.profile
                self.notifier.cannot_use_endpoint(profile, error.message)

        try:
            await run_answer(
                self.client,
                job.endpoint,
                job.thread,
                answer,
                job.thread.params,
                _OwnerSaver(self.saver, job.owner),
                on_progress=progress,
                on_retry=retrying,
                on_error=failed,
            )
        except asyncio.CancelledError:
            pass  # stopped: run_answer kept the partial answer and saved it
        except OSError as exc:  # the final save failed: the answer stays, the saver retries
            self.save_failed(exc)
        except Exception as exc:  # a bug: this answer alone is affected
            log.exception("answer %s of %s failed", answer.id, job.owner.id)
            if answer.status == "streaming":
                answer.status = "error"
            where = f"{job.label} could not be finished" if job.label else "The answer failed"
            self.notifier.error(f"{where}: {exc}")
        finally:
            self._streams.pop(answer.id, None)
            if self._tasks.get(job.key) is asyncio.current_task():
                del self._tasks[job.key]
                del self._jobs[job.key]
            if job.on_finished is not None:
                job.on_finished(answer)
            self.finished.emit(job.key)
        return answer

    # --- saving ----------------------------------------------------------------------------

    def save_failed(self, exc: Exception) -> None:
        """Say that a save failed (one notice, however often it is retried)."""
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self.notifier.error(
            f"Could not save to the chats folder ({self.store.folder}): {reason}. Nothing is "
            "lost: what is open stays here and Chorus keeps trying to save it.",
            key=SAVE_NOTICE_KEY,
        )

    def save_recovered(self) -> None:
        self.notifier.clear(SAVE_NOTICE_KEY)
        self.notifier.info("Saved: the chats folder can be written again.")

    async def flush(self) -> None:
        """Write every pending change now."""
        await self.saver.flush()

    def save_now(self, owners: Iterable[Chat]) -> None:
        """Write ``owners`` (and every live owner) at once, synchronously: the app is
        quitting and the event loop may not run again. An answer still streaming is
        saved as stopped, with its timings and counts so far."""
        chats = {owner.id: owner for owner in self.live_owners()}
        chats.update({owner.id: owner for owner in owners})
        for chat in chats.values():
            for holder in (chat, *chat.columns):
                for message in holder.messages:
                    if message.status == "streaming":
                        stream = self._streams.get(message.id)
                        if stream is not None:
                            apply_completion(message, stream.snapshot())
                        message.status = "stopped"
            try:
                self.store.save(chat)
            except OSError:
                log.exception("could not save %s while quitting", chat.id)

    async def shutdown(self) -> None:
        """Stop every answer (each is saved as "stopped") and write what is pending."""
        await self.stop_and_wait(list(self._tasks))
        try:
            await self.saver.flush()
        except OSError as exc:
            log.warning("could not save at shut-down: %s", exc)
