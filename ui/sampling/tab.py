"""The Sampling tab in the window: which answer it shows, and what its buttons ask.

:class:`SamplingTab` follows the page on screen: the answer streaming in (the chat's,
or the focused column's), the answer that just finished, the last answer of a chat
that was opened, or the one a person asked for ("Heat map" under an answer). A click
on a candidate asks the page for a branch from that token, "Repeat ×k" for the
identical request again; the report on an answer's repeats opens in a
:class:`RepeatDialog` that follows them while they run.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTabWidget, QWidget
from shiboken6 import isValid

from core.chat import Chat, Message, TokenLogprob
from ui.sampling.repeat_dialog import RepeatDialog, answers_of
from ui.sampling.sampling_view import SamplingView
from ui.shell.page import Page


class SamplingTab(QObject):
    def __init__(
        self,
        view: SamplingView,
        tabs: QTabWidget,
        current_page: Callable[[], Page | None],
        parent_widget: QWidget,
    ) -> None:
        super().__init__(parent_widget)
        self.view = view
        self.tabs = tabs
        self._page = current_page
        self._parent = parent_widget
        self.reports: dict[str, RepeatDialog] = {}
        self._closed: set[str] = set()  # reports closed while their repeats still ran
        view.branch_requested.connect(self._branch)
        view.repeat_requested.connect(self._repeat)

    def attach(self, page: Page) -> None:
        page.answer_finished.connect(lambda m, p=page: self._finished(p, m))
        page.answer_streaming.connect(lambda m, e, p=page: self._streaming(p, m, e))
        page.sampling_requested.connect(lambda m, p=page: self.show_answer(p, m, reveal=True))
        page.repeats_changed.connect(self._repeats_changed)
        page.report_requested.connect(lambda t, m: self.open_report(t, m))

    # --- which answer ---------------------------------------------------------------

    def page_shown(self, page: Page) -> None:
        """Another page, chat or comparison is on screen: show its last answer."""
        answer = page.last_answer()
        if answer is None or answer.id != self.view.message_id():
            self.show_answer(page, answer)

    def show_answer(self, page: Page, message: Message | None, *, reveal: bool = False) -> None:
        if page is not self._page():
            return
        self.view.set_answer(message)
        self.refresh_note()
        if reveal:
            self.tabs.show()
            self.tabs.setCurrentWidget(self.view)

    def refresh_note(self) -> None:
        page, shown = self._page(), self.view.message_id()
        if page is not None and shown is not None:
            self.view.set_branch_note(page.branch_note(shown))

    def _streaming(self, page: Page, message: Message, entries: list[TokenLogprob]) -> None:
        if page is self._page():
            self.view.show_live(message, entries)

    def _finished(self, page: Page, message: Message) -> None:
        if page is not self._page() or not page.follows(message):
            return
        shown = self.view.message_id()
        if self.view.is_live() and shown is not None and shown != message.id:
            found = page.find_answer(shown)
            if found is not None and found[1].status == "streaming":
                return  # another answer streams on: keep following it
        self.show_answer(page, message)

    # --- what the tab asks for --------------------------------------------------------------

    def _branch(self, message_id: str, index: int, token: str) -> None:
        page = self._page()
        if page is not None:
            page.branch_from_token(message_id, index, token)

    def _repeat(self, message_id: str, count: int) -> None:
        page = self._page()
        if page is not None:
            page.repeat(message_id, count)

    # --- repeat reports ---------------------------------------------------------------------

    def open_report(self, thread: Chat, original: Message) -> RepeatDialog:
        """The report on ``original``'s repeats (brought up if it is open)."""
        original = self._original(thread, original)
        dialog = self.reports.get(original.id)
        if dialog is None or not isValid(dialog):
            dialog = RepeatDialog(self._parent)
            dialog.show_requested.connect(self._show_message)
            dialog.finished.connect(
                lambda _r, key=original.id, d=dialog: self._report_closed(key, d)
            )
            self.reports[original.id] = dialog
        self._closed.discard(original.id)
        dialog.set_answers(thread, original)
        dialog.show()
        dialog.raise_()
        return dialog

    def _original(self, thread: Chat, message: Message) -> Message:
        """The answer whose request ``message`` repeats (itself when it is no repeat)."""
        if message.repeat_of:
            return thread.by_id().get(message.repeat_of, message)
        return message

    def _repeats_changed(self, thread: Chat, original: Message) -> None:
        dialog = self.reports.get(original.id)
        if dialog is not None and isValid(dialog) and dialog.isVisible():
            dialog.set_answers(thread, original)
            return
        running = any(a.status == "streaming" for a in answers_of(thread, original)[1:])
        if running and original.id not in self._closed:
            self.open_report(thread, original)

    def _report_closed(self, key: str, dialog: RepeatDialog) -> None:
        self._closed.add(key)
        if self.reports.get(key) is dialog:
            del self.reports[key]
        dialog.deleteLater()

    def _show_message(self, message_id: str) -> None:
        page = self._page()
        if page is not None:
            page.show_message(message_id)
            found = page.find_answer(message_id)
            if found is not None:
                self.show_answer(page, found[1])
