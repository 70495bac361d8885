"""The main window: the chat list on the left, the page on screen in the middle, its
parameters, request, sampling and sweep tabs on the right.

The window holds one current :class:`Page` and forwards every command to it; it knows no
kind of page. What a page cannot do now is disabled, with the page's reason as tooltip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.chat import Chat, ImagePart, Message
from core.profiles import describe_url
from core.settings import SendWith
from core.storage.format import summarize
from ui.chats.housekeeping import ChatHousekeeping
from ui.chats.sidebar import Sidebar
from ui.common.notice_bar import NoticeBar
from ui.common.notifier import Notice, Notifier
from ui.common.services import Services
from ui.common.undo_bar import UndoBar
from ui.params.panel import ParamsPanel
from ui.params.preset_store import PresetStore
from ui.params.request_preview import RequestPreview
from ui.sampling.sampling_view import SamplingView
from ui.shell.actions import ABOUT, build_menus
from ui.shell.actions import refresh as refresh_actions
from ui.shell.composer import Composer
from ui.shell.dialogs import Dialogs
from ui.shell.header import ChatHeader
from ui.shell.page import Command, Page

if TYPE_CHECKING:
    from ui.chat.page import ChatPage
    from ui.chats.search_panel import SearchPanel
    from ui.compare.page import ComparePage

log = logging.getLogger(__name__)
PREVIEW_DELAY_MS = 150
DEFAULT_TEXT_SIZE = 11  # points, Settings.font_size's default
MIN_TEXT_SIZE, MAX_TEXT_SIZE = 8, 32


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: Services,
        notifier: Notifier,
        composer: Composer,
        theme: str,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Chorus")
        self.services = services
        self.notifier = notifier
        self.theme = theme
        self._ready = False  # set_ready(): the keyring and profiles are known
        self._pages: list[Page] = []
        self._page: Page | None = None
        self.chat_page: ChatPage
        self.compare_page: ComparePage

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

        self.params_panel = ParamsPanel(self)
        self.presets = PresetStore(services.prefs, self.params_panel)
        self.preview = RequestPreview(self)
        self.sampling = SamplingView(self)
        self.right = QTabWidget(self)
        self.right.setObjectName("rightTabs")
        self.right.addTab(self.params_panel, "Parameters")
        self.right.addTab(self.preview, "Request")
        self.right.addTab(self.sampling, "Sampling")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        for widget in (self.left, centre, self.right):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        settings = services.settings
        self.splitter.setSizes([settings.sidebar_width, 700, settings.params_panel_width])
        self.splitter.splitterMoved.connect(lambda *_: self._remember_sizes())
        self.setCentralWidget(self.splitter)
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
        self.resize(1280, 800)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))

    # --- wiring ------------------------------------------------------------------------

    def _connect(self) -> None:
        notifier = self.notifier
        notifier.posted.connect(self._show_notice)
        notifier.cleared.connect(self.notice_bar.clear_key)
        notifier.undo_offered.connect(self.undo_bar.show_message)
        notifier.endpoint_problem.connect(self.dialogs.endpoint_problem)
        self.dialogs.profiles_changed.connect(self.profiles_changed)
        self.dialogs.imported.connect(self._imported)
        self.housekeeping.shown_chat_deleted.connect(self.new_chat)

        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.composer.editor.textChanged.connect(self._preview_timer.start)
        self.header.model_clicked.connect(self.choose_model)
        self.header.endpoint_clicked.connect(self.dialogs.open_endpoints)
        self.header.system_prompt_changed.connect(self._system_prompt_changed)
        self.params_panel.params_changed.connect(self._params_changed)

        bar = self.sidebar
        bar.chat_selected.connect(self.open_chat)
        bar.new_chat_requested.connect(self.new_chat)
        bar.export_requested.connect(self._export_listed)
        bar.import_requested.connect(self.dialogs.import_chat)

    def _handlers(self) -> dict[str, Callable[[], object]]:
        """What each menu action does (see ``ui.shell.actions.MENUS``)."""
        return {
            "new_chat": self.new_chat,
            "compare": self.new_comparison,
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
            "sidebar": self.toggle_sidebar,
            "params": self.toggle_params,
            "request": self.show_request,
            "text_larger": lambda: self._step_text_size(1),
            "text_smaller": lambda: self._step_text_size(-1),
            "text_reset": lambda: self._step_text_size(0),
            "endpoints": self.dialogs.open_endpoints,
            "key": lambda: self.dialogs.open_key_dialog(""),
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

    def pages(self) -> list[Page]:
        return list(self._pages)

    # --- chats and comparisons ------------------------------------------------------------

    def new_chat(self) -> None:
        self.chat_page.new_chat(self.page.model() if self._page is not None else "")
        self.show_page(self.chat_page)
        self.composer.focus_input()

    def new_comparison(self) -> None:
        if self.compare_page.new_comparison(self.page.model(), self.page.params()):
            self.show_page(self.compare_page)

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
        self.sidebar.upsert(summarize(chat))
        if self._page is not None and self.page.shown_chat_id() == chat.id:
            self.sidebar.set_current(chat.id)

    def _imported(self, chat: Chat) -> None:
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

    def cancel_edit(self) -> None:
        self.page.cancel_edit()

    def run_sweep(self, axes: list[tuple[str, list[float | int]]], repeats: int) -> None:
        """A sweep of the page's model and parameters, as a new comparison."""
        page = self.page
        self.params_panel.flush()
        started = self.compare_page.run_sweep(
            axes,
            repeats,
            model=page.model(),
            base=page.params(),
            text=self.composer.text(),
            images=list(self.composer.images()),
            profile=page.heading().profile,
        )
        if self.compare_page.comparison is not None and self.compare_page.comparison.columns:
            self.show_page(self.compare_page)
        if started:
            self.composer.clear()

    # --- what shows -----------------------------------------------------------------------

    def _page_changed(self, page: Page) -> None:
        if page is self._page:
            self._refresh()

    def _refresh(self) -> None:
        """Show the page's heading, parameters and state; enable what it can do."""
        page = self.page
        heading = page.heading()
        self.header.set_model(heading.title, heading.detail)
        self.header.set_system_prompt(heading.system_prompt)
        profile = self.services.profile(heading.profile)
        self.header.set_endpoint(profile.name, describe_url(profile))
        self.params_panel.set_model(page.params_model())
        self.compare_page.sweep_panel.set_model(page.model())  # a sweep asks the page's model
        if self.params_panel.values() != page.params():
            self.params_panel.set_values(page.params())
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
        self.sampling.set_answer(message)
        self._preview_timer.start()

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
