"""The arena page: a blind battle between models drawn from a pool, then a vote.

The composer asks every slot at once; the slots are "Model A", "Model B"… in a random
order per battle, each model sent with its own saved parameters. Until the vote nothing
on this page, in the window's title, header, Request tab or messages names a model. Keys
1, 2, 3, 4 vote (A better, B better, tie, both bad) while the page has the focus.
"""

from __future__ import annotations

import random

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCompleter,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from core import param_stack
from core.arena import battle as arena
from core.arena.battle import ArenaError
from core.chat import Chat, ImagePart, Message
from core.compare import last_answer
from core.export import chat_to_markdown
from core.request import build_body, to_api_messages
from ui.arena.column import ArenaColumn
from ui.arena.controller import ArenaController
from ui.arena.leaderboard import LeaderboardDialog
from ui.arena.merge import open_merge, why_not_merge
from ui.arena.pool_dialog import PoolDialog
from ui.arena.vote_bar import VoteBar, vote_labels
from ui.common.clipboard import set_clipboard
from ui.common.services import Services
from ui.shell.page import Command, Heading, Page, Preview
from ui.transcript.message_model import MessageRow

NO_BATTLE = "Start a battle first (Ctrl+Shift+A)."
BEFORE_VOTE = "Vote first: this would show the models' names."
PLACEHOLDER_MODEL = "(drawn when the battle starts)"


