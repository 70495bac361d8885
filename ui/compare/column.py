"""One column of a comparison: a :class:`CompareColumnHeader` over a :class:`ChatView`,
and under it the column's :class:`ToolCallsPanel` (the tool calls waiting for a result).

The column's parameter toggle opens an inline :class:`ParamsPanel` above the messages
(built on first use) holding this column's full parameter set; a change there is
reported as ``params_changed(column_id, params)``. The owner works out which of them
differ from the shared set and shows that with :meth:`set_overrides`.

Signals: every signal of the column carries its ``column_id`` first, so an owner can
connect many columns to one slot (or signal) without closures. The header's clicks
and the chat view's per-message requests are re-emitted that way; the rows, streaming
and scrolling of the messages are driven through :attr:`view` (a plain ChatView).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from core.chat import Chat, ErrorInfo, Stats
from core.compare import last_answer
from core.pricing import ModelPrice, cost_text, total_cost
from ui.compare.column_header import CompareColumnHeader
from ui.params.panel import ParamsPanel
from ui.tools.panel import ToolCallsPanel
from ui.transcript.chat_view import ChatView

MIN_COLUMN_WIDTH = 320
PANEL_SHARE = 0.45  # part of the column's height the parameter panel opens with


class CompareColumn(QWidget):
    """See the module docstring."""

    # from the header
    model_clicked = Signal(str)  # column id
    stop_requested = Signal(str)
    regenerate_requested = Signal(str)
    duplicate_requested = Signal(str)
    move_requested = Signal(str, int)  # column id, -1 / +1
    continue_requested = Signal(str)
    remove_requested = Signal(str)
    # from the inline parameter panel
    params_changed = Signal(str, dict)  # column id, the column's full parameters
    # from the chat view
    retry_requested = Signal(str, str)  # column id, message id
    fix_requested = Signal(str, str, str)  # column id, message id, fix id
    message_regenerate_requested = Signal(str, str)  # column id, message id
    edit_requested = Signal(str, str)
    delete_requested = Signal(str, str)
    branch_requested = Signal(str, str, int)  # column id, message id, +1 / -1
    choice_requested = Signal(str, str, int)  # column id, message id, choice index
    link_activated = Signal(str)  # an external http(s) link
    copy_all_requested = Signal()
    # a person scrolled the messages: column id, position as a fraction of the text
    scrolled = Signal(str, float)

    def __init__(
        self,
        column_id: str,
        model: str = "",
        theme: str = "light",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareColumn")
        self.setMinimumWidth(MIN_COLUMN_WIDTH)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self.column_id = column_id
        self._model = model
        self._params: dict[str, object] = {}
        self._sources: dict[str, str] = {}
        self.params_panel: ParamsPanel | None = None

        self.header = CompareColumnHeader(self)
        self.view = ChatView(theme, self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        self.merge_note = QLabel(self)
        self.merge_note.setObjectName("compareMergeNote")
        self.merge_note.setContentsMargins(8, 0, 8, 2)
        self.merge_note.hide()
        layout.addWidget(self.merge_note)
        layout.addWidget(self.splitter, 1)
        self.tool_panel = ToolCallsPanel(self)
        layout.addWidget(self.tool_panel)

        self._connect_header()
        self._connect_view()
        self.header.set_model(model)

    def _connect_header(self) -> None:
        header, cid = self.header, self.column_id
        header.model_clicked.connect(lambda: self.model_clicked.emit(cid))
        header.stop_requested.connect(lambda: self.stop_requested.emit(cid))
        header.regenerate_requested.connect(lambda: self.regenerate_requested.emit(cid))
        header.duplicate_requested.connect(lambda: self.duplicate_requested.emit(cid))
        header.move_requested.connect(lambda step: self.move_requested.emit(cid, step))
        header.continue_requested.connect(lambda: self.continue_requested.emit(cid))
        header.remove_requested.connect(lambda: self.remove_requested.emit(cid))
        header.params_clicked.connect(self.toggle_params)

    def _connect_view(self) -> None:
        view, cid = self.view, self.column_id
        view.retry_requested.connect(lambda mid: self.retry_requested.emit(cid, mid))
        view.fix_requested.connect(lambda mid, fix: self.fix_requested.emit(cid, mid, fix))
        view.regenerate_requested.connect(
            lambda mid: self.message_regenerate_requested.emit(cid, mid)
        )
        view.edit_requested.connect(lambda mid: self.edit_requested.emit(cid, mid))
        view.delete_requested.connect(lambda mid: self.delete_requested.emit(cid, mid))
        view.branch_requested.connect(lambda mid, step: self.branch_requested.emit(cid, mid, step))
        view.choice_requested.connect(
            lambda mid, index: self.choice_requested.emit(cid, mid, index)
        )
        view.link_activated.connect(self.link_activated)
        view.copy_all_requested.connect(self.copy_all_requested)
        view.view.verticalScrollBar().actionTriggered.connect(self._on_scroll_action)

    # --- header state ---------------------------------------------------------------------

    def model(self) -> str:
        return self._model

    def set_model(self, model: str) -> None:
        self._model = model
        self.header.set_model(model)
        if self.params_panel is not None:
            self.params_panel.set_model(model)

    def set_merge_note(self, text: str) -> None:
        """Mark the column as a merge ("Merge of Column 1 + Column 2 (fuse)"), or not."""
        self.merge_note.setText(f"⧉ {text}" if text else "")
        self.merge_note.setToolTip(text)
        self.merge_note.setVisible(bool(text))

    def set_overrides(self, names: Iterable[str]) -> None:
        self.header.set_overrides(names)

    def set_stats(
        self,
        stats: Stats | None,
        error: ErrorInfo | None = None,
        *,
        cost: str = "",
        total: str = "",
    ) -> None:
        self.header.set_stats(stats, error, cost=cost, total=total)

    def show_stats_of(self, thread: Chat, prices: Mapping[str, ModelPrice]) -> None:
        """The header's stats line: the last answer's figures and cost (or its error),
        and in its tooltip what the whole column cost."""
        answer = last_answer(thread)
        if answer is None:
            self.set_stats(None)
            return
        self.set_stats(
            answer.stats,
            answer.error if answer.status == "error" else None,
            cost=cost_text(answer, prices),
            total=total_cost(thread.messages, prices).text(),
        )

    def set_marks(self, marks: Iterable[str]) -> None:
        self.header.set_marks(marks)

    def set_generating(self, generating: bool) -> None:
        self.header.set_generating(generating)

    def set_theme(self, theme: str) -> None:
        self.view.set_theme(theme)

    # --- parameters -----------------------------------------------------------------------

    def params(self) -> dict[str, object]:
        """The column's full parameter set as last given or changed."""
        return dict(self._params)

    def set_params(self, params: Mapping[str, object]) -> None:
        """Show the column's full parameter set (no ``params_changed``)."""
        self._params = dict(params)
        if self.params_panel is not None:
            self.params_panel.set_values(self._params)
            self.params_panel.set_sources(self._sources)

    def set_sources(self, sources: Mapping[str, str]) -> None:
        """Where each of the column's values comes from, shown beside it in its panel."""
        self._sources = dict(sources)
        if self.params_panel is not None:
            self.params_panel.set_sources(self._sources)

    def params_open(self) -> bool:
        return self.params_panel is not None and not self.params_panel.isHidden()

    def toggle_params(self) -> None:
        self.show_params(not self.params_open())

    def show_params(self, shown: bool) -> None:
        """Open or close the inline parameter panel (built the first time it opens)."""
        if shown and self.params_panel is None:
            self.params_panel = self._build_panel()
        if self.params_panel is not None:
            self.params_panel.setVisible(shown)
            if shown:
                total = max(1, self.splitter.height())
                panel = int(total * PANEL_SHARE)
                self.splitter.setSizes([panel, total - panel])
            else:
                self.params_panel.flush()
        self.header.set_params_open(shown)

    def _build_panel(self) -> ParamsPanel:
        panel = ParamsPanel()
        panel.setObjectName("compareColumnParams")
        panel.presets.hide()  # presets apply to the shared set, in the window's panel
        panel.set_model(self._model)
        panel.set_values(self._params)
        panel.set_sources(self._sources)
        panel.params_changed.connect(self._on_panel_changed)
        self.splitter.insertWidget(0, panel)
        return panel

    def _on_panel_changed(self, values: dict[str, object]) -> None:
        self._params = dict(values)
        self.params_changed.emit(self.column_id, dict(values))

    # --- scrolling ------------------------------------------------------------------------

    def scroll_fraction(self) -> float:
        """Where the messages are scrolled: 0 at the top, 1 at the end of the text."""
        bar = self.view.view.verticalScrollBar()
        return self._fraction(bar.sliderPosition())

    def set_scroll_fraction(self, fraction: float) -> None:
        """Scroll to ``fraction`` of the text (no ``scrolled`` signal)."""
        bar = self.view.view.verticalScrollBar()
        end = self.view.keeper.bottom()
        bar.setValue(bar.minimum() + round(min(1.0, max(0.0, fraction)) * (end - bar.minimum())))

    def _fraction(self, position: int) -> float:
        bar = self.view.view.verticalScrollBar()
        end = self.view.keeper.bottom()
        if end <= bar.minimum():
            return 0.0
        return min(1.0, max(0.0, (position - bar.minimum()) / (end - bar.minimum())))

    def _on_scroll_action(self, _action: int) -> None:
        """A person moved the scroll bar (wheel, drag, click, keys on the bar)."""
        position = self.view.view.verticalScrollBar().sliderPosition()
        self.scrolled.emit(self.column_id, self._fraction(position))
