"""The main window: the chat list on the left, the page on screen in the middle, its
parameters, request, sampling and sweep tabs on the right.

The window holds one current :class:`Page` and forwards every command to it; it knows no
kind of page. What a page cannot do now is disabled, with the page's reason as tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.shell.first_look import FirstLook
from ui.shell.page import Command, Page

if TYPE_CHECKING:  # imported by assemble(): the first paint needs none of them
    from core.chat import Chat, ImagePart, Message
    from core.settings import SendWith
    from ui.arena.page import ArenaPage
    from ui.chat.page import ChatPage
    from ui.chats.search_panel import SearchPanel
    from ui.common.notifier import Notice, Notifier
    from ui.common.services import Services
    from ui.compare.page import ComparePage
    from ui.eval.page import EvalPage
    from ui.shell.composer import Composer

PREVIEW_DELAY_MS = 150
MENU_TITLES = ("&File", "&Edit", "&Chat", "&View", "&Settings", "&Help")  # actions.MENUS
DEFAULT_TEXT_SIZE = 11  # points, Settings.font_size's default
MIN_TEXT_SIZE, MAX_TEXT_SIZE = 8, 32


class MainWindow(QMainWindow):
    tools_requested = Signal()  # Settings › MCP servers and tools

    def __init__(self, look: FirstLook | None = None) -> None:
        """The window as the first paint shows it: placed, sized and split as ``look``
        says (the panels still empty). :meth:`assemble` makes the rest; without a
        ``look``, it places the window from the settings."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Chorus")
        self._look = look
        self._assembled = False
        if look is not None:
            # A layout, not the splitter to come: making a QSplitter creates Qt's whole
            # namespace of enums (~14 ms), which the rest pays for after the paint.
            frame = QWidget(self)
            row = QHBoxLayout(frame)
            row.setContentsMargins(0, 0, 0, 0)
            panes = [QWidget(frame) for _ in range(3)]
            for pane in panes:
                pane.setAutoFillBackground(True)
                row.addWidget(pane)
            row.setStretch(1, 1)
            panes[0].setFixedWidth(look.sidebar_width)
            panes[2].setFixedWidth(look.params_panel_width)
            panes[0].setVisible(look.sidebar_visible)
            panes[2].setVisible(look.params_panel_visible)
            panes[1].setBackgroundRole(QPalette.ColorRole.Base)  # where the transcript goes
            self.setCentralWidget(frame)
            bar = self.menuBar()  # the menus' titles (filled by assemble): no jump after
            for title in MENU_TITLES:
                bar.addMenu(title)
            self._place(look.window_geometry)

    def _place(self, geometry: str) -> None:
        self.resize(1280, 800)
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))

    def assemble(
        self,
        services: Services,
        notifier: Notifier,
        composer: Composer,
        theme: str,
    ) -> None:
        """Make the panels, menus and bars (the pages are added after)."""
        from ui.chats.housekeeping import ChatHousekeeping
        from ui.chats.sidebar import Sidebar
        from ui.common.learned_rules import LearnedRules
        from ui.common.notice_bar import NoticeBar
        from ui.common.undo_bar import UndoBar
        from ui.params.panel import ParamsPanel
        from ui.params.preset_store import PresetStore
        from ui.params.request_preview import RequestPreview
        from ui.sampling.sampling_view import SamplingView
        from ui.sampling.tab import SamplingTab
        from ui.shell.actions import build_menus
        from ui.shell.dialogs import Dialogs
        from ui.shell.header import ChatHeader

        self.services = services
        self.notifier = notifier
        self.theme = theme
        self._ready = False  # set_ready(): the keyring and profiles are known
        self._pages: list[Page] = []
        self._page: Page | None = None
        self.chat_page: ChatPage
        self.compare_page: ComparePage
        self.tool_switch: QWidget | None = None  # the header's MCP button (ui.tools)
        self.tools_dialog: QWidget | None = None  # the MCP settings, while open
        self.arena_page: ArenaPage | None = None
        self.column_set_dialog: QInputDialog | None = None  # the last one opened
        self.eval_page: EvalPage

        self.sidebar = Sidebar(self)
        self.left = QStackedWidget(self)
        self.left.addWidget(self.sidebar)
        self._search_panel: SearchPanel | None = None  # made when first shown

        self.header = ChatHeader(self)
        self.notice_bar = NoticeBar(self)
        self.undo_bar = UndoBar(self)
        self.composer = composer
        composer.setParent(self)
        composer.set_send_with(services.settings.send_with)
        centre = QWidget(self)
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.stack = QStackedWidget(self)  # the widget of each page
        parts: tuple[QWidget, ...] = (
            self.header,
            self.notice_bar,
            self.stack,
            self.undo_bar,
            self.composer,
        )
        for widget in parts:
            column.addWidget(widget)
        column.setStretchFactor(self.stack, 1)

        self.params_panel = ParamsPanel(self, learned=LearnedRules(services.prefs))
        self.presets = PresetStore(services.prefs, self.params_panel)
        self.preview = RequestPreview(self)
        self.sampling = SamplingView(self)
        self.right = QTabWidget(self)
        self.right.setObjectName("rightTabs")
        self.right.addTab(self.params_panel, "Parameters")
        self.right.addTab(self.preview, "Request")
        self.right.addTab(self.sampling, "Sampling")
        self.sampling_tab = SamplingTab(self.sampling, self.right, lambda: self._page, self)

        self.splitter = QSplitter(self)  # horizontal
        self.splitter.setChildrenCollapsible(False)
        for widget in (self.left, centre, self.right):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        settings = services.settings
        self.splitter.splitterMoved.connect(lambda *_: self._remember_sizes())
        self.setCentralWidget(self.splitter)
        if self.isVisible():  # the first paint's window: lay the splitter out at its width
            self.splitter.show()
            layout = self.layout()
            if layout is not None:
                layout.activate()
        self.splitter.setSizes([settings.sidebar_width, 700, settings.params_panel_width])
        self.left.setVisible(settings.sidebar_visible)
        self.right.setVisible(settings.params_panel_visible)
        self.status_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.status_label)

        self.dialogs = Dialogs(self, services, notifier)
        self.housekeeping = ChatHousekeeping(services, notifier, self.sidebar, self._pages, self)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self._connect()
        self.menu_actions = build_menus(
            self, self._handlers(), settings, self._set_theme, self._set_send_with
        )
        self.sidebar.set_summaries(services.store.list_chats())
        for problem in services.store.problems:
            notifier.warning(problem.message)
        if self._look is None:  # not placed before the first paint
            self._place(settings.window_geometry)
        self._assembled = True

    # --- wiring ------------------------------------------------------------------------

    def _connect(self) -> None:
        from ui.common.learned_rules import FIELD as LEARNED_FIELD

        notifier = self.notifier
        notifier.posted.connect(self._show_notice)
        notifier.cleared.connect(self.notice_bar.clear_key)
        notifier.undo_offered.connect(self.undo_bar.show_message)
        notifier.endpoint_problem.connect(self.dialogs.endpoint_problem)
        self.services.prefs.changed.connect(self._setting_changed)
        self.dialogs.profiles_changed.connect(self.profiles_changed)
        self.dialogs.imported.connect(self._imported)
        self.housekeeping.shown_chat_deleted.connect(self.new_chat)

        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.composer.cancel_requested.connect(self.cancel_edit)
        self.composer.editor.textChanged.connect(self._preview_timer.start)
        self.header.model_clicked.connect(self.choose_model)
        self.header.endpoint_clicked.connect(self.dialogs.open_endpoints)
        self.header.system_prompt_changed.connect(self._system_prompt_changed)
        self.params_panel.params_changed.connect(self._params_changed)
        self.services.prefs.changed.connect(
            lambda name: name == LEARNED_FIELD and self._preview_timer.start()
        )
        self.presets.loaded.connect(self._preset_loaded)

        bar = self.sidebar
        bar.chat_selected.connect(self.open_chat)
        bar.new_chat_requested.connect(self.new_chat)
        bar.export_requested.connect(self._export_listed)
        bar.import_requested.connect(self.dialogs.import_chat)

    def _handlers(self) -> dict[str, Callable[[], object]]:
        """What each menu action does (see ``ui.shell.actions.MENUS``)."""
        from ui.shell import column_sets

        return {
            "new_chat": self.new_chat,
            "compare": self.new_comparison,
            "arena": self.new_battle,
            "from_set": lambda: column_sets.choose_set(self),
            "save_set": lambda: column_sets.save_set(self),
            "model_defaults": lambda: column_sets.save_model_defaults(self),
            "leaderboard": self.show_leaderboard,
            "new_eval": self.new_evaluation,
            "open_eval": self.open_evaluation,
            "import": self.dialogs.import_chat,
            "export_md": lambda: self.export("markdown"),
            "export_json": lambda: self.export("json"),
            "quit": self.close,
            "copy_all": self.copy_all,
            "find_chats": self.find_chats,
            "search_all": self.show_search,
            "model": self.choose_model,
            "stop": self.stop,
            "regenerate": self.regenerate,
            "focus": self.composer.focus_input,
            "system": self.toggle_system_prompt,
            "merge": lambda: None if self.refused(Command.MERGE) else self.page.merge_answers(),
            "sidebar": self.toggle_sidebar,
            "params": self.toggle_params,
            "request": self.show_request,
            "text_larger": lambda: self._step_text_size(1),
            "text_smaller": lambda: self._step_text_size(-1),
            "text_reset": lambda: self._step_text_size(0),
            "usage": self.dialogs.open_usage,
            "prices": lambda: self.dialogs.open_prices(self.page.model()),
            "endpoints": self.dialogs.open_endpoints,
            "key": lambda: self.dialogs.open_key_dialog(""),
            "mcp": self.tools_requested.emit,
            "about": self._about,
        }

    def add_page(self, page: Page) -> None:
        """Put ``page`` in the window (the composition root adds every page once)."""
        self._pages.append(page)
        self.housekeeping.pages.append(page)
        self.stack.addWidget(page.widget)
        page.changed.connect(lambda p=page: self._page_changed(p))
        page.listed.connect(self._listed)
        page.answer_finished.connect(self._answer_finished)
        page.set_prices(self.services.settings.prices)
        self.sampling_tab.attach(page)
        page.open_requested.connect(self.open_chat)
        page.model_choice_requested.connect(lambda target, p=page: self._choose_for(p, target))

    @property
    def page(self) -> Page:
        """The page on screen."""
        assert self._page is not None, "no page added"
        return self._page

    def show_page(self, page: Page) -> None:
        if page is not self._page:
            if self._page is not None:
                self._page.deactivate()
            self._page = page
            self.stack.setCurrentWidget(page.widget)
            page.activate()
        self._refresh()
        self.sampling_tab.page_shown(page)

    def pages(self) -> list[Page]:
        return list(self._pages)

    # --- chats and comparisons ------------------------------------------------------------

    def new_chat(self) -> None:
        self.chat_page.new_chat(self.page.model() if self._page is not None else "")
        self.show_page(self.chat_page)
        self.composer.focus_input()

    def new_evaluation(self) -> None:
        """An empty evaluation (rows × columns) on screen; a running one stays open."""
        if not self.eval_page.controller.busy():
            self.eval_page.new_evaluation()
        self.show_page(self.eval_page)

    def open_evaluation(self) -> None:
        """Pick a saved test set or run to show."""
        from ui.eval.files import open_dialog

        self.show_page(self.eval_page)
        open_dialog(self.eval_page)

    def new_comparison(self) -> None:
        if self.compare_page.new_comparison(self.page.model(), self.page.shareable_params()):
            self.show_page(self.compare_page)

    def new_battle(self) -> None:
        """The arena on screen with a new battle drawn from its pool."""
        page = self.arena_page
        if page is None:
            return
        page.new_battle()
        self.show_page(page)
        self.composer.focus_input()

    def show_leaderboard(self) -> None:
        page = self.arena_page
        if page is not None:
            page.show_leaderboard(self)

    def open_battle(self, battle_id: str) -> None:
        page = self.arena_page
        if page is not None and page.open_battle(battle_id):
            self.show_page(page)

    def open_chat(self, chat_id: str) -> None:
        summary = self.sidebar.model.summary(chat_id)
        page: Page = self.chat_page
        if summary is not None and summary.kind == "compare":
            page = self.compare_page
        opened = (
            self.compare_page.open(chat_id)
            if page is self.compare_page
            else self.chat_page.open(chat_id)
        )
        if not opened:
            self.sidebar.remove(chat_id)
            return
        self.show_page(page)

    def _listed(self, chat: Chat) -> None:
        from core.storage.format import summarize

        self.sidebar.upsert(summarize(chat))
        if self._page is not None and self.page.shown_chat_id() == chat.id:
            self.sidebar.set_current(chat.id)

    def _imported(self, chat: Chat) -> None:
        from core.storage.format import summarize

        self.sidebar.upsert(summarize(chat))
        self.open_chat(chat.id)

    def _export_listed(self, chat_id: str, kind: str) -> None:
        """Export from the chat list: the open copy when it is open, else the file."""
        copy = next((c for p in self._pages if (c := p.open_copy(chat_id)) is not None), None)
        try:
            chat = copy or self.services.store.load(chat_id)
        except (LookupError, OSError, ValueError) as exc:
            self.notifier.error(str(exc))
            return
        self.dialogs.export_chat(chat, kind)

    # --- commands: all go to the page on screen ---------------------------------------------

    def refused(self, command: Command) -> bool:
        """True (and the reason in the status bar) when the page cannot do ``command``."""
        reason = self.page.why_not(command)
        if reason is not None:
            self.notifier.info(reason)
        return reason is not None

    def send(self, text: str, images: list[ImagePart]) -> None:
        if self.refused(Command.SEND):
            return
        self.header.flush()
        self.params_panel.flush()
        if self.page.send(text, images):
            self.composer.clear()

    def stop(self) -> None:
        if self.page.why_not(Command.STOP) is None:
            self.page.stop()

    def regenerate(self) -> None:
        if not self.refused(Command.REGENERATE):
            self.page.regenerate()

    def export(self, kind: str) -> None:
        if self.refused(Command.EXPORT):
            return
        chat = self.page.exported()
        if chat is not None:
            self.dialogs.export_chat(chat, kind)

    def copy_all(self) -> None:
        if not self.refused(Command.COPY_ALL):
            self.page.copy_all()
            self.notifier.info("Copied the whole conversation as Markdown.")

    def choose_model(self) -> None:
        if not self.refused(Command.CHOOSE_MODEL):
            self._choose_for(self.page, self.page.default_model_target())

    def _choose_for(self, page: Page, target: str) -> None:
        targets = [(t.id, t.label) for t in page.model_targets()]
        button = self.header.model_button
        self.dialogs.choose_model(
            page.model(),
            page.set_model,
            button.mapToGlobal(button.rect().bottomLeft()),
            targets,
            target,
        )

    def set_model(self, model: str, target: str = "") -> None:
        """Give the page on screen ``model`` (in a comparison: ``target``'s column)."""
        self.page.set_model(model, target or self.page.default_model_target())

    def toggle_system_prompt(self) -> None:
        if not self.refused(Command.SYSTEM_PROMPT):
            self.header.system_button.toggle()

    def _system_prompt_changed(self, text: str) -> None:
        if self.page.why_not(Command.SYSTEM_PROMPT) is None:
            self.page.set_system_prompt(text)

    def _params_changed(self, values: dict[str, object]) -> None:
        if self.page.why_not(Command.PARAMS) is None:
            self.page.set_params(values)
            self._preview_timer.start()

    def _preset_loaded(self, name: str, values: dict[str, object]) -> None:
        if not self.refused(Command.PARAMS):
            self.page.apply_preset(name, values)
            self._refresh()

    def cancel_edit(self) -> None:
        self.page.cancel_edit()

    def run_sweep(self, axes: list[tuple[str, list[float | int]]], repeats: int) -> None:
        """A sweep of the page's model and parameters, run as an evaluation: of the
        prompt in the message box, or on the evaluation page of its test set."""
        from ui.eval.sweep_tab import run_sweep

        page = self.page
        self.params_panel.flush()
        on_eval = page is self.eval_page
        if not on_eval and self.composer.images():
            self.notifier.warning(
                "A sweep asks with text only: remove the images from the message box to "
                "sweep this prompt."
            )
            return
        heading = page.heading()
        if not on_eval:
            self.eval_page.set_profile(heading.profile)
        started = run_sweep(
            self.eval_page,
            axes,
            repeats,
            model=page.model(),
            base=page.params(),
            prompt=None if on_eval else self.composer.text(),
            system=heading.system_prompt,
        )
        if started and not on_eval:
            self.show_page(self.eval_page)
            self.composer.clear()

    # --- what shows -----------------------------------------------------------------------

    def _page_changed(self, page: Page) -> None:
        if page is self._page:
            self._refresh()

    def _refresh(self) -> None:
        """Show the page's heading, parameters and state; enable what it can do."""
        from core.profiles import describe_url
        from ui.shell.actions import refresh as refresh_actions

        page = self.page
        heading = page.heading()
        self.header.set_model(heading.title, heading.detail)
        self.header.set_system_prompt(heading.system_prompt)
        self.header.set_cost(heading.cost)
        profile = self.services.profile(heading.profile)
        self.header.set_endpoint(profile.name, describe_url(profile))
        self.params_panel.set_model(page.params_model(), profile.name)
        if self.params_panel.values() != page.params():
            self.params_panel.set_values(page.params())
        self.params_panel.set_sources(page.param_sources())
        self.params_panel.set_note(page.params_note())
        if page.why_not(Command.PARAMS) is None:
            self.params_panel.presets.show_preset(page.preset())
        self.composer.set_vision_supported(_vision(page.model()))
        generating = page.is_generating()
        self.composer.set_generating(generating)
        self.status_label.setText("Generating…" if generating else "")
        refresh_actions(self.menu_actions, page)
        self._update_send_state()
        chat_id = page.shown_chat_id()
        self.sidebar.set_current(chat_id)
        self._preview_timer.start()

    def _answer_finished(self, message: Message) -> None:
        self._preview_timer.start()

    def _setting_changed(self, name: str) -> None:
        if name == "prices":
            for page in self._pages:
                page.set_prices(self.services.settings.prices)
        elif name == "continuation":
            self.sampling_tab.refresh_note()

    def update_preview(self) -> None:
        if not self._ready or self._page is None:
            return
        preview = self.page.preview(self.composer.text())
        if preview is None:
            return
        if preview.built is None:
            self.notifier.info(preview.problem)
            return
        self.preview.set_request(preview.endpoint, preview.built)

    def _show_notice(self, notice: Notice) -> None:
        if notice.level == "info":
            self.statusBar().showMessage(notice.text, 8000)
        else:
            self.notice_bar.show_notice(notice.level, notice.text, notice.action, notice.key)

    @property
    def ready(self) -> bool:
        return self._ready

    def set_ready(self) -> None:
        self._ready = True
        self.profiles_changed()

    def _update_send_state(self) -> None:
        if not self._ready:
            return
        reason = None if self.services.has_usable_profile() else "Add an API key to start (Ctrl+,)"
        reason = reason or self.page.why_not(Command.SEND)
        self.composer.set_enabled_reason(reason)

    def profiles_changed(self) -> None:
        """The endpoints or keys changed: update what depends on them."""
        for page in self._pages:
            page.set_profile(self.services.settings.active_profile)
        self._refresh()

    def _set_theme(self, value: str) -> None:
        from ui.common.app_theme import apply_theme

        self.services.prefs.set(theme=value)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.set_theme(apply_theme(app, value))

    def set_theme(self, theme: str) -> None:
        """Show every page in ``theme`` ("light" or "dark")."""
        self.theme = theme
        for page in self._pages:
            page.set_theme(theme)

    def _set_send_with(self, ctrl_enter: bool) -> None:
        mode: SendWith = "ctrl_enter" if ctrl_enter else "enter"
        self.services.prefs.set(send_with=mode)
        self.composer.set_send_with(mode)

    def _step_text_size(self, step: int) -> None:
        """A point larger or smaller (0: the default), kept in the settings."""
        size = self.services.settings.font_size + step if step else DEFAULT_TEXT_SIZE
        size = max(MIN_TEXT_SIZE, min(MAX_TEXT_SIZE, size))
        self.services.prefs.set(font_size=size)
        self.set_text_size(size)
        self.notifier.info(f"Text size {size} pt")

    def set_text_size(self, points: int) -> None:
        for page in self._pages:
            page.set_text_size(points)

    def _about(self) -> None:
        from ui.shell.actions import ABOUT

        box = QMessageBox(QMessageBox.Icon.Information, "About Chorus", ABOUT, parent=self)
        box.finished.connect(box.deleteLater)
        box.open()

    # --- panels ------------------------------------------------------------------------------

    @property
    def search_panel(self) -> SearchPanel:
        """The full-text search panel, in the left column under the chat list; made on
        first use, as it starts hidden."""
        if self._search_panel is None:
            from ui.chats.search_panel import SearchPanel

            panel = SearchPanel(self.services.store.search_async, self)
            panel.hit_activated.connect(lambda chat_id, _msg: self.open_chat(chat_id))
            panel.closed.connect(self.hide_search)
            self.left.addWidget(panel)
            self._search_panel = panel
        return self._search_panel

    def show_search(self) -> None:
        self.left.show()
        self.left.setCurrentWidget(self.search_panel)
        self.search_panel.focus_query()

    def hide_search(self) -> None:
        self.left.setCurrentWidget(self.sidebar)

    def find_chats(self) -> None:
        self.hide_search()
        self.left.show()
        self.sidebar.focus_filter()

    def toggle_sidebar(self) -> None:
        self.left.setVisible(not self.left.isVisible())
        self.services.prefs.set(sidebar_visible=self.left.isVisible())

    def toggle_params(self) -> None:
        self.right.setVisible(not self.right.isVisible())
        self.services.prefs.set(params_panel_visible=self.right.isVisible())

    def show_request(self) -> None:
        self.right.show()
        self.right.setCurrentWidget(self.preview)

    def _remember_sizes(self) -> None:
        sizes = self.splitter.sizes()
        if len(sizes) == 3:
            values = {}
            if sizes[0]:
                values["sidebar_width"] = min(sizes[0], 4000)
            if sizes[2]:
                values["params_panel_width"] = min(sizes[2], 4000)
            self.services.prefs.set(**values)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._assembled:
            super().closeEvent(event)
            return
        geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.services.prefs.set(window_geometry=geometry)
        self.header.flush()
        self.params_panel.flush()
        self.services.prefs.flush()
        super().closeEvent(event)


def _vision(model: str) -> bool:
    from core.model_rules import model_traits

    traits = model_traits(model) if model else None
    return bool(traits and traits.vision)
