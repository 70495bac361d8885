"""The composition root: builds the core services, the pages and the main window, and runs
the app in the window the first paint showed (see ``ui.launch``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from core import paths
from core.api.client import ChatClient, make_http_client
from core.arena.votes import VoteStore
from core.chat import Chat
from core.eval.store import EvalStore
from core.models import ModelCatalog
from core.secrets import Secrets
from core.settings import load_settings
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from ui.answers.continuation import ContinuationGate
from ui.answers.runner import AnswerRunner
from ui.arena.controller import ArenaController
from ui.arena.page import ArenaPage
from ui.chat.controller import ChatController
from ui.chat.page import ChatPage
from ui.common.app_theme import apply_theme
from ui.common.gc_guard import GarbageCollector
from ui.common.learned_rules import LearnedRules
from ui.common.memory_trim import trim_memory_after_work
from ui.common.notifier import Notifier
from ui.common.services import Services
from ui.common.settings_service import SettingsService
from ui.common.startup_probe import mark, probing
from ui.compare.controller import CompareController
from ui.compare.page import ComparePage
from ui.eval.controller import EvalController
from ui.eval.files import wire as wire_eval_dialogs
from ui.eval.page import EvalPage
from ui.eval.sweep_tab import SweepTab
from ui.params.editors.json_editor import JsonEditor
from ui.render.markdown import load_parser
from ui.shell.composer import Composer
from ui.shell.main_window import DEFAULT_TEXT_SIZE, MainWindow
from ui.tools.server_switch import ServerSwitch
from ui.tools.service import ToolService
from ui.transcript.chat_view import ChatView

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


@dataclass
class Assembly:
    window: MainWindow
    services: Services
    notifier: Notifier
    runner: AnswerRunner
    controller: ChatController
    comparisons: CompareController
    chat_page: ChatPage
    compare_page: ComparePage
    evaluations: EvalController
    eval_page: EvalPage
    sweep_tab: SweepTab
    gate: ContinuationGate
    settling: asyncio.Task[None] | None = None
    tools: ToolService | None = None
    arena: ArenaController | None = None
    arena_page: ArenaPage | None = None

    def finish_start(self) -> None:
        """What can wait until the window is on screen: finding the keyring (tens of
        ms of backend discovery), the profile that can send, the common lexers, the
        Markdown parser and the HTTP client (in worker threads)."""
        _pick_usable_profile(self.services)
        self.window.set_ready()
        self.chat_page.view.load_common_lexers()
        load_parser()
        loop = asyncio.get_running_loop()
        self.settling = loop.create_task(self._settle(), name="settle")

    async def _settle(self) -> None:
        try:
            await self.services.client.prepare()
        except Exception as exc:  # the first request makes it then, and says why not
            log.warning("could not make the HTTP client ahead: %s", exc)

    def save_all_now(self) -> None:
        self.controller.save_all_now()
        self.comparisons.save_all_now()
        if self.arena is not None:
            self.arena.save_all_now()
        self.evaluations.save_now()
        self.eval_page.save_now()
        self.services.prefs.flush()

    async def close(self) -> None:
        await self.controller.rounds.shutdown()
        await self.comparisons.rounds.shutdown()
        await self.gate.shutdown()
        await self.runner.shutdown()
        await self.evaluations.flush()
        await self.eval_page.flush()
        if self.tools is not None:
            await self.tools.hub.aclose()
        self.services.prefs.flush()
        if self.settling is not None:
            await asyncio.gather(self.settling, return_exceptions=True)
        await self.services.client.aclose()


def build(
    app: QApplication,
    env: Mapping[str, str] | None = None,
    *,
    secrets: Secrets | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    window: MainWindow | None = None,
) -> Assembly:
    """Make every service, page and the main window (not shown), or fill ``window``, the
    one the first paint showed (``ui.launch``). Call inside a running loop. The one place
    that knows every part of the app."""
    env = dict(os.environ if env is None else env)
    notifier = Notifier()
    settings, settings_problem = load_settings(paths.settings_path(env))

    def settings_failed(exc: OSError) -> None:
        notifier.warning(
            f"Could not save the settings: {exc.strerror or exc}. Changes are kept "
            "for this session and saved when it works again.",
            key="settings",
        )

    prefs = SettingsService(settings, paths.settings_path(env), on_error=settings_failed)
    theme = apply_theme(app, settings.theme)
    store = ChatStore(paths.chats_dir(env))
    services = Services(
        # The HTTP client (TLS set-up, connection pool) is made on first use.
        client=ChatClient(lambda: make_http_client(transport=transport)),
        store=store,
        catalog=ModelCatalog(paths.cache_dir(env)),
        secrets=secrets if secrets is not None else Secrets(),
        prefs=prefs,
        env=env,
    )
    runners: list[AnswerRunner] = []
    saver = ThrottledSaver(
        store,
        on_error=lambda exc: runners[0].save_failed(exc),
        on_recovered=lambda: runners[0].save_recovered(),
    )
    learned = LearnedRules(prefs)
    runner = AnswerRunner(
        services.client, store, saver, services.endpoint_for, notifier, learned=learned
    )
    runners.append(runner)
    tools = ToolService(prefs, services.secrets)
    controller = ChatController(runner, tools)
    comparisons = CompareController(runner, tools)
    gate = ContinuationGate(services.client, prefs, notifier)
    controller.gate = comparisons.gate = gate
    composer = Composer()
    window = window if window is not None else MainWindow()
    window.assemble(services, notifier, composer, theme)
    chat_page = ChatPage(controller, services, ChatView(theme), composer, window.stack)
    compare_page = ComparePage(comparisons, services, composer, theme, window.stack)
    window.chat_page, window.compare_page = chat_page, compare_page
    window.add_page(chat_page)
    window.add_page(compare_page)
    arena_root = paths.arena_dir(env)
    arena = ArenaController(
        runner, ChatStore(arena_root / "battles"), VoteStore(arena_root / "votes")
    )
    arena_page = ArenaPage(arena, services, theme, window.stack)
    window.arena_page = arena_page
    window.add_page(arena_page)
    arena_page.show_requested.connect(lambda: window.show_page(arena_page))

    def merge_battle(cmp: Chat, ids: list[str], model: str, name: str, recipe: str) -> None:
        compare_page.open_merged(cmp, ids, model, name, recipe)
        window.show_page(compare_page)

    arena_page.merge_requested.connect(merge_battle)
    gate.checked.connect(lambda _key: window.sampling_tab.refresh_note())
    eval_store = EvalStore(paths.evals_dir(env))
    evaluations = EvalController(runner, eval_store, lambda: prefs.settings.prices)
    eval_page = EvalPage(evaluations, eval_store, notifier, window.stack, store)
    wire_eval_dialogs(eval_page)
    window.eval_page = eval_page
    window.add_page(eval_page)
    sweep_tab = SweepTab(evaluations, window)
    window.right.addTab(sweep_tab, "Sweep")
    sweep_tab.run_requested.connect(window.run_sweep)

    def sweep_follows_page() -> None:  # the model to sweep is the page's on screen
        rows = len(eval_page.testset.rows) if window.page is eval_page else 1
        sweep_tab.set_model(window.page.model(), rows)

    for page in window.pages():
        page.changed.connect(sweep_follows_page)
    window.stack.currentChanged.connect(sweep_follows_page)

    def show_sweep_tab() -> None:  # the Columns tab's Sweep… makes columns there
        if not window.right.isVisible():
            window.toggle_params()
        window.right.setCurrentWidget(sweep_tab)

    eval_page.configs_editor.sweep_requested.connect(show_sweep_tab)
    if settings.font_size != DEFAULT_TEXT_SIZE:
        window.set_text_size(settings.font_size)
    # glibc keeps freed memory: give it back after a stream or when another chat shows
    trim_memory_after_work(
        window, runner.finished, controller.rows_reset, comparisons.comparison_reset
    )
    if settings_problem:
        notifier.warning(settings_problem)
    summaries = window.sidebar.model.summaries()  # listed by the window, in store order
    window.show_page(chat_page)
    _add_tool_switch(window, tools, notifier)
    if summaries:
        window.open_chat(summaries[0].id)
    else:
        window.new_chat()
    return Assembly(
        window,
        services,
        notifier,
        runner,
        controller,
        comparisons,
        chat_page,
        compare_page,
        evaluations,
        eval_page,
        sweep_tab,
        gate=gate,
        tools=tools,
        arena=arena,
        arena_page=arena_page,
    )


def _add_tool_switch(window: MainWindow, tools: ToolService, notifier: Notifier) -> None:
    """The header's MCP button and the MCP settings dialog (Settings menu)."""
    editor = window.params_panel.rows["tools"].editor
    if isinstance(editor, JsonEditor):
        editor.set_library(tools)
    switch = ServerSwitch()
    window.header.add_button(switch)
    window.tool_switch = switch

    def refresh(*_: object) -> None:
        if window.pages():
            switch.set_state([s.name for s in tools.servers()], window.page.tool_holder())

    def open_dialog() -> None:
        from ui.tools.servers_dialog import McpDialog

        dialog = McpDialog(tools, notifier, window)
        dialog.finished.connect(dialog.deleteLater)
        window.tools_dialog = dialog
        dialog.open()

    switch.changed.connect(lambda servers, allowed: window.page.set_tool_servers(servers, allowed))
    switch.settings_requested.connect(open_dialog)
    window.tools_requested.connect(open_dialog)
    tools.servers_changed.connect(refresh)
    window.stack.currentChanged.connect(refresh)
    for page in window.pages():
        page.changed.connect(refresh)
    refresh()


