"""Keeps a chat view's row heights current and its scroll position where it belongs.

Heights reported by the renderer are applied in batches (one ``dataChanged`` per run
of rows). While the view is at the bottom it stays there as rows grow; when the person
has scrolled up, a change above the first visible row moves the scroll value by the
same amount, so what they are reading does not move. Rows near the viewport whose
heights are still estimates are measured in the background, nearest first.

A live row (the last row, growing as an answer streams) reserves ``SLACK_PX`` of blank
room below its text, so its stored height, and with it the view's layout and full
repaint, changes only every dozen lines; "the bottom" is then the bottom of its text,
and following it scrolls the viewport pixels (a blit) instead of repainting everything.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from PySide6.QtCore import QObject, QPoint, QTimer
from PySide6.QtWidgets import QTreeView

from ui.render.idle_worker import BACKGROUND, IdleWorker
from ui.render.row_renderer import RowRenderer
from ui.transcript.message_model import MessageModel

STICK_PX = 4  # this close to the bottom counts as "at the bottom"
SLACK_PX = 240  # blank room a growing live row reserves below its text
MEASURE_ABOVE = 48  # rows above the viewport measured in the background
MEASURE_BELOW = 16
ESTIMATE_CHUNK = 200  # rows re-estimated per step after a width change


class ScrollKeeper(QObject):
    """See the module docstring."""

    def __init__(
        self,
        view: QTreeView,
        model: MessageModel,
        renderer: RowRenderer,
        worker: IdleWorker,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.model = model
        self.renderer = renderer
        self.worker = worker
        self.stick = True
        self.live_id: str | None = None  # the growing row that may keep slack
        self.slack = 0  # blank pixels at the end of the list (below the live row's text)
        self._adjusting = False
        self._pending: dict[str, tuple[int, bool]] = {}
        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(0)
        self._apply_timer.timeout.connect(self.apply_pending)
        renderer.height_changed.connect(self.on_height)
        worker.slice_finished.connect(self.apply_pending)
        bar = view.verticalScrollBar()
        bar.valueChanged.connect(self._on_value)
        bar.rangeChanged.connect(self._on_range)

    # --- heights -------------------------------------------------------------------------

    def on_height(self, message_id: str, height: int, measured: bool) -> None:
        self._pending[message_id] = (height, measured)
        if not self._apply_timer.isActive():
            self._apply_timer.start()

    def apply_pending(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        width = self.renderer.width
        changes = []
        for message_id, (height, measured) in pending.items():
            row = self.model.row_of(message_id)
            if row < 0:
                continue
            if message_id == self.live_id and row == self.model.rowCount() - 1:
                stored = self.model.height(row)
                if height <= stored <= height + SLACK_PX:
                    self.slack = stored - height
                    continue
                self.slack = SLACK_PX
                height += SLACK_PX
            changes.append((row, height, width if measured else 0))
        self.apply(changes)
        if not changes and self.stick:
            self.to_bottom()

    def apply(self, changes: Sequence[tuple[int, int, int]]) -> None:
        """Set heights, keeping the bottom or the first visible row in place."""
        if not changes:
            return
        if self.stick:
            self.model.set_heights(changes)
            self.to_bottom()
            return
        bar = self.view.verticalScrollBar()
        anchor = self.view.indexAt(QPoint(0, 0))
        first = anchor.row() if anchor.isValid() else self.model.rowCount()
        value = bar.value()
        changed = self.model.set_heights(changes)
        delta = sum(self.model.height(row) - old for row, old in changed if row < first)
        if delta:
            self._set_value(value + delta)

    def lay_out_bottom(self, budget_ms: float) -> None:
        """Lay out the rows that will be on screen at the bottom, before the first paint."""
        deadline = time.perf_counter() + budget_ms / 1000
        need = self.view.viewport().height()
        total = 0
        for row in range(self.model.rowCount() - 1, -1, -1):
            left = (deadline - time.perf_counter()) * 1000
            if left <= 0:
                break
            docs = self.renderer.docs_for(row, left)
            total += docs.height if docs is not None else self.model.height(row)
            if total >= need:
                break
        self.apply_pending()

    # --- scrolling -----------------------------------------------------------------------

    def set_live(self, message_id: str | None) -> None:
        """Start (or with None, stop) keeping slack below a live row."""
        self.live_id = message_id
        if message_id is None:
            self.slack = 0

    def bottom(self) -> int:
        """The scroll value that shows the end of the text."""
        bar = self.view.verticalScrollBar()
        return max(bar.minimum(), bar.maximum() - self.slack)

    def to_bottom(self) -> None:
        self.stick = True
        self._set_value(self.bottom())

    def _set_value(self, value: int) -> None:
        self._adjusting = True
        try:
            self.view.verticalScrollBar().setValue(value)
        finally:
            self._adjusting = False

    def _on_value(self, value: int) -> None:
        if not self._adjusting:
            self.stick = value >= self.bottom() - STICK_PX

    def _on_range(self, _minimum: int, _maximum: int) -> None:
        if self.stick:
            self._set_value(self.bottom())

    # --- background measuring --------------------------------------------------------------

    def start_measuring(self) -> None:
        self.worker.submit(("measure",), self._iter_measure(), BACKGROUND)

    def visible_rows(self) -> tuple[int, int]:
        """First and last row meeting the viewport ((0, -1) when empty)."""
        count = self.model.rowCount()
        if count == 0:
            return 0, -1
        top = self.view.indexAt(QPoint(0, 0))
        bottom = self.view.indexAt(QPoint(0, self.view.viewport().height() - 1))
        first = top.row() if top.isValid() else 0
        last = bottom.row() if bottom.isValid() else count - 1
        return first, max(first, last)

    def _next_unmeasured(self, tried: set[str]) -> int:
        first, last = self.visible_rows()
        count = self.model.rowCount()
        width = self.renderer.width
        order = list(range(first, last + 1))
        for d in range(1, MEASURE_ABOVE + 1):
            order.append(first - d)
            if d <= MEASURE_BELOW:
                order.append(last + d)
        for row in order:
            if 0 <= row < count and self.model.exact_width(row) != width:
                item = self.model.row_at(row)
                if item.id not in tried and not self.renderer.is_live(item.id):
                    return row
        return -1

    def _iter_measure(self) -> Iterator[None]:
        tried: set[str] = set()
        while True:
            row = self._next_unmeasured(tried)
            if row < 0:
                return
            message_id = self.model.row_at(row).id
            tried.add(message_id)
            yield from self.renderer.iter_measure(message_id)
            yield

    def reestimate(self, old_width: int) -> None:
        """After a width change: scale every row's height, nearest the bottom first."""
        self.model.mark_estimated()
        self.worker.submit(("estimate",), self._iter_reestimate(old_width), BACKGROUND - 1)

    def _iter_reestimate(self, old_width: int) -> Iterator[None]:
        model, renderer = self.model, self.renderer
        row = model.rowCount()
        while row > 0:
            start = max(0, row - ESTIMATE_CHUNK)
            changes = []
            for r in range(start, min(row, model.rowCount())):
                if model.exact_width(r) == renderer.width:
                    continue
                item = model.row_at(r)
                old_guess = max(1, renderer.estimate(item, old_width))
                guess = renderer.estimate(item)
                changes.append((r, int(guess * model.height(r) / old_guess), 0))
            self.apply(changes)
            row = start
            yield
        self.start_measuring()
