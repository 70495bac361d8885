"""The real app process: a prompt from the command line streams, SIGTERM saves and quits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.storage.chat_store import ChatStore
from tests.gateway import Reply

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_mid_stream_saves_the_partial_answer_as_stopped(gateway, tmp_path: Path) -> None:
    gateway.push(Reply.echo(delay=0.05))
    prompt = " ".join(f"word{i}" for i in range(200))
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CHORUS_DATA_DIR=str(tmp_path),
        OPENAI_BASE_URL=gateway.url,
    )
    env.pop("ANYFAST_API_KEY", None)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--model", "m", prompt],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
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
