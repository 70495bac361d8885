"""The real app process killed with SIGKILL mid-stream: nothing but the last second is lost,
and the key is in no file or log."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from core.chat import Chat
from core.storage.chat_store import ChatStore
from tests.gateway import Reply, text_chunks
from tests.ui.process_support import app_env, poll, start_app, stop
from tests.ui.test_key_hygiene import assert_nowhere_on_disk, new_key

WORDS = [f"w{i} " for i in range(3000)]
# The saver writes a streaming answer at most once a second; a write in flight and a
# busy machine get half a second on top.
LOSS_WINDOW_S = 1.5


def _saved_words(store: ChatStore) -> tuple[Chat, int] | None:
    chats = store.list_chats()
    if not chats:
        return None
    chat = store.load(chats[0].id)
    branch = chat.branch()
    if len(branch) < 2:
        return None
    return chat, branch[-1].content.count("w")


def test_sigkill_mid_stream_keeps_the_chat_up_to_the_last_second(gateway, tmp_path: Path) -> None:
    gateway.push(Reply.stream(text_chunks(WORDS), delay=0.01))
    key = new_key()
    gateway.require_key = key
    env = app_env(tmp_path, gateway.url) | {"OPENAI_API_KEY": key, "CHORUS_DEBUG": "1"}
    store = ChatStore(tmp_path / "chats", fsync=False)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    process = start_app(["--model", "m", "count with me"], env, first_log)
    try:
        # The first save comes as soon as the answer starts, later ones once a second.
        # Kill it without warning just before a third save would be due: the worst case.
        started = poll(lambda: _saved_words(store), 30)
        assert started, "the answer did not start"
        time.sleep(2.8)
        process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        code = stop(process, 10)
    assert code == -signal.SIGKILL
    assert gateway.chat_requests()[0].key == key

    # The file on disk is a valid chat holding the question and the answer so far.
    found = _saved_words(store)
    assert found is not None
    chat, saved = found
    user, answer = chat.branch()
    assert user.content == "count with me"
    assert answer.content == "".join(WORDS[:saved])
    sent = gateway.chat_requests()[0].sent_at
    # sent[0] is the role chunk; sent[i] carried WORDS[i - 1].
    words_sent_a_second_before = sum(1 for t in sent if t <= killed_at - LOSS_WINDOW_S) - 1
    assert saved >= words_sent_a_second_before, (saved, words_sent_a_second_before, len(sent))

    # Restarted, the app opens the data folder as it is: nothing is set aside, leftovers of
    # the interrupted write are cleaned up, the chat is intact, and it quits normally.
    gateway.reset()
    again = start_app([], env, second_log)
    try:
        time.sleep(3)
        again.send_signal(signal.SIGTERM)
    finally:
        code = stop(again, 20)
    assert code == 0, second_log.read_text(errors="replace")
    assert not (tmp_path / "chats" / "damaged").exists()
    assert not list((tmp_path / "chats").glob(".*.tmp"))
    reloaded = store.load(chat.id)
    assert reloaded.branch()[-1].content.startswith(answer.content)

    # The key was sent, and is nowhere in the data folder or the debug logs of either run.
    read = assert_nowhere_on_disk(tmp_path, key)
    assert first_log in read and second_log in read
    assert b"DEBUG" in first_log.read_bytes(), "CHORUS_DEBUG logged nothing"
