"""Runs an evaluation: every cell (and every judge request) through the one AnswerRunner,
at most ``run.concurrency`` at a time per endpoint, pausing an endpoint after a 429.

The run is saved as it goes (a finished cell reaches the disk within about a second,
everything at quit), so Resume after a crash or kill sends only the cells without a
finished answer. Nothing here blocks the window: each request is a task of the runner,
and the run file is written on a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from core.api.errors import APIError
from core.chat import Chat, Message
from core.conversation import add_user_message, start_answer
from core.endpoint import Endpoint
from core.eval import judge
from core.eval.limiter import Limiter
from core.eval.model import Cell, JudgeResult, Run
from core.eval.runs import Scope, body_key, grade, reset_cell, thread_for, to_send
from core.eval.store import EvalStore
from core.eval.summary import progress
from core.eval.template import TemplateError, render
from core.params import ParamError
from core.pricing import Price
from ui.answers.runner import AnswerJob, AnswerRunner

log = logging.getLogger(__name__)
SAVE_INTERVAL_S = 1.0
MAX_REQUEUES = 3  # a cell refused with 429 goes back in the queue this often


class _NoSave:
    """The saver of an evaluation answer: the cell is saved with its run when it ends."""

    def touch(self, chat: Chat) -> None: ...

    async def flush(self) -> None: ...


@dataclass
class _Work:
    kind: str  # "cell", "judge" (score one cell), "best" (pick the best of a row)
    cell: Cell | None = None
    row_id: str = ""
    requeued: int = 0


class EvalController(QObject):
    cell_changed = Signal(str)  # a cell's key
    cells_changed = Signal()  # many cells at once (queued by a start or re-run)
    progressed = Signal()  # counts or state changed
    run_changed = Signal()  # another run, or the run's shape changed

    def __init__(
        self,
        runner: AnswerRunner,
        store: EvalStore,
        prices: Callable[[], Mapping[str, Price]],
    ) -> None:
        super().__init__()
        self.runner = runner
        self.store = store
        self._prices = prices  # the price table in the settings now
        self.run: Run | None = None
        self.limiter = Limiter()
        self._queue: list[_Work] = []
        self._live: dict[str, _Work] = {}  # by job key
        self._queued: set[str] = set()  # keys of the cells waiting their turn
        self._running: set[str] = set()  # keys of the cells being answered
        self._endpoint: Endpoint | None = None
        self._said: set[tuple[str, str]] = set()
        self._save_handle: asyncio.TimerHandle | None = None
        self._save_task: asyncio.Task[None] | None = None
        self._wake: asyncio.TimerHandle | None = None
        self.started_at: float | None = None
        self.finished_since_start = 0
        self.last_problem = ""

    # --- the run ----------------------------------------------------------------------

    def prices(self) -> dict[str, Price]:
        return dict(self._prices())

    def set_run(self, run: Run | None) -> None:
        self.run = run
        self.run_changed.emit()
        self.progressed.emit()

    def busy(self) -> bool:
        return bool(self._queue or self._live)

    def request_state(self, key: str) -> str:
        """The request of the cell ``key``: "running" while it is answered, "queued"
        while it waits its turn, else ""."""
        if key in self._running:
            return "running"
        return "queued" if key in self._queued else ""

    def counts(self) -> tuple[int, int, int]:
        return progress(self.run.cells) if self.run is not None else (0, 0, 0)

    def paused_s(self) -> float:
        """Seconds the endpoint is still held after a "too many requests" (0 when not)."""
        if self._endpoint is None:
            return 0.0
        return self.limiter.wait_s(self._endpoint.base_url, time.monotonic())

    def eta_s(self) -> float | None:
        """Seconds until the queue is done, from this session's pace; None before a cell
        finished."""
        if not self.busy() or self.started_at is None or not self.finished_since_start:
            return None
        elapsed = time.monotonic() - self.started_at
        left = len(self._queue) + len(self._live)
        return elapsed / self.finished_since_start * left

    def start(
        self,
        scope: Scope = "unfinished",
        *,
        rows: Iterable[str] | None = None,
        configs: Iterable[str] | None = None,
        keys: Iterable[str] | None = None,
    ) -> int:
        """Send the cells of ``scope`` (re-sending: those are cleared first); returns how
        many were queued."""
        run = self.run
        if run is None:
            return 0
        cells = to_send(run, scope, rows=rows, configs=configs, keys=keys)
        queued = {w.cell.key for w in (*self._queue, *self._live.values()) if w.cell}
        cells = [c for c in cells if c.key not in queued]
        for cell in cells:
            if scope != "unfinished" or cell.answer is not None:
                reset_cell(cell)
        self._queue += [_Work("cell", c) for c in cells]
        self._queued.update(c.key for c in cells)
        if cells:
            self.cells_changed.emit()
        if cells and self.started_at is None:
            self.started_at = time.monotonic()
            self.finished_since_start = 0
        self.limiter.limit = run.concurrency
        self._said.clear()
        self._pump()
        self.progressed.emit()
        return len(cells)

    def judge_all(self) -> int:
        """Ask the run's judge about every answered cell it has not graded (or, picking the
        best, about every row); returns how many requests were queued."""
        run = self.run
        if run is None or run.judge is None:
            return 0
        if run.judge.mode == "best":
            work = [_Work("best", row_id=r.id) for r in run.testset.rows]
        else:
            work = [
                _Work("judge", c)
                for c in run.cells
                if c.answer is not None and c.answer.status == "done" and c.judge is None
            ]
        self._queue += work
        self._pump()
        self.progressed.emit()
        return len(work)

    async def stop(self) -> None:
        """Stop every request of the run; the cells keep no finished answer (Resume)."""
        self._queue.clear()
        self._queued.clear()
        self.cells_changed.emit()
        await self.runner.stop_and_wait(list(self._live))
        self.started_at = None
        self.save_soon()
        self.progressed.emit()

    # --- sending ------------------------------------------------------------------------

    def _pump(self) -> None:
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        while self._queue:
            endpoint = self._resolve()
            if endpoint is None:
                self._queue.clear()
                self._queued.clear()
                self.cells_changed.emit()
                break
            now = time.monotonic()
            if not self.limiter.ready(endpoint.base_url, now):
                wait = self.limiter.wait_s(endpoint.base_url, now)
                if wait > 0:
                    self._wake = asyncio.get_running_loop().call_later(wait, self._pump)
                break
            self._launch(self._queue.pop(0), endpoint)
        if not self.busy():
            self.started_at = None
        self.progressed.emit()

    def _resolve(self) -> Endpoint | None:
        run = self.run
        if run is None:
            return None
        probe = Chat(profile=run.profile)
        endpoint = self.runner.resolve(probe, self._said)
        self._endpoint = endpoint
        return endpoint

    def _launch(self, work: _Work, endpoint: Endpoint) -> None:
        run = self.run
        assert run is not None
        if work.kind == "cell" and work.cell is not None:
            self._queued.discard(work.cell.key)
        try:
            chat, answer, label = self._thread(run, work)
        except (TemplateError, ParamError, ValueError) as exc:
            if work.cell is not None and work.kind == "cell":
                work.cell.problem = str(exc)
                self._cell_done(work.cell)
            elif work.cell is not None:
                work.cell.judge = JudgeResult(
                    model=run.judge.model if run.judge else "", problem=str(exc)
                )
                self._cell_done(work.cell)
            return
        if work.kind == "cell" and run.use_cache and work.cell is not None:
            hit = self.store.cached(body_key(endpoint.base_url, work.cell.request))
            if hit is not None:
                work.cell.answer = hit
                work.cell.cached = True
                self._answered(work.cell)
                return
        key = f"eval:{run.id}:{work.kind}:{work.cell.key if work.cell else work.row_id}"
        self._live[key] = work
        if work.kind == "cell" and work.cell is not None:
            self._running.add(work.cell.key)
            self.cell_changed.emit(work.cell.key)
        self.limiter.began(endpoint.base_url)
        base = endpoint.base_url

        def finished(message: Message) -> None:
            self._finished(key, base, message)

        def retrying(error: APIError, delay: float) -> None:
            self._retrying(base, error, delay)

        job = AnswerJob(
            key=key,
            owner=chat,
            thread=chat,
            answer=answer,
            endpoint=endpoint,
            label=label,
            on_finished=finished,
            visible=lambda: False,
            saver=_NoSave(),
            on_retry=retrying,
        )
        if not self.runner.start(job):
            self._live.pop(key, None)
            self.limiter.ended(endpoint.base_url, ok=True)
            if work.cell is not None:
                self._running.discard(work.cell.key)

    def _thread(self, run: Run, work: _Work) -> tuple[Chat, Message, str]:
        numbers = {r.id: i for i, r in enumerate(run.testset.rows, 1)}
        if work.kind == "cell":
            assert work.cell is not None
            chat, answer = thread_for(run, work.cell)
            config = run.config(work.cell.config_id)
            label = f"Row {numbers.get(work.cell.row_id)} · {config.label if config else ''}"
            return chat, answer, label
        spec = run.judge
        if spec is None:
            raise ValueError("This run has no judge.")
        row_id = work.cell.row_id if work.cell is not None else work.row_id
        row = run.row(row_id)
        if row is None:
            raise ValueError("The row is gone.")
        question = render(row.prompt, row.vars)
        rubric = spec.rubric or row.rubric or run.testset.rubric
        if work.kind == "judge":
            assert work.cell is not None and work.cell.answer is not None
            text = judge.score_prompt(rubric, question, work.cell.answer.content, row.expected)
            system = judge.SCORE_INSTRUCTIONS
        else:
            answers = self._row_answers(run, row_id)
            if len(answers) < 2:
                raise ValueError("Fewer than two answers to pick from.")
            text = judge.best_prompt(
                rubric, question, [c.answer.content for c in answers if c.answer]
            )
            system = judge.BEST_INSTRUCTIONS
        chat = Chat(
            profile=run.profile, model=spec.model, system_prompt=system, params=dict(spec.params)
        )
        add_user_message(chat, text)
        answer = start_answer(chat, spec.model, spec.params)
        return chat, answer, f"Judge · row {numbers.get(row_id)}"

    def _row_answers(self, run: Run, row_id: str) -> list[Cell]:
        return [
            c
            for c in run.cells
            if c.row_id == row_id and c.answer is not None and c.answer.status == "done"
        ]

    def _retrying(self, endpoint: str, error: APIError, delay: float) -> None:
        if error.status == 429:
            self.limiter.back_off(endpoint, time.monotonic(), error.retry_after_s or delay)
            self.progressed.emit()  # the progress line says the endpoint is held

    def _finished(self, key: str, endpoint: str, message: Message) -> None:
        work = self._live.pop(key, None)
        if work is not None and work.kind == "cell" and work.cell is not None:
            self._running.discard(work.cell.key)
        ok = message.status == "done"
        self.limiter.ended(endpoint, ok=ok)
        run = self.run
        if work is None or run is None:
            self._pump()
            return
        refused = message.error is not None and message.error.status == 429
        if refused and work.requeued < MAX_REQUEUES:
            self.limiter.back_off(endpoint, time.monotonic(), None)
            work.requeued += 1
            self._queue.insert(0, work)
            if work.cell is not None and work.kind == "cell":
                self._queued.add(work.cell.key)
                self.cell_changed.emit(work.cell.key)
        elif work.kind == "cell" and work.cell is not None:
            work.cell.answer = message
            if ok and run.use_cache and self._endpoint is not None:
                self.store.cache(body_key(self._endpoint.base_url, work.cell.request), message)
            self._answered(work.cell)
        elif work.kind == "judge" and work.cell is not None:
            work.cell.judge = self._verdict(run, message)
            self._cell_done(work.cell)
        elif work.kind == "best":
            self._picked(run, work.row_id, message)
        self._pump()

    def _verdict(self, run: Run, message: Message) -> JudgeResult:
        model = run.judge.model if run.judge else message.model
        if message.status != "done":
            why = message.error.message if message.error else "It was stopped."
            return JudgeResult(model=model, problem=f"The judge failed: {why}", raw=message.content)
        verdict = judge.parse_score(message.content)
        return JudgeResult(
            model=model,
            score=verdict.score,
            reason=verdict.reason,
            problem=verdict.problem,
            raw=message.content,
        )

    def _picked(self, run: Run, row_id: str, message: Message) -> None:
        cells = self._row_answers(run, row_id)
        model = run.judge.model if run.judge else ""
        if message.status != "done":
            why = message.error.message if message.error else "It was stopped."
            pick = judge.Pick(None, problem=f"The judge failed: {why}")
        else:
            pick = judge.parse_best(message.content, len(cells))
        for n, cell in enumerate(cells, 1):
            cell.judge = JudgeResult(
                model=model,
                reason=pick.reason,
                problem=pick.problem,
                raw=message.content,
                best=None if pick.best is None else pick.best == n,
            )
            self.cell_changed.emit(cell.key)
        self.save_soon()

    def _answered(self, cell: Cell) -> None:
        run = self.run
        assert run is not None
        grade(run, cell, self.prices())
        self.finished_since_start += 1
        self._cell_done(cell)
        spec = run.judge
        if spec is None or cell.answer is None or cell.answer.status != "done":
            return
        if spec.mode == "score":
            self._queue.append(_Work("judge", cell))
        elif all(c.finished for c in run.cells if c.row_id == cell.row_id):
            self._queue.append(_Work("best", row_id=cell.row_id))

    def _cell_done(self, cell: Cell) -> None:
        self.cell_changed.emit(cell.key)
        self.save_soon()
        self.progressed.emit()

    def regrade(self) -> None:
        """Run the assertions again (the rows' assertions or the prices changed)."""
        run = self.run
        if run is None:
            return
        prices = self.prices()
        for cell in run.cells:
            grade(run, cell, prices)
        self.run_changed.emit()
        self.save_soon()

    # --- saving ---------------------------------------------------------------------------

    def save_soon(self) -> None:
        """Write the run within about a second (one write at a time)."""
        if self.run is None or self._save_handle is not None:
            return
        loop = asyncio.get_running_loop()
        self._save_handle = loop.call_later(SAVE_INTERVAL_S, self._start_save)

    def _start_save(self) -> None:
        self._save_handle = None
        if self._save_task is not None and not self._save_task.done():
            self.save_soon()
            return
        run = self.run
        if run is None:
            return
        self._save_task = asyncio.get_running_loop().create_task(self._save(run))

    async def _save(self, run: Run) -> None:
        try:
            await self.store.save_async(run)
        except OSError as exc:
            self.runner.notifier.error(
                f"Could not save the evaluation run to {self.store.folder}: "
                f"{exc.strerror or exc}. It stays open here; Chorus tries again.",
                key="eval-save",
            )
            self.save_soon()

    async def flush(self) -> None:
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        if self._save_task is not None:
            await asyncio.gather(self._save_task, return_exceptions=True)
        if self.run is not None:
            await self._save(self.run)

    def save_now(self) -> None:
        """Write the run synchronously (the app is quitting)."""
        if self.run is None:
            return
        try:
            self.store.save(self.run)
        except OSError:
            log.exception("could not save evaluation run %s while quitting", self.run.id)
