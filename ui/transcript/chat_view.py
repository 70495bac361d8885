"""The message view of one chat column.

A QTreeView used as a flat list (per-pixel scrolling, rows of different heights) over a
:class:`MessageModel`, painted by :class:`MessageDelegate` from documents that
:class:`RowRenderer` builds and caches. A QTreeView rather than a QListView: when one
row's height changes, a QListView lays out every row again (asking the model for every
row's size hint, 11 ms at 2,000 rows), a QTreeView only that row.

Streaming: :meth:`ChatView.stream_text` only stores the latest text; a timer flushes it
to the live row about 30 times a second (less often when a flush runs long), and a
flush costs the open Markdown block, not the whole answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QMenu,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.chat import ToolCall
from core.pricing import ModelPrice
from core.refusals import fixes_for
from ui.common.clipboard import set_clipboard
from ui.render.highlight import COMMON_LANGUAGES, load_lexers
from ui.render.idle_worker import BACKGROUND, IdleWorker
from ui.render.markdown import code_blocks_of, plain_text
from ui.render.message_delegate import MessageDelegate
from ui.render.palette import palette
from ui.render.row_documents import H_PAD
from ui.render.row_renderer import RowRenderer
from ui.transcript.flush_slots import FlushTimer
from ui.transcript.message_list_view import MessageListView
from ui.transcript.message_model import MessageModel, MessageRow
from ui.transcript.scroll_keeper import ScrollKeeper

FLUSH_MS = 33  # streaming flush interval (about 30 Hz)
MAX_FLUSH_MS = 200  # the interval grows up to this when flushes run long
OPEN_BUDGET_MS = 150.0  # time set_rows may spend laying out the rows on screen
ROW_BUDGET_MS = 20.0  # time append/update may spend laying out the changed row
WIDTH_STEP = 8  # widths are rounded down to a multiple of this before laying out
RESIZE_DELAY_MS = 40
REPEATS = (3, 5, 10)  # the "Repeat ×k" choices of an answer's menu


class ChatView(QWidget):
    """The messages of one branch; see the module docstring."""

    regenerate_requested = Signal(str)
    edit_requested = Signal(str)
    delete_requested = Signal(str)
    retry_requested = Signal(str)
    fix_requested = Signal(str, str)  # message id, the id of a fix its refusal offers
    branch_requested = Signal(str, int)  # message id, +1 / -1
    choice_requested = Signal(str, int)  # message id, choice index to show
    link_activated = Signal(str)  # an external http(s) link
    copy_all_requested = Signal()  # "Copy all": the owner copies its whole conversation
    # (action, message id, argument) of an answer: ("repeat", id, k), ("report", id, None),
    # ("sampling", id, None): repeat its request k times, show the repeats' report, show it
    # in the Sampling tab
    answer_action = Signal(str, str, object)

    def __init__(self, theme: str = "light", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self.model = MessageModel(self)
        self.worker = IdleWorker(parent=self)
        self.view = MessageListView(self)
        self.renderer = RowRenderer(self.model, self.worker, self.view.font(), theme, self)
        self.delegate = MessageDelegate(self.renderer, self.view)
        self.keeper = ScrollKeeper(self.view, self.model, self.renderer, self.worker, self)
        self._setup_view()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

        self._pending: dict[str, tuple[str, str, list[ToolCall] | None]] = {}
        self._flush_interval = FLUSH_MS
        self.last_flush_ms = 0.0
        self._flush_timer = FlushTimer(self)
        self._flush_timer.due.connect(self.flush_stream)
        self._width_timer = QTimer(self)
        self._width_timer.setSingleShot(True)
        self._width_timer.setInterval(RESIZE_DELAY_MS)
        self._width_timer.timeout.connect(self._sync_width)

        self.renderer.repaint_requested.connect(self._repaint_row)
        self.delegate.link_activated.connect(self._on_link)
        self._apply_palette()

    def load_common_lexers(self) -> None:
        """Start loading the lexers of the common languages on a background thread. The
        window calls this once it is on screen: the loading holds the GIL much of the time
        and would slow the start."""
        load_lexers(COMMON_LANGUAGES)

    def _setup_view(self) -> None:
        view = self.view
        view.customContextMenuRequested.connect(self._on_context_menu)
        view.setModel(self.model)
        view.setItemDelegate(self.delegate)
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)

    # --- theme -----------------------------------------------------------------------------

    @property
    def theme(self) -> str:
        return self._theme

    def set_theme(self, theme: str) -> None:
        if theme == self._theme:
            return
        self._theme = theme
        self._close_editor()
        self.renderer.set_theme(theme)
        self._apply_palette()
        self.view.viewport().update()

    def set_prices(self, prices: dict[str, ModelPrice] | None) -> None:
        """Show each answer's cost at ``prices`` in its stats line (None: no cost)."""
        self.renderer.set_prices(prices)
        self.view.viewport().update()

    def set_text_size(self, points: int) -> None:
        """Show messages at ``points`` (the rest of the window keeps its size)."""
        if points == self.renderer.font.pointSize() or points <= 0:
            return
        self._close_editor()
        font = QFont(self.renderer.font)
        font.setPointSize(points)
        self.renderer.set_font(font)
        self.keeper.reestimate(self.renderer.width)
        self.view.viewport().update()

    def _apply_palette(self) -> None:
        colors = palette(self._theme)
        pal = self.view.palette()
        pal.setColor(QPalette.ColorRole.Base, QColor(colors.base))
        pal.setColor(QPalette.ColorRole.Window, QColor(colors.base))
        pal.setColor(QPalette.ColorRole.Text, QColor(colors.text))
        self.view.setPalette(pal)

    # --- rows ------------------------------------------------------------------------------

    def set_rows(self, rows: list[MessageRow]) -> None:
        """Show a whole branch, scrolled to the bottom."""
        self._pending.clear()
        self._flush_timer.stop()
        self._close_editor()
        self.worker.cancel_where(lambda key: True)
        self.worker.pause_from(None)
        self.renderer.clear()
        self.keeper.set_live(None)
        self._sync_width()
        self.model.set_rows(rows, [self.renderer.estimate(row) for row in rows])
        self.keeper.stick = True
        self.keeper.lay_out_bottom(OPEN_BUDGET_MS)
        self.view.executeDelayedItemsLayout()
        self.keeper.to_bottom()
        self.keeper.start_measuring()

    def append_row(self, row: MessageRow) -> None:
        position = self.model.rowCount()
        self.model.insert_row(position, row, self.renderer.estimate(row))
        self.renderer.docs_for(position, ROW_BUDGET_MS)
        self.keeper.apply_pending()

    def update_row(self, row: MessageRow) -> None:
        """Show a finished or non-live change of a row (status, stats, error, text)."""
        position = self.model.row_of(row.id)
        if position < 0:
            return
        self._close_editor()
        self.model.replace_row(position, row)
        if self.renderer.is_live(row.id):
            self.renderer.refresh_live_chrome(row.id)
        else:
            self.renderer.invalidate(row.id)
            self.renderer.docs_for(position, ROW_BUDGET_MS)
        self.keeper.apply_pending()
        self._repaint_row(row.id)

    def remove_row(self, message_id: str) -> None:
        position = self.model.row_of(message_id)
        if position < 0:
            return
        self._close_editor()
        self._pending.pop(message_id, None)
        if self.keeper.live_id == message_id:
            self.keeper.set_live(None)
        self.renderer.forget(message_id)
        self.model.remove_row(position)
        self._resume_background()

    def rows(self) -> list[MessageRow]:
        return self.model.rows()

    # --- streaming ---------------------------------------------------------------------------

    def start_stream(self, row: MessageRow) -> None:
        """Add (or mark) the live assistant row."""
        position = self.model.row_of(row.id)
        if position < 0:
            self.model.insert_row(self.model.rowCount(), row, self.renderer.estimate(row))
        else:
            self.model.replace_row(position, row)
        self.worker.pause_from(BACKGROUND)
        self.keeper.set_live(row.id)
        self.renderer.start_live(row)
        self.keeper.apply_pending()

    def stream_text(
        self,
        message_id: str,
        content: str,
        reasoning: str = "",
        tool_calls: list[ToolCall] | None = None,
    ) -> None:
        """Take the whole text so far of a live row; shown at the next flush."""
        self._pending[message_id] = (content, reasoning, tool_calls)
        if not self._flush_timer.isActive():
            self._flush_timer.start(self._flush_interval)

    def flush_stream(self) -> None:
        """Show the buffered stream text now (the flush timer calls this, spaced from
        other views' flushes: see :mod:`ui.transcript.flush_slots`)."""
        start = time.perf_counter()
        pending, self._pending = self._pending, {}
        for message_id, (content, reasoning, tool_calls) in pending.items():
            self.renderer.live_update(message_id, content, reasoning, tool_calls)
        self.keeper.apply_pending()
        self.last_flush_ms = (time.perf_counter() - start) * 1000
        self._flush_interval = int(min(MAX_FLUSH_MS, max(FLUSH_MS, 3 * self.last_flush_ms)))
        self._flush_timer.flushed()

    def finish_stream(self, row: MessageRow) -> None:
        """End the live state: the final text is rendered fully, once."""
        self._pending.pop(row.id, None)
        position = self.model.row_of(row.id)
        if position < 0:
            self.model.insert_row(self.model.rowCount(), row, self.renderer.estimate(row))
        else:
            self.model.replace_row(position, row)
        if self.keeper.live_id == row.id:
            self.keeper.set_live(None)
        self.renderer.finish_live(row)
        self.keeper.apply_pending()
        self._resume_background()

    def is_streaming(self) -> bool:
        return self.renderer.has_live()

    def scroll_to_bottom(self) -> None:
        self.view.executeDelayedItemsLayout()
        self.keeper.to_bottom()

    # --- copying -------------------------------------------------------------------------------

    def message_text(self, message_id: str) -> str:
        """The Markdown text of a message as shown now (the streamed text while live)."""
        live = self.renderer.live_text(message_id)
        if live is not None:
            return live
        position = self.model.row_of(message_id)
        return self.model.row_at(position).message.content if position >= 0 else ""

    def copy_message(self, message_id: str, *, markdown: bool = False) -> None:
        text = self.message_text(message_id)
        set_clipboard(text if markdown else plain_text(text))

    def copy_code_block(self, message_id: str, number: int) -> None:
        blocks = code_blocks_of(self.message_text(message_id))
        if 0 <= number < len(blocks):
            set_clipboard(blocks[number])

    def selected_text(self) -> str:
        """The text selected in the open text-selection editor, or ""."""
        editor = self.text_selector()
        if editor is None:
            return ""
        return editor.textCursor().selectedText().replace("\u2029", "\n")

    def select_text(self, message_id: str) -> QTextBrowser | None:
        """Open the read-only text-selection editor over a row."""
        position = self.model.row_of(message_id)
        if position < 0:
            return None
        index = self.model.index(position)
        self.view.setCurrentIndex(index)
        self.view.edit(index)
        editor = self.text_selector()
        if editor is not None:
            editor.setFocus()
        return editor

    def text_selector(self) -> QTextBrowser | None:
        return self.view.viewport().findChild(QTextBrowser, "messageTextSelector")

    def _close_editor(self) -> None:
        editor = self.text_selector()
        if editor is not None:
            self.view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    # --- context menu --------------------------------------------------------------------------

    def context_menu_for(self, message_id: str) -> QMenu:
        """The menu of a row (its actions can be triggered directly)."""
        menu = QMenu(self)
        position = self.model.row_of(message_id)
        role = self.model.row_at(position).message.role if position >= 0 else ""

        def add(text: str, slot: Callable[[], object]) -> QAction:
            action = menu.addAction(text)
            action.triggered.connect(lambda _checked=False: slot())
            return action

        if position >= 0:
            add("Copy", lambda: self.copy_message(message_id))
            add("Copy as Markdown", lambda: self.copy_message(message_id, markdown=True))
            add("Select text…", lambda: self.select_text(message_id))
            menu.addSeparator()
            if role == "user":
                add("Edit", lambda: self.edit_requested.emit(message_id))
            if role == "assistant":
                add("Regenerate", lambda: self.regenerate_requested.emit(message_id))
                message = self.model.row_at(position).message
                for fix in fixes_for(message.error, message.params):
                    add(fix.label, self._fix_slot(message_id, fix.id))
                repeat = menu.addMenu("Repeat the identical request")
                for count in REPEATS:
                    action = repeat.addAction(f"Repeat ×{count}")
                    action.triggered.connect(
                        lambda _=False, n=count: self.answer_action.emit("repeat", message_id, n)
                    )
                add("Repeat report…", lambda: self.answer_action.emit("report", message_id, None))
                add(
                    "Show in the Sampling tab",
                    lambda: self.answer_action.emit("sampling", message_id, None),
                )
            add("Delete", lambda: self.delete_requested.emit(message_id))
            menu.addSeparator()
        add("Copy all", self.copy_all_requested.emit)
        return menu

    def _fix_slot(self, message_id: str, fix_id: str) -> Callable[[], None]:
        return lambda: self.fix_requested.emit(message_id, fix_id)

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        message_id = self.model.row_at(index.row()).id if index.isValid() else ""
        menu = self.context_menu_for(message_id)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # --- links -----------------------------------------------------------------------------------

    def _on_link(self, message_id: str, href: str) -> None:
        scheme, _, rest = href.partition(":")
        if scheme != "chorus":
            if scheme in ("http", "https"):
                self.link_activated.emit(href)
            return
        action, _, arg = rest.partition("/")
        if action == "copy" and arg.isdigit():
            self.copy_code_block(message_id, int(arg))
        elif action == "think":
            self.renderer.toggle_thinking(message_id)
        elif action == "details":
            self.renderer.toggle_details(message_id)
        elif action == "retry":
            self.retry_requested.emit(message_id)
        elif action == "fix" and arg:
            self.fix_requested.emit(message_id, arg)
        elif action == "branch" and arg in ("-1", "1"):
            self.branch_requested.emit(message_id, int(arg))
        elif action == "choice" and arg.isdigit():
            self.choice_requested.emit(message_id, int(arg))
        elif action == "sampling":
            self.answer_action.emit("sampling", message_id, None)
        self.keeper.apply_pending()

    # --- internals -------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.view.viewport():
            if kind == QEvent.Type.Resize:
                self._width_timer.start()
        elif watched is self.view and kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.matches(QKeySequence.StandardKey.Copy):
                index = self.view.currentIndex()
                if index.isValid():
                    self.copy_message(self.model.row_at(index.row()).id)
                    return True
        return super().eventFilter(watched, event)

    def _content_width(self) -> int:
        width = self.view.viewport().width() - 2 * H_PAD
        return max(80, width - width % WIDTH_STEP)

    def _sync_width(self) -> None:
        old = self.renderer.width
        if self.renderer.set_width(self._content_width()):
            self.keeper.reestimate(old)
            self.view.viewport().update()

    def _repaint_row(self, message_id: str, top: int = 0) -> None:
        """Repaint a row from ``top`` (row coordinates) down."""
        position = self.model.row_of(message_id)
        if position >= 0:
            rect = self.view.visualRect(self.model.index(position))
            rect.setTop(rect.top() + top)
            rect = rect.intersected(self.view.viewport().rect())
            if not rect.isEmpty():
                self.view.viewport().update(rect)

    def _resume_background(self) -> None:
        if not self.renderer.has_live():
            self.worker.pause_from(None)
            self.keeper.start_measuring()
