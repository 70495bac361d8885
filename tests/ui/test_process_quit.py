"""The real app process: a prompt from the command line streams, SIGTERM saves and quits."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from core.storage.chat_store import ChatStore
from tests.gateway import Reply
from tests.ui.process_support import app_env, start_app


def test_sigterm_mid_stream_saves_the_partial_answer_as_stopped(gateway, tmp_path: Path) -> None:
    gateway.push(Reply.echo(delay=0.05))
    prompt = " ".join(f"word{i}" for i in range(200))
    process = start_app(["--model", "m", prompt], app_env(tmp_path, gateway.url))
    try:
        store = ChatStore(tmp_path / "chats", fsync=False)
        deadline = time.monotonic() + 30
        answer_text = ""
        while time.monotonic() < deadline:
            chats = store.list_chats()
            if chats:
                answer_text = store.load(chats[0].id).branch()[-1].content
                if len(answer_text) > 40:
                    break
            time.sleep(0.1)
        assert len(answer_text) > 40, "the answer did not start streaming"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output.decode(errors="replace")
    chat = ChatStore(tmp_path / "chats", fsync=False).load(store.list_chats()[0].id)
    user, answer = chat.branch()
    assert user.content == prompt
    assert answer.status == "stopped"
    assert answer.content.startswith("Echo: word0 word1")
    assert len(answer.content) >= len(answer_text)
    assert gateway.last.body["model"] == "m"