class ArenaPage(Page):
    name = "arena"
    show_requested = Signal()  # a battle was reopened from the leaderboard
    # after the vote: a comparison made from the battle, its column ids to merge, the
    # merging model, the recipe's name and text (the window shows it and merges there)
    merge_requested = Signal(object, list, str, str, str)

    def __init__(
        self,
        controller: ArenaController,
        services: Services,
        theme: str,
        parent: QWidget | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.services = services
        self.notifier = controller.runner.notifier
        self.rng = rng or random.SystemRandom()
        self._theme = theme
        self._widget = QWidget(parent)
        self._widget.setObjectName("arenaPage")
        self.columns: list[ArenaColumn] = []

        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 2)
        self.new_button = QPushButton("New battle", self._widget)
        self.new_button.setToolTip("Draw new models from the pool (Ctrl+Shift+A)")
        self.new_button.clicked.connect(self.new_battle)
        self.pool_button = QPushButton(self._widget)
        self.pool_button.setObjectName("arenaPoolButton")
        self.pool_button.clicked.connect(self.choose_pool)
        self.slots = QSpinBox(self._widget)
        self.slots.setRange(arena.MIN_SLOTS, arena.MAX_SLOTS)
        self.slots.setValue(services.settings.arena_slots)
        self.slots.setPrefix("Models per battle: ")
        self.slots.setToolTip("How many models the next battle draws")
        self.slots.valueChanged.connect(lambda n: self.services.prefs.set(arena_slots=n))
        self.tags = QLineEdit(self._widget)
        self.tags.setObjectName("arenaTags")
        self.tags.setPlaceholderText("Tags: coding, writing… (comma-separated)")
        self.tags.setToolTip("Tag this battle, before or after the vote")
        self.tags.editingFinished.connect(self._tags_edited)
        self.board_button = QPushButton("Leaderboard", self._widget)
        self.board_button.setToolTip("Ratings from every vote (Ctrl+Shift+L)")
        self.board_button.clicked.connect(lambda: self.show_leaderboard(self._widget))
        self.leaderboard: LeaderboardDialog | None = None
        self.merge_dialog: QDialog | None = None  # the last merge dialog opened
        for widget in (self.new_button, self.pool_button, self.slots):
            bar.addWidget(widget)
        bar.addWidget(self.tags, 1)
        bar.addWidget(self.board_button)

        self.row = QWidget(self._widget)
        self.row.setObjectName("arenaColumns")
        self._row_layout = QHBoxLayout(self.row)
        self._row_layout.setContentsMargins(0, 0, 0, 0)
        self._row_layout.setSpacing(1)
        self.empty = QLabel(
            "Ask a question to start a battle: two models from your pool answer as "
            "Model A and Model B. Vote with 1 2 3 4; the names show after the vote.",
            self.row,
        )
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._row_layout.addWidget(self.empty)
        self.vote_bar = VoteBar(self._widget)
        self.vote_bar.voted.connect(self.vote)
        self.vote_bar.continue_requested.connect(self._continue)
        self.vote_bar.next_requested.connect(self.new_battle)
        self.vote_bar.merge_requested.connect(self.merge_answers)

        layout = QVBoxLayout(self._widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.row, 1)
        layout.addWidget(self.vote_bar)
        self._shortcuts = []
        for key in range(1, 7):
            shortcut = QShortcut(QKeySequence(str(key)), self._widget)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda k=key: self.vote_key(k))
            self._shortcuts.append(shortcut)
        self._connect()
        self._update_pool_button()
        self._update_tags_completer()
        self._update_vote_bar()

    @property
    def widget(self) -> QWidget:
        return self._widget

    def _connect(self) -> None:
        ctl = self.controller
        ctl.battle_reset.connect(self._battle_reset)
        ctl.slot_rows_reset.connect(lambda s, rows: self._col(s, "set_rows", rows))
        ctl.slot_row_appended.connect(lambda s, row: self._col(s, "append_row", row))
        ctl.slot_row_updated.connect(lambda s, row: self._col(s, "update_row", row))
        ctl.slot_stream_started.connect(lambda s, row: self._col(s, "start_stream", row))
        ctl.slot_stream_text.connect(self._stream_text)
        ctl.slot_stream_finished.connect(self._finished)
        ctl.slot_generating.connect(self._generating)

    # --- the pool and new battles -------------------------------------------------------

    def pool(self) -> list[str]:
        settings = self.services.settings
        return list(settings.arena_pool or settings.favourite_models)

    def _update_pool_button(self) -> None:
        settings = self.services.settings
        n = len(self.pool())
        where = f"{n} models" if settings.arena_pool else f"all favourites ({n})"
        self.pool_button.setText(f"Pool: {where}…")
        self.pool_button.setToolTip("Choose the models battles are drawn from")

    def choose_pool(self) -> None:
        settings = self.services.settings
        known = [m.id for m in self.services.catalog.cached(settings.active_profile)]
        dialog = PoolDialog(
            [*settings.recent_models, *known],
            settings.arena_pool,
            settings.favourite_models,
            self._widget,
        )
        dialog.chosen.connect(self.set_pool)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def set_pool(self, models: list[str]) -> None:
        self.services.prefs.set(arena_pool=list(models))
        self._update_pool_button()

    def new_battle(self) -> bool:
        """Draw models from the pool and show an empty battle; False (and why) if not."""
        if self.controller.is_generating():
            self.notifier.info("Stop the answers of this battle first (Ctrl+.).")
            return False
        try:
            models = arena.draw(self.pool(), self.slots.value(), self.rng)
        except ArenaError as exc:
            self.notifier.warning(str(exc))
            return False
        settings = self.services.settings
        defaults = param_stack.defaults_of(settings)
        params = [param_stack.for_model(defaults, m) for m in models]
        self.controller.new_battle(models, params, settings.active_profile)
        self.tags.clear()
        self.changed.emit()
        return True

    def show_leaderboard(self, parent: QWidget) -> LeaderboardDialog:
        """The leaderboard window (one; raised when it is open already)."""
        if self.leaderboard is None:
            board = LeaderboardDialog(self.controller.votes.load_all, self.notifier, parent)
            board.battle_open_requested.connect(self._reopen)
            self.controller.record_changed.connect(lambda _r: board.reload())
            self.leaderboard = board
        else:
            self.leaderboard.reload()
        if self.leaderboard.isVisible():
            self.leaderboard.raise_()
            self.leaderboard.activateWindow()
        self.leaderboard.show()
        return self.leaderboard

    def _reopen(self, battle_id: str) -> None:
        if self.open_battle(battle_id):
            self.show_requested.emit()

    def open_battle(self, battle_id: str) -> bool:
        opened = self.controller.open(battle_id)
        if opened:
            self.changed.emit()
        return opened

    # --- votes and tags -----------------------------------------------------------------

    def vote_key(self, key: int) -> None:
        """A vote by its key: 1 … for the slots, then tie, then all bad."""
        labels = vote_labels(len(self.columns))
        if self.controller.revealed or not 1 <= key <= len(labels):
            return
        _, vote, winner = labels[key - 1]
        self.vote(vote, winner)

    def vote(self, vote: str, winner: int = -1) -> bool:
        self._tags_edited()
        if vote not in ("win", "tie", "bad"):
            return False
        done = self.controller.vote(vote, winner)  # type: ignore[arg-type]
        if done:
            record = self.controller.record
            assert record is not None
            self.notifier.info(f"Vote saved: {record.outcome_text()}.")
            self.changed.emit()
        return done

    def _tags_edited(self) -> None:
        tags = arena.parse_tags(self.tags.text())
        self.controller.set_tags(tags)
        own = [t for t in tags if t.casefold() not in {b.casefold() for b in arena.BUILTIN_TAGS}]
        known = self.services.settings.arena_tags
        new = [t for t in own if t.casefold() not in {k.casefold() for k in known}]
        if new:
            self.services.prefs.set(arena_tags=[*known, *new])
            self._update_tags_completer()

    def _update_tags_completer(self) -> None:
        words = [*arena.BUILTIN_TAGS, *self.services.settings.arena_tags]
        completer = QCompleter(words, self.tags)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tags.setCompleter(completer)

    def _continue(self, slot: int) -> None:
        chat = self.controller.continue_with(slot)
        if chat is not None:
            self.listed.emit(chat)
            self.open_requested.emit(chat.id)

    # --- the window's questions ---------------------------------------------------------

    def heading(self) -> Heading:
        record = self.controller.record
        if record is None or not self.controller.battle:
            return Heading(title="Arena")
        if record.voted:
            names = " vs ".join(record.models)
        else:
            names = " vs ".join(arena.slot_name(i) for i in range(len(record.models)))
        return Heading(title=f"Arena · {names}", profile=self.services.settings.active_profile)

    def why_not(self, command: Command) -> str | None:
        battle = self.controller.battle
        if command is Command.SEND:
            return None
        if command is Command.STOP:
            return None if self.controller.is_generating() else "No model is writing an answer."
        if command is Command.CHOOSE_MODEL:
            return "The arena draws its models from the pool (Pool… above the battle)."
        if command is Command.PARAMS:
            return "Each model in the arena is sent with its own saved defaults."
        if command is Command.SYSTEM_PROMPT:
            return "Arena battles are sent without a system prompt."
        if command is Command.REGENERATE:
            return "A battle keeps its first answers, so both sides are judged alike."
        if command is Command.MERGE:
            return why_not_merge(self.controller)
        if battle is None or not self.controller.has_answers():
            return NO_BATTLE if battle is None else "Nothing to export yet: ask something first."
        if command in (Command.EXPORT, Command.COPY_ALL):
            return None if self.controller.revealed else BEFORE_VOTE
        return "Not available in the arena."

    def is_generating(self) -> bool:
        return self.controller.is_generating()

    def params_note(self) -> str:
        return (
            "Not used in the arena: each model is sent with its own saved defaults "
            "(Chat › Save parameters as the model's defaults). The Request tab shows what "
            "every model is sent alike."
        )

    def exported(self) -> Chat | None:
        return self.controller.battle if self.controller.revealed else None

    def merge_answers(self) -> None:
        """After the vote: merge the answers, in a comparison made from the battle."""
        self.merge_dialog = open_merge(
            self.controller, self.services, self._widget, self.merge_requested.emit
        )

    def copy_all(self) -> None:
        chat = self.exported()
        if chat is not None:
            set_clipboard(chat_to_markdown(chat))

    def last_answer(self) -> Message | None:
        cmp = self.controller.battle
        if cmp is None or not cmp.columns or not self.controller.revealed:
            return None
        return last_answer(cmp.columns[0])

    def preview(self, next_text: str) -> Preview | None:
        """Model A's next request: before the vote as :func:`core.arena.battle.blind_request`
        shows it (no model named, no value that tells the models apart), after it exactly."""
        cmp = self.controller.battle
        endpoint = self.controller.runner.resolve_quietly(cmp or Chat())
        history: list[dict[str, object]] = []
        if cmp is None or not cmp.columns:
            history.append({"role": "user", "content": next_text or "(your next message)"})
            return Preview(endpoint, build_body(PLACEHOLDER_MODEL, history, {}))
        models = self.controller.models()
        try:
            if not self.controller.revealed:
                return Preview(endpoint, arena.blind_request(cmp, 0, next_text, models))
            col = cmp.columns[0]
            history = to_api_messages(col.branch(), "")
            history.append({"role": "user", "content": next_text or "(your next message)"})
            return Preview(endpoint, build_body(col.model, history, col.params))
        except ValueError as exc:
            return Preview(None, None, arena.scrub(str(exc), models))

    def set_theme(self, theme: str) -> None:
        self._theme = theme
        for column in self.columns:
            column.view.set_theme(theme)

    def set_text_size(self, points: int) -> None:
        for column in self.columns:
            column.view.set_text_size(points)

    def activate(self) -> None:
        self._update_pool_button()

    # --- commands -----------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart]) -> bool:
        if (self.controller.battle is None or self.controller.revealed) and not self.new_battle():
            return False
        self._tags_edited()
        sent = self.controller.send(text, images)
        if sent:
            self.changed.emit()
        return sent

    def stop(self) -> None:
        self.controller.stop()

    # --- from the controller ------------------------------------------------------------

    def _battle_reset(self) -> None:
        cmp, record = self.controller.battle, self.controller.record
        count = len(cmp.columns) if cmp is not None else 0
        if count != len(self.columns):
            for column in self.columns:
                self._row_layout.removeWidget(column)
                column.hide()
                column.deleteLater()
            self.columns = [ArenaColumn(slot, self._theme, self.row) for slot in range(count)]
            for column in self.columns:
                self._row_layout.addWidget(column, 1)
        self.empty.setVisible(count == 0)
        revealed = self.controller.revealed
        for slot, column in enumerate(self.columns):
            column.set_model(record.models[slot] if revealed and record is not None else "")
            answer = last_answer(cmp.columns[slot]) if cmp is not None else None
            self._show_result(slot, answer)
        if record is not None and self.tags.text() != ", ".join(record.tags):
            self.tags.setText(", ".join(record.tags))
        self._update_vote_bar()
        self.changed.emit()

    def _update_vote_bar(self) -> None:
        record = self.controller.record
        slots = len(self.columns) or 2
        self.vote_bar.set_slots(
            slots,
            revealed=self.controller.revealed,
            outcome=record.outcome_text() if record is not None else "",
            models=record.models if record is not None else [],
        )
        answered = self.controller.has_answers() and not self.controller.is_generating()
        self.vote_bar.set_enabled_votes(
            answered, "" if answered else "Vote once the answers are in."
        )
        self.vote_bar.set_merge_enabled(why_not_merge(self.controller))
        self.vote_bar.setVisible(self.controller.battle is not None)

    def _col(self, slot: int, method: str, arg: object) -> None:
        if 0 <= slot < len(self.columns):
            getattr(self.columns[slot].view, method)(arg)

    def _stream_text(
        self, slot: int, mid: str, content: str, reasoning: str, calls: object
    ) -> None:
        if 0 <= slot < len(self.columns):
            self.columns[slot].view.stream_text(mid, content, reasoning, calls)  # type: ignore[arg-type]

    def _finished(self, slot: int, row: MessageRow) -> None:
        if not 0 <= slot < len(self.columns):
            return
        self.columns[slot].view.finish_stream(row)
        self._show_result(slot, row.message)
        error = row.message.error
        if error is not None and row.message.status == "error":
            self.notifier.warning(f"{arena.slot_name(slot)} failed: {error.message}")
        if self.controller.revealed:
            self.answer_finished.emit(row.message)

    def _show_result(self, slot: int, answer: Message | None) -> None:
        revealed = self.controller.revealed
        shown = answer
        if answer is not None and not revealed:
            shown = arena.masked(answer, slot, self.controller.models())
        error = shown.error if shown is not None and shown.status == "error" else None
        done = answer is not None and answer.status in ("done", "stopped")
        self.columns[slot].set_result(
            answer.stats if answer is not None and revealed else None,
            error,
            revealed=revealed,
            answered=done,
        )

    def _focus_votes(self) -> None:
        """Give the vote keys the focus, unless the person is writing something."""
        focus = QApplication.focusWidget()
        writing = getattr(focus, "toPlainText", None) or getattr(focus, "text", None)
        editing = isinstance(focus, (QLineEdit, QPlainTextEdit, QTextEdit)) and callable(writing)
        if editing and callable(writing) and str(writing()).strip():
            return
        self.vote_bar.setFocus()

    def _generating(self, slot: int, generating: bool) -> None:
        if 0 <= slot < len(self.columns):
            self.columns[slot].set_generating(generating)
            if not generating:
                cmp = self.controller.battle
                answer = last_answer(cmp.columns[slot]) if cmp is not None else None
                self._show_result(slot, answer)
        self._update_vote_bar()
        if not generating and not self.controller.is_generating() and not self.controller.revealed:
            self._focus_votes()
        self.changed.emit()
