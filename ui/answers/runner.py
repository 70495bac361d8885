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
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.api.accumulator import StreamAccumulator
from core.api.client import ChatClient
from core.api.error_body import host_of
from core.api.errors import APIError, AuthenticationError
from core.chat import Chat, Message, TokenLogprob
from core.conversation import Saver, apply_completion, run_answer
from core.endpoint import Endpoint, EndpointUnusable
from core.model_rules import Rule
from core.refusals import Fix
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from ui.common.learned_rules import LearnedRules
from ui.common.notifier import Notifier

log = logging.getLogger(__name__)

GROUP_CONCURRENCY = 4  # answers of one group (repeats) streaming at once
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
    # the parameters to send, worked out in the answer's task (MCP tools connect there);
    # None: the thread's own
    prepare: Callable[[], Awaitable[Mapping[str, object]]] | None = None
    body: dict[str, object] | None = None  # sent as it is (a repeat, a branch) when set
    # where the owner is saved, when not with the chats (the arena's battles; an
    # evaluation run keeps its cells in a file of its own and saves it itself)
    saver: Saver | None = None
    store: ChatStore | None = None
    scrub: Callable[[str], str] = field(default=lambda text: text)  # hides names in messages
    on_retry: Callable[[APIError, float], None] | None = None  # before a retry's wait


