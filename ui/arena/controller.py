"""The battle on screen: anonymous slots asked at once, a vote, then the names.

Each slot is a thread of the shared :class:`ThreadController`, streamed by the one
:class:`AnswerRunner` like a compare column; the battle's transcript is saved in the
arena's own chat store (out of the chat list) and its :class:`BattleRecord` in the vote
store. Until the vote every row handed to the view is :func:`core.arena.battle.masked`,
a message names a slot ("Model A failed: …") and every text from the API is scrubbed of
the battle's model ids.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from core import compare, conversation
from core.arena import battle as arena
from core.arena.battle import ArenaError, BattleRecord, Vote
from core.arena.votes import VoteStore
from core.chat import Chat, ImagePart, Message
from core.endpoint import Endpoint
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from ui.answers.runner import AnswerJob, AnswerRunner
from ui.answers.threads import ThreadController
from ui.transcript.message_model import MessageRow, branch_rows

log = logging.getLogger(__name__)


class ArenaController(ThreadController):
    battle_reset = Signal()  # another battle on screen (or none)
    slot_rows_reset = Signal(int, list)  # slot, list[MessageRow]
    slot_row_appended = Signal(int, object)  # slot, MessageRow
    slot_row_updated = Signal(int, object)
    slot_stream_started = Signal(int, object)
    slot_stream_text = Signal(int, str, str, str, object)  # slot, id, content, reasoning, calls
    slot_stream_finished = Signal(int, object)  # slot, MessageRow
    slot_generating = Signal(int, bool)
    record_changed = Signal(object)  # BattleRecord: a vote, tags or a turn

    def __init__(
        self,
        runner: AnswerRunner,
        battles: ChatStore,
        votes: VoteStore,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(runner, parent=parent)
        self.battles = battles
        self.votes = votes
        self.saver = ThrottledSaver(
            battles, on_error=runner.save_failed, on_recovered=runner.save_recovered
        )
        self.battle: Chat | None = None
        self.record: BattleRecord | None = None
        self._records: dict[str, BattleRecord] = {}  # records of battles still streaming

    # --- which battle ------------------------------------------------------------------

    def new_battle(
        self, models: list[str], params: list[dict[str, object]], profile: str = ""
    ) -> Chat:
        cmp, record = arena.new_battle(models, params, profile)
        self._show(cmp, record)
        return cmp

    def open(self, battle_id: str) -> bool:
        """Show a saved battle as it was (its vote, its names when voted)."""
        record = next((r for r in self.votes.load_all() if r.id == battle_id), None)
        live = self.runner.live_owner(battle_id)
        try:
            cmp = live or self.battles.load(battle_id)
        except (LookupError, OSError, ValueError) as exc:
            self.runner.notifier.error(f"That battle could not be opened: {exc}")
            return False
        if record is None:
            record = BattleRecord(
                id=cmp.id, created_at=cmp.created_at, models=[c.model for c in cmp.columns]
            )
        if live is None:
            conversation.settle_interrupted(cmp)
        self._show(cmp, self._records.get(battle_id, record))
        return True

    def _show(self, cmp: Chat, record: BattleRecord) -> None:
        self.battle, self.record = cmp, record
        self.battle_reset.emit()
        for slot, col in enumerate(cmp.columns):
            self.slot_rows_reset.emit(slot, [self._shown(col, r) for r in branch_rows(col)])
            self.slot_generating.emit(slot, self.runner.running(col.id))

    @property
    def revealed(self) -> bool:
        return self.record is not None and self.record.voted

    def models(self) -> list[str]:
        return list(self.record.models) if self.record is not None else []

    def is_generating(self) -> bool:
        cmp = self.battle
        return cmp is not None and any(self.runner.running(c.id) for c in cmp.columns)

    def has_answers(self) -> bool:
        cmp = self.battle
        return cmp is not None and any(col.messages for col in cmp.columns)

    # --- asking ------------------------------------------------------------------------

    def send(self, text: str, images: list[ImagePart] | None = None) -> bool:
        cmp, record = self.battle, self.record
        if cmp is None or record is None:
            return False
        busy = [arena.slot_name(i) for i, c in enumerate(cmp.columns) if self.runner.running(c.id)]
        if busy:
            self.runner.notifier.info(f"{' and '.join(busy)} still answering: wait or stop first.")
            return False
        said: set[tuple[str, str]] = set()
        endpoints: list[Endpoint] = []
        for col in cmp.columns:
            endpoint = self._endpoint(col, said)
            if endpoint is None:
                return False
            endpoints.append(endpoint)
        if not cmp.title:
            cmp.title = conversation.title_from(text) if text.strip() else "Image"
            record.title = cmp.title
        record.turns += 1
        self._records[cmp.id] = record
        for col, endpoint in zip(cmp.columns, endpoints, strict=True):
            self._ask(col, text, images, endpoint)
        self._save_record(record)
        return True

    def stop(self) -> None:
        for col in self.battle.columns if self.battle is not None else []:
            self.runner.stop(col.id)

    def retry(self, slot: int, answer_id: str) -> bool:
        col = self._slot(slot)
        return col is not None and self._retry(col, answer_id)

    def _slot(self, slot: int) -> Chat | None:
        cmp = self.battle
        return cmp.columns[slot] if cmp is not None and 0 <= slot < len(cmp.columns) else None

    # --- the vote and the tags ---------------------------------------------------------

    def vote(self, vote: Vote, winner: int = -1) -> bool:
        """Record the vote and show the names; False (and a notice) when it cannot be."""
        cmp, record = self.battle, self.record
        if cmp is None or record is None:
            return False
        if not any(
            m.role == "assistant" and m.status == "done" for c in cmp.columns for m in c.messages
        ):
            self.runner.notifier.info("Ask something first: a vote needs answers to judge.")
            return False
        if self.is_generating():
            self.runner.notifier.info("Wait for both answers (or stop them) before voting.")
            return False
        try:
            arena.cast_vote(record, vote, winner)
        except ArenaError as exc:
            self.runner.notifier.warning(str(exc))
            return False
        self._save_record(record)
        self._show(cmp, record)
        return True

    def set_tags(self, tags: list[str]) -> None:
        record = self.record
        if record is not None and record.tags != tags:
            record.tags = list(tags)
            if self.has_answers():
                self._save_record(record)

    def _save_record(self, record: BattleRecord) -> None:
        try:
            self.votes.save(record)
        except OSError as exc:
            self.runner.notifier.error(
                f"Could not save the battle's vote ({exc.strerror or exc}); it is kept "
                "on screen and saved with the next change."
            )
        self.record_changed.emit(record)

    def continue_with(self, slot: int) -> Chat | None:
        """A normal chat made from one slot (after the vote), saved with the chats."""
        cmp = self.battle
        col = self._slot(slot)
        if cmp is None or col is None or not self.revealed:
            return None
        chat = compare.continue_with(cmp, col.id)
        chat.title = f"{cmp.title or 'Arena battle'} (from the arena)"
        try:
            self.runner.store.save(chat)
        except OSError as exc:
            self.runner.notifier.error(f"The new chat could not be saved: {exc}")
            return None
        return chat

    def save_all_now(self) -> None:
        cmp = self.battle
        if cmp is not None and any(col.messages for col in cmp.columns):
            try:
                self.battles.save(cmp)
            except OSError:
                log.exception("could not save battle %s while quitting", cmp.id)

    # --- what is shown ------------------------------------------------------------------

    def _slot_of(self, thread: Chat) -> int:
        for owner in [self.battle, *self.runner.live_owners()]:
            if owner is not None:
                for slot, col in enumerate(owner.columns):
                    if col is thread:
                        return slot
        return -1

    def _models_of(self, thread: Chat) -> list[str]:
        owner = self._owner(thread)
        return [col.model for col in owner.columns]

    def _shown(self, thread: Chat, row: MessageRow) -> MessageRow:
        if self.revealed and self._on_screen(thread):
            return row
        shown = arena.masked(row.message, self._slot_of(thread), self._models_of(thread))
        return MessageRow(shown, row.sibling_index, row.sibling_count)

    # --- ThreadController ------------------------------------------------------------

    def _owner(self, thread: Chat) -> Chat:
        cmp = self.battle
        if cmp is not None and any(col is thread for col in cmp.columns):
            return cmp
        for owner in self.runner.live_owners():
            if any(col is thread for col in owner.columns):
                return owner
        raise LookupError(f"slot {thread.id} is in no battle")

    def _label(self, thread: Chat) -> str:
        return arena.slot_name(max(0, self._slot_of(thread)))

    def _job(self, **fields: Any) -> AnswerJob:
        thread: Chat = fields["thread"]
        models = self._models_of(thread)
        return AnswerJob(
            **fields,
            saver=self.saver,
            store=self.battles,
            scrub=lambda text: arena.scrub(text, models),
        )

    def _touch(self, thread: Chat) -> None:
        self.saver.touch(self._owner(thread))

    def _on_screen(self, thread: Chat) -> bool:
        cmp = self.battle
        return cmp is not None and any(col is thread for col in cmp.columns)

    def _tell_rows(self, thread: Chat, rows: list[MessageRow]) -> None:
        if self._on_screen(thread):
            self.slot_rows_reset.emit(self._slot_of(thread), [self._shown(thread, r) for r in rows])

    def _tell_appended(self, thread: Chat, row: MessageRow) -> None:
        if self._on_screen(thread):
            self.slot_row_appended.emit(self._slot_of(thread), self._shown(thread, row))

    def _tell_updated(self, thread: Chat, row: MessageRow) -> None:
        if self._on_screen(thread):
            self.slot_row_updated.emit(self._slot_of(thread), self._shown(thread, row))

    def _tell_stream_started(self, thread: Chat, row: MessageRow) -> None:
        if self._on_screen(thread):
            self.slot_stream_started.emit(self._slot_of(thread), self._shown(thread, row))

    def _tell_stream_text(self, thread: Chat, message: Message) -> None:
        models = self._models_of(thread)
        content = message.content if self.revealed else arena.scrub(message.content, models)
        reasoning = message.reasoning if self.revealed else arena.scrub(message.reasoning, models)
        self.slot_stream_text.emit(
            self._slot_of(thread), message.id, content, reasoning, message.tool_calls
        )

    def _tell_stream_finished(self, thread: Chat, row: MessageRow) -> None:
        self.slot_stream_finished.emit(self._slot_of(thread), self._shown(thread, row))

    def _tell_generating(self, thread: Chat, generating: bool) -> None:
        if self._on_screen(thread):
            self.slot_generating.emit(self._slot_of(thread), generating)
