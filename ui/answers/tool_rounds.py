"""The open tool round of each thread: which calls wait for a result, which MCP tools run
or wait for the person's approval, and what failed.

:class:`ToolRounds` belongs to a :class:`ui.answers.threads.ThreadController` and tells
it, through the callbacks it was made with, when a result was added (``on_result``),
when every call of the round has one and the answer goes on (``on_complete``) and when
what the round shows changed (``on_change``). What is pending is read from the branch
itself (:mod:`core.tools.rounds`); this keeps only what lives in this session: running
tool tasks, prompts, problems, and what the last request offered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from core.chat import Chat, ErrorInfo, ImagePart, Message, ToolCall
from core.model_rules import model_traits
from core.tools.approval import tool_key
from core.tools.mcp_hub import McpProblem
from core.tools.offer import Offered
from core.tools.rounds import (
    DECLINED,
    add_result,
    calling_answer,
    pending_calls,
    rounds_in_a_row,
)
from ui.answers.round_view import CallState, CallView, RoundView, Scope, with_tools
from ui.common.notifier import Notifier
from ui.tools.service import ToolService

log = logging.getLogger(__name__)


@dataclass
class _Round:
    answer_id: str
    offered: dict[str, Offered]  # by function name
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)  # by call id
    asking: set[str] = field(default_factory=set)
    tried: set[str] = field(default_factory=set)  # calls run (or declined) automatically
    problems: dict[str, ErrorInfo] = field(default_factory=dict)
    unlocked: bool = False  # the person chose to go on past the round limit
    connecting: asyncio.Task[None] | None = None  # servers connecting to learn their tools


class ToolRounds:
    def __init__(
        self,
        tools: ToolService,
        notifier: Notifier,
        owner_of: Callable[[Chat], Chat],
        on_result: Callable[[Chat, Message], None],
        on_complete: Callable[[Chat], None],
        on_change: Callable[[Chat], None],
    ) -> None:
        self.tools = tools
        self.notifier = notifier
        self._owner_of = owner_of
        self._on_result = on_result
        self._on_complete = on_complete
        self._on_change = on_change
        self._rounds: dict[str, _Round] = {}  # by thread id
        self._offered: dict[str, list[Offered]] = {}  # what each thread's last request offered

    # --- the request ---------------------------------------------------------------

    async def params_for(self, thread: Chat) -> Mapping[str, object]:
        """``thread``'s parameters with the tools of its MCP servers added."""
        owner = self._owner_of(thread)
        if not self.tools.enabled(owner):
            self._offered[thread.id] = []
            return thread.params
        waiting = [n for n in self.tools.enabled(owner) if not self.tools.hub.connected(n)]
        if waiting:
            self.notifier.info(f"Connecting to MCP {', '.join(waiting)}…")
        offered, problems = await self.tools.offered(owner, thread)
        for problem in problems:
            self.notifier.warning(
                f"{problem.message} This answer is asked without its tools.",
                action=_details_action(problem.detail),
            )
        self._offered[thread.id] = offered
        return with_tools(thread.params, offered)

    def offered_now(self, thread: Chat) -> list[Offered]:
        """What ``thread`` would offer now, from the tools known so far (for previews)."""
        return self.tools.known_offered(self._owner_of(thread), thread)

    # --- state ---------------------------------------------------------------------

    def running(self, thread_id: str) -> bool:
        rnd = self._rounds.get(thread_id)
        return rnd is not None and any(not t.done() for t in rnd.tasks.values())

    def view(self, thread: Chat, answering: bool) -> RoundView:
        """What the panel shows for ``thread`` (nothing while an answer streams)."""
        calls = pending_calls(thread)
        answer = calling_answer(thread)
        if not calls or answering or answer is None:
            return RoundView(thread.id)
        rnd = self._round(thread, answer)
        if any(call.name not in rnd.offered for call in calls):
            self._learn_tools(thread, rnd)
        limit = self.tools.round_limit
        reached = rounds_in_a_row(thread) > limit and not rnd.unlocked
        views = []
        for call in calls:
            item = rnd.offered.get(call.name)
            state: CallState = "input"
            if call.id in rnd.tasks:
                state = "running"
            elif call.id in rnd.asking:
                state = "ask"
            views.append(
                CallView(
                    call,
                    server=item.tool.server if item is not None else "",
                    tool=item.tool.name if item is not None else "",
                    state=state,
                    problem=rnd.problems.get(call.id),
                )
            )
        return RoundView(thread.id, tuple(views), limit if reached else 0)

    def _round(self, thread: Chat, answer: Message) -> _Round:
        rnd = self._rounds.get(thread.id)
        if rnd is None or rnd.answer_id != answer.id:
            offered = self._offered.get(thread.id)
            if offered is None:
                offered = self.offered_now(thread)
            rnd = _Round(answer.id, {o.function: o for o in offered})
            self._rounds[thread.id] = rnd
        return rnd

    def _learn_tools(self, thread: Chat, rnd: _Round) -> None:
        """A round from before this session (a chat reopened): connect its servers once,
        so calls of their tools can be run, not only answered by hand."""
        owner = self._owner_of(thread)
        missing = [n for n in self.tools.enabled(owner) if not self.tools.hub.connected(n)]
        if not missing or rnd.connecting is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        async def connect() -> None:
            offered, _ = await self.tools.offered(owner, thread)
            rnd.offered.update({o.function: o for o in offered})
            self._offered[thread.id] = offered
            self._on_change(thread)

        rnd.connecting = loop.create_task(connect(), name=f"tools-of:{thread.id}")

    # --- opening a round -------------------------------------------------------------

    def open(self, thread: Chat) -> None:
        """An answer that called tools has just finished: run what may run, ask about
        what needs approval, and show the rest for a person to answer."""
        answer = calling_answer(thread)
        if answer is None or not pending_calls(thread):
            return
        rnd = self._round(thread, answer)
        if rounds_in_a_row(thread) > self.tools.round_limit and not rnd.unlocked:
            self.notifier.info(
                f"The model called tools {self.tools.round_limit} times in a row, the limit "
                "in Settings › MCP servers and tools; the calls wait for you."
            )
            self._on_change(thread)
            return
        owner = self._owner_of(thread)
        for call in pending_calls(thread):
            item = rnd.offered.get(call.name)
            if item is None or call.id in rnd.tried:
                continue
            rnd.tried.add(call.id)
            decision = self.tools.decide(owner, item)
            if decision == "run":
                self.run(thread, call.id)
            elif decision == "deny":
                self.give(thread, call.id, DECLINED, source=item.tool.server)
            else:
                rnd.asking.add(call.id)
        self._on_change(thread)

    def reconsider(self, thread: Chat) -> None:
        """Calls waiting for approval whose tool was allowed (or refused) meanwhile go on."""
        answer = calling_answer(thread)
        rnd = self._rounds.get(thread.id)
        if answer is None or rnd is None or rnd.answer_id != answer.id:
            return
        owner = self._owner_of(thread)
        for call in pending_calls(thread):
            item = rnd.offered.get(call.name)
            if call.id not in rnd.asking or item is None:
                continue
            decision = self.tools.decide(owner, item)
            if decision == "run":
                self.run(thread, call.id)
            elif decision == "deny":
                self.give(thread, call.id, DECLINED, source=item.tool.server)

    def unlock(self, thread: Chat) -> None:
        """Go on past the round limit for this round."""
        answer = calling_answer(thread)
        if answer is not None:
            self._round(thread, answer).unlocked = True
            self.open(thread)

    # --- results -----------------------------------------------------------------------

    def _call(self, thread: Chat, call_id: str) -> tuple[Message, ToolCall] | None:
        answer = calling_answer(thread)
        call = next((c for c in pending_calls(thread) if c.id == call_id), None)
        if answer is None or call is None:
            return None
        return answer, call

    def give(
        self,
        thread: Chat,
        call_id: str,
        text: str,
        *,
        images: list[ImagePart] | None = None,
        error: ErrorInfo | None = None,
        source: str = "",
    ) -> bool:
        """``text`` (and ``images``) as the result of call ``call_id``; when it was the
        last call of the round without one, the answer goes on."""
        found = self._call(thread, call_id)
        if found is None:
            return False
        answer, call = found
        message = add_result(
            thread, answer, call, text, images=images or [], error=error, source=source
        )
        rnd = self._rounds.get(thread.id)
        if rnd is not None:
            rnd.asking.discard(call_id)
            rnd.problems.pop(call_id, None)
        self._on_result(thread, message)
        if not pending_calls(thread) and not self.running(thread.id):
            self._rounds.pop(thread.id, None)
            self._on_change(thread)
            self._on_complete(thread)
        else:
            self._on_change(thread)
        return True

    def run(self, thread: Chat, call_id: str) -> None:
        """Run call ``call_id`` on its MCP server (the person approved, or may)."""
        found = self._call(thread, call_id)
        answer = calling_answer(thread)
        if found is None or answer is None:
            return
        _, call = found
        rnd = self._round(thread, answer)
        item = rnd.offered.get(call.name)
        if item is None or call_id in rnd.tasks:
            return
        rnd.asking.discard(call_id)
        rnd.problems.pop(call_id, None)
        try:
            arguments = json.loads(call.arguments or "{}")
        except json.JSONDecodeError as exc:
            arguments = exc
        if not isinstance(arguments, dict):
            sentence = f"The model sent arguments that are not a JSON object: {arguments}."
            self.give(
                thread,
                call_id,
                f"Error: {sentence}",
                error=ErrorInfo(kind="BadArguments", message=sentence, detail=call.arguments),
                source=item.tool.server,
            )
            return
        task = asyncio.get_running_loop().create_task(
            self._run(thread, call, item, arguments), name=f"tool:{thread.id}:{call_id}"
        )
        rnd.tasks[call_id] = task
        self._on_change(thread)

    async def _run(
        self, thread: Chat, call: ToolCall, item: Offered, arguments: dict[str, object]
    ) -> None:
        server, tool = item.tool.server, item.tool.name
        rnd = self._rounds.get(thread.id)
        try:
            outcome = await self.tools.hub.call(server, tool, dict(arguments))
        except asyncio.CancelledError:
            if rnd is not None:
                rnd.tasks.pop(call.id, None)
                rnd.problems[call.id] = ErrorInfo(
                    kind="Stopped", message="Stopped before the tool finished; nothing was sent."
                )
            self._on_change(thread)
            return
        except McpProblem as exc:
            if rnd is not None:
                rnd.tasks.pop(call.id, None)
            problem = ErrorInfo(kind="McpProblem", message=exc.message, detail=exc.detail)
            self.give(thread, call.id, f"Error: {exc.message}", error=problem, source=server)
            return
        except Exception as exc:  # a bug: this call alone is affected
            log.exception("tool %s on %s failed", tool, server)
            if rnd is not None:
                rnd.tasks.pop(call.id, None)
                rnd.problems[call.id] = ErrorInfo(kind=type(exc).__name__, message=str(exc))
            self._on_change(thread)
            return
        if rnd is not None:
            rnd.tasks.pop(call.id, None)
        text, images = outcome.text, list(outcome.images)
        if images and not _takes_images(thread.model):
            text += f"\n\n[{len(images)} image(s) returned; {thread.model} does not take images]"
            images = []
        error: ErrorInfo | None = None
        if outcome.is_error:
            error = ErrorInfo(kind="ToolError", message=f"“{tool}” reported an error.", detail=text)
        self.give(thread, call.id, text, images=images, error=error, source=server)

    def approve(self, thread: Chat, call_id: str, scope: Scope) -> None:
        """Run a call the person approved: this once, for this chat, or always."""
        item = self._offered_for(thread, call_id)
        if item is None:
            return
        key = tool_key(item.tool.server, item.tool.name)
        if scope == "chat":
            owner = self._owner_of(thread)
            if key not in owner.tool_allowed:
                owner.tool_allowed.append(key)
        elif scope == "always":
            self.tools.set_policy(key, "always")
        self.run(thread, call_id)
        if scope != "once":
            self.reconsider(thread)

    def deny(self, thread: Chat, call_id: str, *, never: bool = False) -> None:
        """The person declined the call (and, with ``never``, every later call of it)."""
        item = self._offered_for(thread, call_id)
        if item is None:
            return
        if never:
            self.tools.set_policy(tool_key(item.tool.server, item.tool.name), "never")
        self.give(thread, call_id, DECLINED, source=item.tool.server)
        if never:
            self.reconsider(thread)

    def _offered_for(self, thread: Chat, call_id: str) -> Offered | None:
        found = self._call(thread, call_id)
        if found is None:
            return None
        answer, call = found
        return self._round(thread, answer).offered.get(call.name)

    def stop(self, thread_id: str) -> bool:
        """Stop the tools running in ``thread_id``; True when there were some."""
        rnd = self._rounds.get(thread_id)
        tasks = [t for t in rnd.tasks.values() if not t.done()] if rnd is not None else []
        for task in tasks:
            task.cancel()
        return bool(tasks)

    async def shutdown(self) -> None:
        """Stop every running tool and wait until each has ended (the app is closing)."""
        tasks = [t for rnd in self._rounds.values() for t in rnd.tasks.values() if not t.done()]
        tasks += [
            rnd.connecting
            for rnd in self._rounds.values()
            if rnd.connecting is not None and not rnd.connecting.done()
        ]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def forget(self, thread_id: str) -> None:
        """The thread is gone (a column removed): stop its tools and drop its state."""
        self.stop(thread_id)
        self._rounds.pop(thread_id, None)
        self._offered.pop(thread_id, None)


def _takes_images(model: str) -> bool:
    traits = model_traits(model) if model else None
    return bool(traits and traits.vision)


def _details_action(detail: str) -> tuple[str, Callable[[], object]] | None:
    if not detail:
        return None
    from ui.tools.details import show_details

    return ("Details", lambda: show_details("MCP server output", detail))
