"""The heat map and a branch from a token, in the real app in a real X11 window, against
a real llama.cpp server (``scripts/e2e.sh``; skipped without ``CHORUS_E2E_BASE_URL``).

``tests/e2e/sampling_driver.py`` builds the app as ``main()`` does in an Xvfb window,
asks a question with token probabilities, checks the heat map shows the answer, clicks
a candidate that was not chosen and waits for the branch: Chorus first probes whether
the server continues a trailing assistant message (``scripts/llama-server.sh`` serves
the model with a chat format that does, as llama.cpp's own server does), then asks for
the continuation. ``CHORUS_E2E_SCREENSHOT=dir`` keeps the window's screenshots there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import paths
from core.params import default_values
from core.settings import Settings, save_settings
from core.storage.chat_store import ChatStore
from tests.e2e.test_real_llm import BASE_URL, MODEL, ROOT, display  # noqa: F401

PARAMS: dict[str, object] = {
    "max_tokens": 40,
    "temperature": 0.8,
    "seed": 42,
    "logprobs": True,
    "top_logprobs": 5,
}

pytestmark = [
    pytest.mark.skipif(
        not BASE_URL,
        reason="CHORUS_E2E_BASE_URL is not set; scripts/e2e.sh starts a real server and sets it",
    ),
    pytest.mark.slow,
    pytest.mark.timeout(900),
]


def test_the_heat_map_and_a_token_branch_on_a_real_model(display: str, tmp_path: Path) -> None:  # noqa: F811
    env = dict(
        os.environ,
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        CHORUS_DATA_DIR=str(tmp_path / "data"),
        OPENAI_BASE_URL=BASE_URL,
        CHORUS_E2E_MODEL=MODEL,
    )
    for name in ("ANYFAST_API_KEY", "OPENAI_API_KEY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    settings = Settings(default_params={**default_values(), **PARAMS}, default_model=MODEL)
    save_settings(settings, paths.settings_path(env))
    shots = Path(os.environ.get("CHORUS_E2E_SCREENSHOT", "") or tmp_path / "shots")
    if shots.suffix:  # a file name was given for the other test: keep its folder
        shots = shots.parent
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "e2e" / "sampling_driver.py"), str(shots)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"the driver said nothing:\n{run.stdout}\n{run.stderr}"
    result = json.loads(lines[-1])
    assert "error" not in result, f"{result}\n{run.stderr[-4000:]}"

    assert result["answer_status"] == "done" and result["shown"] is True
    assert result["answer_tokens"] > 3
    assert result["heatmap_tokens"] == result["answer_tokens"]
    assert result["verdict"] == "continues", result["verdict_detail"]
    assert result["branch_status"] == "done"
    assert result["branch_content"].startswith(result["branch_prefix"])
    assert result["branch_shown"] is True and result["sibling_count"] == 2
    assert (shots / "heatmap.png").exists() and (shots / "branch.png").exists()

    store = ChatStore(tmp_path / "data" / "chats", fsync=False)
    chat = store.load(store.list_chats()[0].id)
    original, branch = chat.siblings(chat.branch()[-1].id)
    assert branch.prefix == result["branch_prefix"] and not original.prefix
    assert branch.prefix_logprobs and branch.content.startswith(branch.prefix)
