"""The real app process killed with SIGKILL while an answer streams in, again and again.

Each kill lands at a seeded random moment of the stream or right as a save starts (so
some land in the middle of a write). After each one the chat file on disk is whole and
holds every word the gateway had sent one save interval (plus one network read) before
the kill, its answer reopens as "Interrupted", and the temp file of an interrupted write
is gone after the next start. The key is in no file and in no debug log.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.chat import INTERRUPTED
from core.conversation import settle_interrupted
from core.storage import format as chat_format
from core.storage.chat_store import STALE_TEMP_AGE_S, ChatStore
from core.storage.saver import DEFAULT_INTERVAL_S
from tests.gateway import Recorded, Reply, text_chunks
from tests.ui.process_support import FolderWatch, app_env, start_app, stop
from tests.ui.test_key_hygiene import assert_nowhere_on_disk, new_key

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="watches the folder with inotify")

INTERVAL_S = DEFAULT_INTERVAL_S  # what the app's saver waits between two writes of a chat
PROMISED_LOSS_S = 1.0  # the README: a crash loses at most about the last second
EVENT_DELAY_S = 0.01  # the gateway sends a word every 10 ms
# The event loop's timers are Qt's coarse ones, which fire within 5% of their interval:
# a save may start that much late.
TIMER_SLACK = 0.05
# One network read: a word the gateway has written may still be on its way through the
# socket and the app's event loop when a save starts.
READ_S = 0.05
WORDS = [f"w{i} " for i in range(1000)]  # ten seconds: every kill comes before the end
PROMPT = "count with me"
SEED = 15
TIMED_KILLS = 6  # one at a random moment of each sixth of the stream's first 2.5 intervals
SAVE_KILLS = 6  # as the first or the second save of the stream starts
# In the runs killed as a save starts, each write waits this long before its rename, as
# on a slow disk, so that the kill lands in the middle of it (on tmpfs a write takes
# microseconds).
SLOW_WRITE_S = 0.05
START_TIMEOUT_S = 60.0


@dataclass
class Kill:
    after_s: float | None = None  # seconds after the stream's first event
    on_save: int | None = None  # the number of the save (1: the one at sending)
    slow_write_s: float = 0.0


@dataclass
class Run:
    """What one app process did before it was stopped."""

    request: Recorded
    chat_id: str
    stopped_at: float  # time.monotonic() just before the signal was sent
    code: int


def _schedule() -> list[Kill]:
    rng = random.Random(SEED)
    span = 2.5 * INTERVAL_S / TIMED_KILLS
    kills = [Kill(after_s=rng.uniform(i, i + 1) * span) for i in range(TIMED_KILLS)]
    saves = [rng.choice((2, 3)) for _ in range(SAVE_KILLS)]
    kills += [Kill(on_save=n, slow_write_s=SLOW_WRITE_S) for n in saves]
    rng.shuffle(kills)
    return kills


def _chat_of_temp(name: str) -> str | None:
    """The chat id of ``.<id>.json.<random>.tmp``; None for other names (the index)."""
    if not (name.startswith(".") and name.endswith(".tmp")) or name.startswith(".index.json."):
        return None
    stem, sep, _ = name[1:].partition(".json.")
    return stem if sep else None


def _run(env: dict[str, str], log: Path, chats: Path, gateway, kill: Kill, signum: int) -> Run:
    """Start the app with a prompt; send ``signum`` when ``kill`` says."""
    known = len(gateway.chat_requests())
    gateway.push(Reply.stream(text_chunks(WORDS), delay=EVENT_DELAY_S))
    saves = 0  # writes of the chat begun
    chat_id = ""
    with FolderWatch(chats) as watch:
        args = ["--model", "m", PROMPT]
        process = start_app(args, env, log, slow_renames_s=kill.slow_write_s)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                now = time.monotonic()
                assert now < deadline, "the app did not start streaming"
                assert process.poll() is None, log.read_text(errors="replace")[-2000:]
                requests = gateway.chat_requests()
                sent = requests[known].sent_at if len(requests) > known else []
                if kill.on_save is not None and saves >= kill.on_save:
                    break
                wait = 0.05
                if kill.after_s is not None and sent and saves:
                    wait = sent[0] + kill.after_s - now
                    if wait <= 0:
                        break
                for name in watch.wait(min(wait, 0.05)):
                    found = _chat_of_temp(name)
                    if found:
                        chat_id = found
                        saves += 1
            stopped_at = time.monotonic()
            process.send_signal(signum)
        finally:
            code = stop(process, 20)
    return Run(gateway.chat_requests()[known], chat_id, stopped_at, code)


def _check_killed_chat(store: ChatStore, run: Run) -> None:
    """The file is a whole chat with every word sent up to one interval (and one read)
    before the kill, and it reopens as the app reopens it: stopped, "Interrupted"."""
    chat = chat_format.decode_chat_file(store.path_of(run.chat_id).read_bytes())
    user, answer = chat.branch()
    assert user.content == PROMPT
    assert answer.status == "streaming"
    saved = len(answer.content.split())
    assert answer.content == "".join(WORDS[:saved])
    # sent_at[0] is the role chunk; sent_at[i] carried WORDS[i - 1].
    words_sent = run.request.sent_at[1:]
    cutoff = run.stopped_at - INTERVAL_S * (1 + TIMER_SLACK) - READ_S
    due = sum(1 for t in words_sent if t <= cutoff)
    lost_s = run.stopped_at - words_sent[saved] if saved < len(words_sent) else 0.0
    assert saved >= due, f"{saved} words saved, {due} due: {lost_s:.3f} s lost"

    reopened = store.load(run.chat_id)
    assert settle_interrupted(reopened) == 1
    answer = reopened.branch()[-1]
    assert answer.status == "stopped"
    assert answer.error is not None and answer.error.kind == INTERRUPTED
    assert answer.content == "".join(WORDS[:saved])


def test_sigkill_mid_stream_loses_at_most_one_save_interval(gateway, tmp_path: Path) -> None:
    assert INTERVAL_S <= PROMISED_LOSS_S, "the saver waits longer than the README promises"
    key = new_key()
    gateway.require_key = key
    env = app_env(tmp_path, gateway.url) | {"OPENAI_API_KEY": key, "CHORUS_DEBUG": "1"}
    chats = tmp_path / "chats"
    chats.mkdir()
    store = ChatStore(chats, fsync=False)
    logs: list[Path] = []
    killed: list[Run] = []
    leftovers: list[Path] = []  # temp files of the writes the last kill interrupted
    mid_write = 0
    for number, kill in enumerate(_schedule()):
        logs.append(tmp_path / f"run-{number}.log")
        run = _run(env, logs[-1], chats, gateway, kill, signal.SIGKILL)
        assert run.code == -signal.SIGKILL
        assert run.request.key == key
        # This start removed the previous kill's leftovers (aged past the minute the
        # store leaves a temp file alone, as it might be another Chorus's write).
        assert not [p for p in leftovers if p.exists()]
        _check_killed_chat(store, run)
        killed.append(run)
        leftovers = sorted(chats.glob(".*.tmp"))
        mid_write += any(_chat_of_temp(p.name) == run.chat_id for p in leftovers)
        old = time.time() - STALE_TEMP_AGE_S - 1
        for path in leftovers:
            os.utime(path, (old, old))
    assert mid_write, "no kill landed in the middle of a write"

    # A last start opens the folder as the kills left it, streams, and quits on SIGTERM.
    logs.append(tmp_path / "last.log")
    last = _run(env, logs[-1], chats, gateway, Kill(on_save=2), signal.SIGTERM)
    assert last.code == 0, logs[-1].read_text(errors="replace")[-2000:]
    assert not [p for p in leftovers if p.exists()]
    assert not list(chats.glob(".*.tmp"))
    assert not (chats / "damaged").exists()
    fresh = ChatStore(chats, fsync=False)
    listed = {s.id for s in fresh.list_chats()}
    assert listed == {run.chat_id for run in [*killed, last]}
    assert not fresh.problems
    for run in killed:
        _check_killed_chat(fresh, run)
    assert fresh.load(last.chat_id).branch()[-1].status == "stopped"

    # The key was sent, and is nowhere in the data folder or the debug logs of any run.
    read = assert_nowhere_on_disk(tmp_path, key)
    assert set(logs) <= set(read)
    assert b"DEBUG" in logs[0].read_bytes(), "CHORUS_DEBUG logged nothing"
