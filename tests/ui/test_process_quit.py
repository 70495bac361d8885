"""The real app process: a prompt from the command line streams, SIGTERM saves and quits."""

from __future__ import annotations

import signal
from pathlib import Path

from core.storage.chat_store import ChatStore
from tests.gateway import Reply
from tests.ui.process_support import app_env, poll, start_app, stop


def test_sigterm_mid_stream_saves_the_partial_answer_as_stopped(gateway, tmp_path: Path) -> None:
    gateway.push(Reply.echo(delay=0.05))
    prompt = " ".join(f"word{i}" for i in range(200))
    log = tmp_path / "app.log"
    process = start_app(["--model", "m", prompt], app_env(tmp_path, gateway.url), log)
    store = ChatStore(tmp_path / "chats", fsync=False)

    def streaming_answer() -> str | None:
        chats = store.list_chats()
        text = store.load(chats[0].id).branch()[-1].content if chats else ""
        return text if len(text) > 40 else None

    try:
        answer_text = poll(streaming_answer, 30, every=0.1)
        assert answer_text, "the answer did not start streaming"
        process.send_signal(signal.SIGTERM)
    finally:
        code = stop(process, 20)
    assert code == 0, log.read_text(errors="replace")
    chat = store.load(store.list_chats()[0].id)
    user, answer = chat.branch()
    assert user.content == prompt
    assert answer.status == "stopped"
    # its timings so far are kept too, as when Stop is pressed
    assert answer.stats is not None and answer.stats.ttft_s is not None
    assert answer.content.startswith("Echo: word0 word1")
    assert len(answer.content) >= len(answer_text)
    assert gateway.last.body["model"] == "m"