def _open_evaluation(assembly: Assembly, path: Path, *, start: bool) -> None:
    """Show the run saved at ``path`` and, with ``start``, send its unfinished cells."""
    from core.eval.model import Run
    from core.eval.store import EvalFileError

    page = assembly.eval_page
    try:
        run = page.store.load_path(Run, path)
    except EvalFileError as exc:
        assembly.notifier.error(str(exc))
        return
    assembly.window.show_page(page)
    page.open_run(run)
    if start:
        page.resume()


def _pick_usable_profile(services: Services) -> None:
    """When the active profile cannot send but another one can (a key in the environment,
    a local server), make that one active."""
    if services.has_usable_profile():
        return
    for profile in services.profiles():
        services.prefs.set(active_profile=profile.name)
        if services.has_usable_profile():
            return
    services.prefs.set(active_profile=services.profiles()[0].name)


async def run(
    app: QApplication,
    args: argparse.Namespace,
    collector: GarbageCollector | None = None,
    window: MainWindow | None = None,
) -> int:
    """The app from the window the first paint showed (``ui.launch.main``) to its close."""
    assembly = build(app, window=window)
    if collector is not None:
        collector.busy = assembly.runner.streaming  # no full collection mid-stream
    window = assembly.window
    window.show()
    await asyncio.sleep(0)  # let the assembled window paint
    assembly.finish_start()
    if probing():
        window.repaint()
        mark("ready")
        QTimer.singleShot(0, window.close)
    if args.model or args.prompt:
        window.new_chat()
        if args.model:
            window.set_model(args.model)
    if args.eval:
        _open_evaluation(assembly, Path(args.eval), start=args.run)
    if not assembly.services.has_usable_profile():
        window.dialogs.welcome()
    elif args.prompt:
        window.composer.set_text(args.prompt)
        window.composer.send_requested.emit(args.prompt, [])
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    # Quitting from outside (session end, SIGTERM) stops the loop without running the
    # rest of this coroutine: save synchronously first.
    app.aboutToQuit.connect(assembly.save_all_now)
    await closed.wait()
    await assembly.close()
    return 0
