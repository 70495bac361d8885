"""Builds, caches and updates the documents of message rows.

Finished rows are built by generator jobs (see :mod:`ui.render.idle_worker`): parse in
steps, one document per step. A row needed for painting is built at once within a time
budget; what is left goes on in idle slices while the row shows what it has. The
rendered body (HTML parts) is kept in the model; the documents are kept for the most
recently painted rows only (a bounded LRU).

The live row (an answer streaming in) keeps one :class:`MarkdownParts` and one
:class:`RowDocs`: each update re-renders only the open last block and adds documents
for blocks that just closed. Long code blocks are highlighted by jobs, one part per step.

Heights are reported with ``height_changed(message id, height)`` when a row has been
laid out at the current width and when a live row's height changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont, QFontMetricsF

from core.chat import ToolCall
from core.pricing import ModelPrice, cost_text
from ui.render.highlight import iter_highlight_lines
from ui.render.idle_worker import NORMAL, URGENT, IdleWorker
from ui.render.live_markdown import MarkdownParts, PendingHighlight, build_parts, iter_build_parts
from ui.render.row_content import LiveRow, RowBody, chrome_parts, estimate_height
from ui.render.row_documents import RowDocs
from ui.render.row_html import body_source, shown
from ui.transcript.message_model import MessageModel, MessageRow

CACHE_ROWS = 64  # rows whose documents are kept
CATCH_UP_CHARS = 16_384  # a live row given more new text than this renders it in steps


class RowRenderer(QObject):
    """Documents for the rows of one :class:`MessageModel`; see the module docstring."""

    height_changed = Signal(str, int, bool)  # message id, height, measured
    repaint_requested = Signal(str, int)  # message id, top (row coordinates)

    def __init__(
        self,
        model: MessageModel,
        worker: IdleWorker,
        font: QFont,
        theme: str = "light",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.worker = worker
        self.font = QFont(font)
        self.theme = theme
        self.width = 600
        self.thinking_open: set[str] = set()
        self.details_open: set[str] = set()
        self.prices: dict[str, ModelPrice] | None = None  # None: no cost in the stats line
        self._cache: OrderedDict[str, RowDocs] = OrderedDict()
        self._live: dict[str, LiveRow] = {}
        metrics = QFontMetricsF(self.font)
        self._line = metrics.lineSpacing()
        self._char = max(1.0, metrics.averageCharWidth())

    # --- configuration -------------------------------------------------------------------

    def set_theme(self, theme: str) -> None:
        if theme == self.theme:
            return
        self.theme = theme
        self._drop_all()
        for live in self._live.values():
            self._restart_live(live)

    def set_prices(self, prices: dict[str, ModelPrice] | None) -> None:
        """Put each answer's cost at these prices in its stats line (None: no cost)."""
        if prices == self.prices:
            return
        self.prices = None if prices is None else dict(prices)
        self._cache.clear()
        self.worker.cancel_where(lambda key: isinstance(key, tuple) and key[0] == "build")
        for message_id in list(self._live):
            self.refresh_live_chrome(message_id)

    def set_font(self, font: QFont) -> None:
        """Lay rows out in ``font`` from now on (the rendered bodies stay valid)."""
        self.font = QFont(font)
        metrics = QFontMetricsF(self.font)
        self._line = metrics.lineSpacing()
        self._char = max(1.0, metrics.averageCharWidth())
        self._cache.clear()
        self.worker.cancel_where(lambda key: isinstance(key, tuple) and key[0] == "build")
        for live in self._live.values():
            self._restart_live(live)

    def set_width(self, width: int) -> bool:
        """Lay rows out at ``width`` from now on; True if it changed."""
        width = max(80, width)
        if width == self.width:
            return False
        self.width = width
        self._cache.clear()
        self.worker.cancel_where(lambda key: isinstance(key, tuple) and key[0] == "build")
        for live in self._live.values():
            self.worker.submit(("width", live.message.id), self._iter_relayout(live), URGENT)
        return True

    def toggle_thinking(self, message_id: str) -> None:
        self.thinking_open ^= {message_id}
        self._refresh(message_id)

    def toggle_details(self, message_id: str) -> None:
        self.details_open ^= {message_id}
        self._refresh(message_id)

    def invalidate(self, message_id: str) -> None:
        """The message changed: its documents and rendered body are rebuilt when needed."""
        self._cache.pop(message_id, None)
        self.worker.cancel(("build", message_id))
        self.model.set_body(message_id, self.theme, None)

    def forget(self, message_id: str) -> None:
        self.invalidate(message_id)
        self._live.pop(message_id, None)
        self.worker.cancel_where(lambda key: isinstance(key, tuple) and message_id in key)

    def clear(self) -> None:
        self._live.clear()
        self._drop_all()

    # --- documents -----------------------------------------------------------------------

    def cached(self, message_id: str) -> RowDocs | None:
        live = self._live.get(message_id)
        if live is not None:
            return live.docs
        docs = self._cache.get(message_id)
        if docs is not None and docs.width == self.width and docs.theme == self.theme:
            return docs
        return None

    def docs_for(self, row: int, budget_ms: float) -> RowDocs | None:
        """The documents of ``row``, built now within ``budget_ms`` (the rest later)."""
        message_id = self.model.row_at(row).id
        docs = self.cached(message_id)
        if docs is not None:
            if message_id in self._cache:
                self._cache.move_to_end(message_id)
            return docs
        self.ensure_build(message_id, URGENT)
        self.worker.run(("build", message_id), budget_ms)
        return self.cached(message_id)

    def ensure_build(self, message_id: str, priority: int) -> bool:
        """Queue a build of the row unless its documents are there; True if queued."""
        key = ("build", message_id)
        if self.cached(message_id) is not None and not self.worker.has(key):
            return False
        if self.worker.has(key):
            self.worker.set_priority(key, priority)
        else:
            self.worker.submit(key, self._iter_build(message_id), priority)
        return True

    def body_html(self, message_id: str) -> str:
        """The body of a message as one HTML text (for the text-selection editor)."""
        live = self._live.get(message_id)
        if live is not None:
            return "".join(part.html for part in live.body.all_parts())
        body = self.model.body(message_id, self.theme)
        if isinstance(body, RowBody):
            return body.html
        row = self.model.row_of(message_id)
        if row < 0:
            return ""
        parts = build_parts(body_source(self.model.row_at(row).message), self.theme)
        return "".join(part.html for part in parts.parts)

    def live_text(self, message_id: str) -> str | None:
        """The text shown so far in a live row, or None if the row is not live."""
        live = self._live.get(message_id)
        return live.content if live is not None else None

    def estimate(self, item: MessageRow, width: int | None = None) -> int:
        """A quick guess at a row's height from its text, before it is laid out."""
        return estimate_height(item.message, width or self.width, self._line, self._char)

    # --- live rows -----------------------------------------------------------------------

    def is_live(self, message_id: str) -> bool:
        return message_id in self._live

    def has_live(self) -> bool:
        return bool(self._live)

    def refresh_live_chrome(self, message_id: str) -> None:
        """The live row's message changed (not its streamed text): redo its header/footer."""
        live = self._live.get(message_id)
        row = self.model.row_of(message_id)
        if live is None or row < 0:
            return
        live.message = self.model.row_at(row).message
        if self._sync_chrome(live.docs, self.model.row_at(row), live):
            self.height_changed.emit(message_id, live.docs.stack(), True)
            self.repaint_requested.emit(message_id, 0)

    def start_live(self, item: MessageRow) -> None:
        self.invalidate(item.id)
        docs = RowDocs(self.width, self.theme, self.font)
        live = LiveRow(item.message, MarkdownParts(self.theme), MarkdownParts(self.theme), docs)
        self._live[item.id] = live
        self._sync_chrome(docs, item, live)
        if item.message.content or item.message.reasoning:
            live.content, live.reasoning = item.message.content, item.message.reasoning
            self._restart_live(live)
        self.height_changed.emit(item.id, docs.stack(), True)

    def live_update(
        self,
        message_id: str,
        content: str,
        reasoning: str = "",
        tool_calls: Sequence[ToolCall] | None = None,
    ) -> None:
        """Show the text so far of a live row (cost: the open block, not the message)."""
        live = self._live.get(message_id)
        if live is None:
            return
        live.content, live.reasoning = content, reasoning
        if tool_calls is not None:
            live.tool_calls = list(tool_calls)
        if not live.ready:
            return
        text = shown(content)
        if len(text) - len(live.body.text) > CATCH_UP_CHARS:
            # A huge jump (one enormous event) is rendered in steps, not in one go.
            live.ready = False
            self.worker.submit(("live", message_id), self._iter_catch_up(live), URGENT)
            return
        docs = live.docs
        live.body.update(text)
        changed = docs.sync("body", live.body.all_parts())
        if message_id in self.thinking_open and reasoning:
            live.think.update(shown(reasoning))
            changed |= docs.sync("think", live.think.all_parts())
        row = self.model.row_of(message_id)
        if row >= 0:
            changed |= self._sync_chrome(docs, self.model.row_at(row), live)
        self._queue_highlights(message_id, live.body)
        if changed:
            old = docs.height
            if docs.stack() != old:
                self.height_changed.emit(message_id, docs.height, True)
            top = docs.take_dirty_top()
            if top >= 0:
                self.repaint_requested.emit(message_id, top)

    def finish_live(self, item: MessageRow) -> None:
        """End the live state of a row: its final text is rendered once, fully."""
        live = self._live.pop(item.id, None)
        self.worker.cancel(("live", item.id))
        self.worker.cancel(("width", item.id))
        message = item.message
        if live is None or not live.ready or not message.content.startswith(live.body.text):
            self.invalidate(item.id)
            self.height_changed.emit(item.id, self.estimate(item), False)
            self.repaint_requested.emit(item.id, 0)
            return
        docs = live.docs
        live.body.finish(shown(message.content))
        docs.sync("body", live.body.parts)
        if item.id in self.thinking_open and message.reasoning:
            live.think.finish(shown(message.reasoning))
            docs.sync("think", live.think.parts)
        self._sync_chrome(docs, item, None)
        self._queue_highlights(item.id, live.body)
        self.model.set_body(item.id, self.theme, RowBody(tuple(live.body.parts), live.body))
        docs.complete = True
        self._store(item.id, docs)
        self.height_changed.emit(item.id, docs.stack(), True)
        self.repaint_requested.emit(item.id, 0)

    # --- jobs ----------------------------------------------------------------------------

    def iter_measure(self, message_id: str) -> Iterator[None]:
        """Lay a row out to learn its height, without keeping its documents."""
        if self.cached(message_id) is None:
            yield from self._iter_build(message_id, keep=False)

    def _iter_build(self, message_id: str, keep: bool = True) -> Iterator[None]:
        row = self.model.row_of(message_id)
        if row < 0:
            return
        item = self.model.row_at(row)
        message = item.message
        docs = RowDocs(self.width, self.theme, self.font)
        docs.complete = False
        if keep:
            self._store(message_id, docs)
        self._sync_chrome(docs, item, None)
        body = self.model.body(message_id, docs.theme)
        if not isinstance(body, RowBody):
            parts = yield from iter_build_parts(body_source(message), docs.theme)
            body = RowBody(tuple(parts.parts), parts)
            self.model.set_body(message_id, docs.theme, body)
            self._queue_highlights(message_id, parts)
        yield from docs.iter_sync("body", body.parts)
        if message_id in self.thinking_open and message.reasoning:
            think = yield from iter_build_parts(shown(message.reasoning), docs.theme)
            yield from docs.iter_sync("think", think.parts)
        docs.complete = True
        if not keep:
            if docs.width == self.width and docs.theme == self.theme:
                self.height_changed.emit(message_id, docs.stack(), True)
        elif self.cached(message_id) is docs:
            self.height_changed.emit(message_id, docs.stack(), True)
            self.repaint_requested.emit(message_id, 0)

    def _queue_highlights(self, message_id: str, parts: MarkdownParts) -> None:
        for job in parts.take_highlights():
            key = ("highlight", message_id, id(parts), job.fence, job.generation)
            self.worker.submit(key, self._iter_highlight(message_id, parts, job), NORMAL)

    def _iter_highlight(
        self, message_id: str, parts: MarkdownParts, job: PendingHighlight
    ) -> Iterator[float | None]:
        lines = yield from iter_highlight_lines(job.code, job.lang, parts.theme)
        for k in range(job.part_count):
            index = parts.highlight_part(job, lines, k)
            if index < 0:
                return
            live = self._live.get(message_id)
            docs = live.docs if live is not None and live.body is parts else None
            if docs is None:
                body = self.model.body(message_id, parts.theme)
                if isinstance(body, RowBody) and body.source is parts:
                    self.model.set_body(message_id, parts.theme, RowBody(tuple(parts.parts), parts))
                    docs = self.cached(message_id)
            if docs is not None and docs.theme == parts.theme:
                docs.replace("body", index, parts.parts[index])
                old = docs.height
                if docs.stack() != old:
                    self.height_changed.emit(message_id, docs.height, True)
                self.repaint_requested.emit(message_id, max(0, docs.take_dirty_top()))
            yield None

    def _iter_catch_up(self, live: LiveRow) -> Iterator[None]:
        """Feed a live row the text it already has in steps, then let updates through."""
        body = live.body
        text = shown(live.content)
        pos = len(body.text)
        while len(text) - pos > 4096:
            cut = text.find("\n", pos + 4096)
            if cut == -1:
                break
            pos = cut + 1
            body.update(text[:pos])
            yield from live.docs.iter_sync("body", body.parts)
        live.ready = True
        self.live_update(live.message.id, live.content, live.reasoning, live.tool_calls)

    def _iter_relayout(self, live: LiveRow) -> Iterator[None]:
        docs = live.docs
        docs.width = self.width
        for item in list(docs.flat):
            if item.doc.textWidth() != docs.width:
                item.doc.setTextWidth(docs.width)
                item.height = int(item.doc.documentLayout().documentSize().height() + 0.999)
                yield
        self.height_changed.emit(live.message.id, docs.stack(), True)
        self.repaint_requested.emit(live.message.id, 0)

    # --- helpers -------------------------------------------------------------------------

    def _restart_live(self, live: LiveRow) -> None:
        live.body = MarkdownParts(self.theme)
        live.think = MarkdownParts(self.theme)
        live.docs = RowDocs(self.width, self.theme, self.font)
        live.ready = False
        row = self.model.row_of(live.message.id)
        if row >= 0:
            self._sync_chrome(live.docs, self.model.row_at(row), live)
        self.worker.submit(("live", live.message.id), self._iter_catch_up(live), URGENT)

    def _sync_chrome(self, docs: RowDocs, item: MessageRow, live: LiveRow | None) -> bool:
        cost = "" if self.prices is None else cost_text(item.message, self.prices)
        head, tools, foot = chrome_parts(
            item,
            live,
            docs.theme,
            thinking=item.id in self.thinking_open,
            details=item.id in self.details_open,
            cost=cost,
        )
        changed = docs.sync("head", head)
        changed |= docs.sync("tools", tools)
        changed |= docs.sync("foot", foot)
        return changed

    def _refresh(self, message_id: str) -> None:
        live = self._live.get(message_id)
        if live is not None:
            live.think = MarkdownParts(self.theme)
            live.docs.sync("think", [])
            self.live_update(message_id, live.content, live.reasoning, live.tool_calls)
            row = self.model.row_of(message_id)
            if row >= 0:
                self._sync_chrome(live.docs, self.model.row_at(row), live)
            self.height_changed.emit(message_id, live.docs.stack(), True)
            self.repaint_requested.emit(message_id, 0)
            return
        self._cache.pop(message_id, None)
        self.worker.cancel(("build", message_id))
        self.repaint_requested.emit(message_id, 0)

    def _store(self, message_id: str, docs: RowDocs) -> None:
        self._cache[message_id] = docs
        self._cache.move_to_end(message_id)
        while len(self._cache) > CACHE_ROWS:
            old, _ = self._cache.popitem(last=False)
            self.worker.cancel(("build", old))

    def _drop_all(self) -> None:
        self._cache.clear()
        self.model.clear_bodies()
        self.worker.cancel_where(lambda key: isinstance(key, tuple) and key[0] != "live")
