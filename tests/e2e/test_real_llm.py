"""The real app, in a real X11 window (Xvfb), against a real OpenAI-compatible server.

``scripts/e2e.sh`` starts llama.cpp's server with a tiny model and runs this with
``CHORUS_E2E_BASE_URL`` (and ``CHORUS_E2E_MODEL``) set; without it the test is skipped.
``CHORUS_E2E_SCREENSHOT=path.png`` also saves a screenshot of the finished window
(needs ImageMagick's ``import``).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import paths
from core.chat import Message
from core.params import default_values
from core.settings import Settings, save_settings
from core.storage.chat_store import ChatStore

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = os.environ.get("CHORUS_E2E_BASE_URL", "")
MODEL = os.environ.get("CHORUS_E2E_MODEL", "gemma-3-270m")
PROMPT = "Write a story of about 200 words about a lighthouse keeper and a storm."
# Long enough an answer to see it grow on disk (seconds on 2 cores), short enough to be
# quick: the tiny model may otherwise go on until its context is full. Greedy sampling:
# the same answer every run.
PARAMS: dict[str, object] = {"max_tokens": 200, "temperature": 0.0, "seed": 42}

pytestmark = [
    pytest.mark.skipif(
        not BASE_URL,
        reason="CHORUS_E2E_BASE_URL is not set; scripts/e2e.sh starts a real server and sets it",
    ),
    pytest.mark.slow,
    pytest.mark.timeout(600),
]


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb screen; Xvfb picks a free display number itself (-displayfd)."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (scripts/setup.sh --dev installs it)")
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        number = b""
        deadline = time.monotonic() + 30
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_end], [], [], 0.5)
            if ready:
                data = os.read(read_end, 64)
                if not data:
                    break
                number += data
        assert number.strip().isdigit(), f"Xvfb did not start (exit code {xvfb.poll()})"
        yield f":{number.decode().strip()}"
    finally:
        os.close(read_end)
        xvfb.terminate()
        try:
            xvfb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            xvfb.kill()
            xvfb.wait()


def _answer(store: ChatStore) -> Message | None:
    chats = store.list_chats()
    if not chats:
        return None
    branch = store.load(chats[0].id).branch()
    return branch[1] if len(branch) == 2 else None


def _screenshot(display: str) -> None:
    out = os.environ.get("CHORUS_E2E_SCREENSHOT", "")
    # /usr/bin/import exactly: an `import` or `convert` earlier in PATH may be something else.
    if out and Path("/usr/bin/import").exists():
        subprocess.run(["/usr/bin/import", "-display", display, "-window", "root", out], timeout=30)


def test_a_prompt_streams_a_real_answer_that_is_saved(display: str, tmp_path: Path) -> None:
    env = dict(
        os.environ,
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        CHORUS_DATA_DIR=str(tmp_path),
        OPENAI_BASE_URL=BASE_URL,
    )
    for name in ("ANYFAST_API_KEY", "OPENAI_API_KEY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    # As if set in the parameters panel and saved as the default for new chats.
    settings = Settings(default_params={**default_values(), **PARAMS})
    save_settings(settings, paths.settings_path(env))
    log_path = tmp_path / "app.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "main.py", "--model", MODEL, PROMPT],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def app_output() -> str:
        return log_path.read_text(errors="replace")

    store = ChatStore(tmp_path / "chats", fsync=False)
    partials: list[str] = []  # each different non-empty content seen while streaming
    answer: Message | None = None
    try:
        deadline = time.monotonic() + 300  # model warm-up and generation on 2 cores
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the app exited early:\n{app_output()}"
            answer = _answer(store)
            if answer is not None and answer.status != "streaming":
                break
            if answer is not None and answer.content and answer.content not in partials[-1:]:
                partials.append(answer.content)
            time.sleep(0.05)
        assert answer is not None, f"no answer was saved:\n{app_output()}"
        assert answer.status == "done", f"{answer.status}: {answer.error}\n{app_output()}"
        _screenshot(display)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, app_output()

    chat = ChatStore(tmp_path / "chats", fsync=False).load(store.list_chats()[0].id)
    user, saved = chat.branch()
    assert user.role == "user" and user.content == PROMPT
    assert saved.role == "assistant" and saved.status == "done" and saved.error is None
    assert saved.content.strip(), "the answer is empty"
    assert saved.content == answer.content
    assert saved.model == MODEL
    assert {name: saved.params.get(name) for name in PARAMS} == PARAMS
    stats = saved.stats
    assert stats is not None and stats.model, "no model reported by the server"
    assert stats.finish_reason in ("stop", "length")

    # Streamed, not all at once: the server sends one chunk per token and no usage in
    # streams, so the app counted the content-bearing chunks; the first came before the end.
    assert stats.estimated_tokens > 1, stats
    assert stats.ttft_s is not None and stats.total_s is not None
    assert stats.ttft_s < stats.total_s
    # The app saves a streaming answer at most once a second: when tokens kept coming for
    # several seconds, the file on disk must have shown the answer growing.
    if stats.total_s - stats.ttft_s > 3.5:
        assert len(partials) >= 2, f"saw no growing answer on disk: {partials!r}"
        for shorter, longer in zip(partials, [*partials[1:], saved.content], strict=True):
            assert longer.startswith(shorter) and len(longer) > len(shorter)