class _OwnerSaver:
    """The saver handed to ``run_answer``: a change to the thread saves its owner."""

    def __init__(self, saver: Saver, owner: Chat) -> None:
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
        *,
        learned: LearnedRules | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.store = store
        self.saver = saver
        self.notifier = notifier
        self.learned = learned  # the rules endpoints taught; None: the built-in ones only
        self._endpoint_for = endpoint_for
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._jobs: dict[str, AnswerJob] = {}
        self._streams: dict[str, StreamAccumulator] = {}  # by answer id, while it streams
        self._savers: dict[int, Saver] = {}  # the jobs' own savers, besides ours

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

    def rules(self, profile: str, model: str) -> list[Rule] | None:
        """The rows that shape a request to ``model`` on ``profile`` (None: the built-in
        ones alone)."""
        return self.learned.rules(profile, model) if self.learned is not None else None

    def learn(self, endpoint: Endpoint, model: str, fix: Fix, said: str) -> None:
        """Remember ``fix`` for ``model`` on ``endpoint`` (the server said ``said``) and
        say what changes."""
        if self.learned is None:
            return
        where = host_of(endpoint.base_url)
        self.learned.learn(endpoint.name, model, fix, endpoint=where, said=said)
        self.notifier.info(fix.promise(model, endpoint.name or where))

    def start(self, job: AnswerJob) -> bool:
        """Stream ``job``'s answer in a task of its own; False when ``job.key`` runs."""
        if self.running(job.key):
            return False
        if job.saver is not None:
            self._savers.setdefault(id(job.saver), job.saver)
        (job.saver or self.saver).touch(job.owner)
        task = asyncio.get_running_loop().create_task(self._run(job), name=f"answer:{job.key}")
        self._tasks[job.key] = task
        self._jobs[job.key] = job
        self.started.emit(job.key)
        return True

    def start_group(
        self, key: str, jobs: list[AnswerJob], on_all_finished: Callable[[], None]
    ) -> bool:
        """Stream several answers under one key (the repeats of a request), at most
        ``GROUP_CONCURRENCY`` at once, in one task: Stop ends them all, each saved as
        stopped. Each job's ``on_finished`` is called as it ends, ``on_all_finished``
        once all have. False when ``key`` runs."""
        if self.running(key) or not jobs:
            return False
        for job in jobs:
            self.saver.touch(job.owner)
        task = asyncio.get_running_loop().create_task(
            self._run_group(key, jobs, on_all_finished), name=f"answer:{key}"
        )
        self._tasks[key] = task
        self._jobs[key] = jobs[0]
        self.started.emit(key)
        return True

    def live_logprobs(self, answer_id: str, choice: int = 0) -> list[TokenLogprob]:
        """The token probabilities streamed so far into ``answer_id`` (empty when it is
        not streaming)."""
        stream = self._streams.get(answer_id)
        return list(stream.logprobs(choice)) if stream is not None else []

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
        owners = {
            job.owner.id: job.owner
            for key, job in self._jobs.items()
            if self.running(key) and job.saver is None
        }
        return list(owners.values())

    def live_owner(self, owner_id: str) -> Chat | None:
        return next((o for o in self.live_owners() if o.id == owner_id), None)

    async def _run(self, job: AnswerJob) -> Message:
        answer = job.answer
        try:
            await self._stream(job)
        finally:
            self._streams.pop(answer.id, None)
            if self._tasks.get(job.key) is asyncio.current_task():
                del self._tasks[job.key]
                del self._jobs[job.key]
            if job.on_finished is not None:
                job.on_finished(answer)
            self.finished.emit(job.key)
            await self._retire(job.saver)
        return answer

    async def _retire(self, saver: Saver | None) -> None:
        """Write a job's own saver's last changes and forget it once no job uses it (an
        evaluation gives every cell one: kept, they would pile up run after run)."""
        if saver is None or any(j.saver is saver for j in self._jobs.values()):
            return
        try:
            await saver.flush()
        except OSError as exc:
            self.save_failed(exc)
        if not any(j.saver is saver for j in self._jobs.values()):
            self._savers.pop(id(saver), None)

    async def _run_group(
        self, key: str, jobs: list[AnswerJob], on_all_finished: Callable[[], None]
    ) -> None:
        gate = asyncio.Semaphore(GROUP_CONCURRENCY)

        async def one(job: AnswerJob) -> None:
            try:
                async with gate:
                    await self._stream(job)
            finally:
                self._streams.pop(job.answer.id, None)
                if job.answer.status == "streaming":  # stopped before it was sent
                    job.answer.status = "stopped"
                    self.saver.touch(job.owner)
                if job.on_finished is not None:
                    job.on_finished(job.answer)

        try:
            await asyncio.gather(*(one(job) for job in jobs))
        except asyncio.CancelledError:
            pass  # stopped: each answer was saved as stopped
        finally:
            if self._tasks.get(key) is asyncio.current_task():
                del self._tasks[key]
                del self._jobs[key]
            try:
                await asyncio.shield(self.saver.flush())
            except OSError as exc:
                self.save_failed(exc)
            on_all_finished()
            self.finished.emit(key)

    async def _stream(self, job: AnswerJob) -> None:
        """Stream ``job``'s answer; every way it can end becomes a final state (and a
        message where a person must hear of it)."""
        answer = job.answer

        def progress(message: Message, acc: StreamAccumulator) -> None:
            self._streams[message.id] = acc
            if job.on_progress is not None:
                job.on_progress(message)

        def retrying(error: APIError, delay: float) -> None:
            if job.on_retry is not None:
                job.on_retry(error, delay)
            if job.visible():
                prefix = f"{job.label}: " if job.label else ""
                text = job.scrub(error.message)
                self.notifier.info(f"{prefix}{text} Retrying in {delay:.0f} s…")

        def failed(error: APIError) -> None:
            if isinstance(error, AuthenticationError):  # the key dialog can fix this
                profile = job.thread.profile or job.owner.profile
                self.notifier.cannot_use_endpoint(profile, job.scrub(error.message))

        profile, learned = job.endpoint.name, self.learned
        try:
            params = job.thread.params if job.prepare is None else await job.prepare()
            await run_answer(
                self.client,
                job.endpoint,
                job.thread,
                answer,
                params,
                _OwnerSaver(job.saver or self.saver, job.owner),
                on_progress=progress,
                on_retry=retrying,
                on_error=failed,
                rules=self.rules(profile, answer.model),
                body=job.body,
            )
            if learned is not None and answer.status == "done":
                where = host_of(job.endpoint.base_url)
                learned.answered(profile, answer.model, answer.params, endpoint=where)
        except asyncio.CancelledError:
            # stopped: run_answer kept the partial answer and saved it (or, stopped while
            # the tools were being prepared, it had not started)
            if answer.status == "streaming":
                answer.status = "stopped"
                self.saver.touch(job.owner)
        except OSError as exc:  # the final save failed: the answer stays, the saver retries
            self.save_failed(exc)
        except Exception as exc:  # a bug: this answer alone is affected
            log.exception("answer %s of %s failed", answer.id, job.owner.id)
            if answer.status == "streaming":
                answer.status = "error"
            where = f"{job.label} could not be finished" if job.label else "The answer failed"
            self.notifier.error(job.scrub(f"{where}: {exc}"))

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
        for saver in list(self._savers.values()):
            await saver.flush()

    def save_now(self, owners: Iterable[Chat]) -> None:
        """Write ``owners`` (and every live owner) at once, synchronously: the app is
        quitting and the event loop may not run again. An answer still streaming is
        saved as stopped, with its timings and counts so far."""
        chats = {owner.id: owner for owner in self.live_owners()}
        chats.update({owner.id: owner for owner in owners})
        stores = {job.owner.id: job.store for job in self._jobs.values() if job.store}
        for chat in chats.values():
            for holder in (chat, *chat.columns):
                for message in holder.messages:
                    if message.status == "streaming":
                        stream = self._streams.get(message.id)
                        if stream is not None:
                            apply_completion(message, stream.snapshot())
                        message.status = "stopped"
            try:
                stores.get(chat.id, self.store).save(chat)
            except OSError:
                log.exception("could not save %s while quitting", chat.id)

    async def shutdown(self) -> None:
        """Stop every answer (each is saved as "stopped") and write what is pending."""
        await self.stop_and_wait(list(self._tasks))
        for saver in [self.saver, *self._savers.values()]:
            try:
                await saver.flush()
            except OSError as exc:
                log.warning("could not save at shut-down: %s", exc)
