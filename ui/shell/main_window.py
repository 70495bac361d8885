"""The main window: chat list on the left, the chat in the middle, parameters on the right."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.chat import Chat, ImagePart
from core.model_rules import model_traits
from core.params import default_values
from core.profiles import describe_url
from core.storage.chat_store import ChatFileError
from core.storage.format import summarize
from ui.chat.controller import ChatController
from ui.chats.housekeeping import WindowChats
from ui.chats.sidebar import Sidebar
from ui.common.notice_bar import NoticeBar
from ui.common.services import Services
from ui.common.undo_bar import UndoBar
from ui.compare.controller import CompareController
from ui.compare.page import WindowCompare
from ui.params.panel import ParamsPanel
from ui.params.presets_and_preview import WindowParams
from ui.params.request_preview import RequestPreview
from ui.shell.actions import WindowActions
from ui.shell.composer import Composer
from ui.shell.dialogs import WindowDialogs
from ui.shell.header import ChatHeader
from ui.transcript.chat_view import ChatView
from ui.transcript.message_model import MessageRow

if TYPE_CHECKING:
    from ui.chats.search_panel import SearchPanel

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(
        self,
        controller: ChatController,
        services: Services,
        theme: str,
        compare_controller: CompareController,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Chorus")
        self.controller = controller
        self.services = services
        self._editing: str | None = None
        self._ready = False  # set_ready(): the keyring and profiles are known

        self.sidebar = Sidebar(self)
        self.left = QStackedWidget(self)
        self.left.addWidget(self.sidebar)
        self._search_panel: SearchPanel | None = None  # made when first shown

        self.header = ChatHeader(self)
        self.notice_bar = NoticeBar(self)
        self.chat_view = ChatView(theme, self)
        self.undo_bar = UndoBar(self)
        self.edit_label = QLabel(self)
        self.edit_label.setObjectName("editingLabel")
        self.edit_label.hide()
        self.composer = Composer(self)
        self.composer.set_send_with(services.settings.send_with)
        centre = QWidget(self)
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.pages = QStackedWidget(self)  # the chat view, or the compare view
        self.pages.addWidget(self.chat_view)
        widgets: tuple[QWidget, ...] = (self.header, self.notice_bar, self.pages, self.undo_bar)
        for widget in (*widgets, self.edit_label, self.composer):
            column.addWidget(widget)
        column.setStretchFactor(self.pages, 1)

        self.params_panel = ParamsPanel(self)
        self.preview = RequestPreview(self)
        self.right = QTabWidget(self)
        self.right.setObjectName("rightTabs")
        self.right.addTab(self.params_panel, "Parameters")
        self.right.addTab(self.preview, "Request")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        for widget in (self.left, centre, self.right):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        settings = services.settings
        self.splitter.setSizes([settings.sidebar_width, 700, settings.params_panel_width])
        self.setCentralWidget(self.splitter)
        self.left.setVisible(settings.sidebar_visible)
        self.right.setVisible(settings.params_panel_visible)
        self.status_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.status_label)

        self.dialogs = WindowDialogs(self, services)
        self.chats = WindowChats(self, services)
        self.params = WindowParams(self, services)
        self.compare = WindowCompare(self, services, compare_controller, theme)
        self.actions_ = WindowActions(self)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(150)
        self._preview_timer.timeout.connect(self.params.update_preview)
        self._connect()
        self.params_panel.set_presets(sorted(settings.presets))
        self.sidebar.set_summaries(services.store.list_chats())
        for problem in services.store.problems:
            self.notice_bar.show_notice("warning", problem.message)
        self.resize(1280, 800)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))

    # --- wiring ------------------------------------------------------------------------

    def _connect(self) -> None:
        ctl, view, composer = self.controller, self.chat_view, self.composer
        ctl.rows_reset.connect(view.set_rows)
        ctl.row_appended.connect(view.append_row)
        ctl.row_updated.connect(view.update_row)
        ctl.stream_started.connect(view.start_stream)
        ctl.stream_text.connect(view.stream_text)
        ctl.stream_finished.connect(self._stream_finished)
        ctl.generating_changed.connect(self._generating_changed)
        ctl.chat_changed.connect(self._chat_changed)
        ctl.notice.connect(self.show_notice)
        ctl.endpoint_problem.connect(self.dialogs.endpoint_problem)

        composer.send_requested.connect(self._send)
        composer.stop_requested.connect(self.stop)
        view.regenerate_requested.connect(ctl.regenerate)
        view.retry_requested.connect(ctl.retry)
        view.branch_requested.connect(ctl.switch_branch)
        view.choice_requested.connect(ctl.choose)
        view.edit_requested.connect(self.start_edit)
        view.delete_requested.connect(self.chats.delete_message)
        view.link_activated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))

        self.header.model_clicked.connect(self.dialogs.choose_model)
        self.header.endpoint_clicked.connect(self.dialogs.open_endpoints)
        self.header.system_prompt_changed.connect(self._system_prompt_changed)
        self.params_panel.params_changed.connect(self.apply_params)
        self.params_panel.preset_save_requested.connect(self.params.save_preset)
        self.params_panel.preset_load_requested.connect(self.params.load_preset)
        self.params_panel.preset_delete_requested.connect(self.params.delete_preset)

        bar = self.sidebar
        bar.chat_selected.connect(self.open_chat)
        bar.new_chat_requested.connect(self.new_chat)
        bar.rename_requested.connect(self.chats.rename)
        bar.pin_requested.connect(self.chats.pin)
        bar.delete_requested.connect(self.chats.delete_chat)
        bar.export_requested.connect(self.dialogs.export_chat)
        bar.import_requested.connect(self.dialogs.import_chat)

    # --- chats -------------------------------------------------------------------------

    def new_chat(self) -> None:
        settings = self.services.settings
        model = self.current_model() or settings.default_model or self.services.first_model()
        params = dict(self.controller.chat.params) if self.controller.chat else {}
        params = params or dict(settings.default_params) or default_values()
        self.compare.leave()
        chat = self.controller.new_chat(model, params, settings.active_profile)
        self._show_chat_settings(chat)
        self.sidebar.set_current(None)
        self.composer.focus_input()

    def open_chat(self, chat_id: str) -> None:
        summary = self.sidebar.model.summary(chat_id)
        if summary is not None and summary.kind == "compare":
            self._open_comparison(chat_id)
            return
        self.compare.leave()
        if self.controller.chat is not None and self.controller.chat.id == chat_id:
            return
        try:
            chat = self.controller.open_chat(chat_id)
        except ChatFileError as exc:
            self.notice_bar.show_notice("error", exc.problem.message)
            self.sidebar.remove(chat_id)
            return
        except LookupError:
            self.notice_bar.show_notice("error", "That chat no longer exists on disk.")
            self.sidebar.remove(chat_id)
            return
        self._show_chat_settings(chat)
        self.sidebar.set_current(chat_id)

    def _open_comparison(self, chat_id: str) -> None:
        try:
            self.compare.open(self.services.store.load(chat_id))
        except (ChatFileError, LookupError) as exc:
            self.notice_bar.show_notice("error", str(exc))
            return
        self.sidebar.set_current(chat_id)

    def chat_profile(self) -> str:
        chat = self.controller.chat
        return (chat.profile if chat else "") or self.services.settings.active_profile

    def stop(self) -> None:
        if self.compare.active:
            self.compare.stop()
        else:
            self.controller.stop()

    def _show_chat_settings(self, chat: Chat) -> None:
        self.cancel_edit()
        self.params_panel.set_values(chat.params)
        self._set_model_ui(chat.model)
        self.header.set_system_prompt(chat.system_prompt)
        profile = self.services.profile(chat.profile)
        self.header.set_endpoint(profile.name, describe_url(profile))
        self._update_send_state()
        self._preview_timer.start()

    @property
    def ready(self) -> bool:
        return self._ready

    def set_ready(self) -> None:
        self._ready = True
        self.profiles_changed()

    def current_model(self) -> str:
        return self.controller.chat.model if self.controller.chat else ""

    def set_model(self, model: str) -> None:
        self.controller.set_model(model)
        self.services.settings.push_recent_model(model)
        self.services.settings.default_model = model
        self.services.save_settings()
        self._set_model_ui(model)
        self.params.update_preview()

    def _set_model_ui(self, model: str) -> None:
        traits = model_traits(model) if model else None
        badges = []
        if traits is not None and traits.vision:
            badges.append("vision")
        if traits is not None and traits.reasoning:
            badges.append("reasoning")
        self.header.set_model(model, " · ".join(badges))
        self.params_panel.set_model(model)
        self.composer.set_vision_supported(bool(traits and traits.vision))

    def _chat_changed(self, chat: Chat) -> None:
        if chat.messages:
            self.sidebar.upsert(summarize(chat))
            if self.controller.chat is chat:
                self.sidebar.set_current(chat.id)
        if self.controller.chat is chat:
            self._preview_timer.start()

    # --- sending -------------------------------------------------------------------------

    def _send(self, text: str, images: list[ImagePart]) -> None:
        if self.compare.active:
            self.params_panel.flush()
            if self.compare.send(text, images):
                self.composer.clear()
            return
        if self.controller.chat is None:
            self.new_chat()
        self.header.flush()
        self.params_panel.flush()
        if self._editing is not None:
            editing, self._editing = self._editing, None
            self.edit_label.hide()
            self.controller.edit(editing, text)
            if self.controller.is_generating():
                self.composer.clear()
            return
        if self.controller.send(text, images):
            self.composer.clear()

    def start_edit(self, message_id: str) -> None:
        message = self.controller.message(message_id)
        if message is None or message.role != "user":
            return
        self._editing = message_id
        self.composer.set_text(message.content)
        self.edit_label.setText("Editing a message: sending makes a new branch; Esc cancels.")
        self.edit_label.show()
        self.composer.focus_input()

    def cancel_edit(self) -> None:
        if self._editing is not None:
            self._editing = None
            self.edit_label.hide()
            self.composer.clear()

    def _stream_finished(self, row: MessageRow) -> None:
        self.chat_view.finish_stream(row)
        self.compare.sampling.set_answer(row.message)
        message = row.message
        error = message.error if message.status == "error" else None
        if error is not None and error.kind == "AuthenticationError" and self.controller.chat:
            self.dialogs.endpoint_problem(self.controller.chat.profile, error.message)
        self.params.update_preview()

    def _generating_changed(self, generating: bool) -> None:
        self.composer.set_generating(generating)
        self.actions_.set_generating(generating)
        self.status_label.setText("Generating…" if generating else "")

    def _update_send_state(self) -> None:
        if not self._ready:
            return
        reason = None if self.services.has_usable_profile() else "Add an API key to start (Ctrl+,)"
        self.composer.set_enabled_reason(reason)

    def show_notice(self, level: str, text: str) -> None:
        if level == "info":
            self.statusBar().showMessage(text, 8000)
        else:
            self.notice_bar.show_notice(level, text)

    # --- parameters and the preview ----------------------------------------------------------

    def apply_params(self, values: dict[str, object]) -> None:
        if self.compare.active:
            self.compare.controller.set_shared_params(values)
            return
        if self.controller.chat is None:
            self.new_chat()
        self.controller.set_params(values)
        self.services.settings.default_params = dict(values)
        self._preview_timer.start()

    def _system_prompt_changed(self, text: str) -> None:
        self.controller.set_system_prompt(text)
        self._preview_timer.start()

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

    def profiles_changed(self) -> None:
        """The endpoints or keys changed: update what depends on them."""
        chat = self.controller.chat
        if chat is not None:
            self.controller.set_profile(self.services.settings.active_profile)
            self._show_chat_settings(chat)
        self._update_send_state()

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = self.services.settings
        settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        sizes = self.splitter.sizes()
        if len(sizes) == 3:
            if sizes[0]:
                settings.sidebar_width = sizes[0]
            if sizes[2]:
                settings.params_panel_width = sizes[2]
        self.header.flush()
        self.params_panel.flush()
        try:
            self.services.save_settings()
        except OSError as exc:
            log.warning("settings not saved: %s", exc)
        super().closeEvent(event)
