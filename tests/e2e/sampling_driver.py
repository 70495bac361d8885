"""Drive the real app in a real X11 window for tests/e2e/test_real_sampling.py.

``python tests/e2e/sampling_driver.py OUT_DIR``: builds the app as ``main()`` does (with
the environment's ``CHORUS_DATA_DIR`` and ``OPENAI_BASE_URL``), asks a question with
token probabilities, shows the heat map of the answer, then clicks a candidate that
was not chosen and waits for the branch. Screenshots of the window go to ``OUT_DIR``
(``heatmap.png``, ``branch.png``); the last line printed is one JSON object saying what
happened.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import qasync
from PySide6.QtWidgets import QApplication

from core.sampling import answer_logprobs
from ui.app import build

PROMPT = "Name three colours of the rainbow, one per line."
MODEL = os.environ.get("CHORUS_E2E_MODEL", "gemma-3-270m")


async def _until(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def drive(app: QApplication, out: Path) -> dict[str, object]:
    assembly = build(app)
    window = assembly.window
    window.resize(1280, 800)
    window.show()
    await asyncio.sleep(0.2)
    assembly.finish_start()
    result: dict[str, object] = {}
    try:
        window.new_chat()
        window.set_model(MODEL)
        window.composer.send_requested.emit(PROMPT, [])
        if not await _until(lambda: not window.page.is_generating(), 300):
            return {"error": "the answer did not finish"}
        chat = assembly.controller.chat
        assert chat is not None
        answer = chat.branch()[-1]
        entries = answer_logprobs(answer)
        view = window.sampling
        window.right.setCurrentWidget(view)
        result.update(
            answer_status=answer.status,
            answer_tokens=len(entries),
            heatmap_tokens=view.heatmap.count(),
            shown=view.message_id() == answer.id,
        )
        await asyncio.sleep(0.5)
        window.grab().save(str(out / "heatmap.png"))
        index = next(
            (i for i, e in enumerate(entries) if i >= len(entries) // 3 and len(e.top) > 1), -1
        )
        if index < 0:
            return {**result, "error": "no token with alternatives"}
        view.select_token(index)
        other = next(bar.token for bar in view.bars() if not bar.chosen)
        siblings = len(chat.siblings(answer.id))
        view.chart.candidate_clicked.emit(other)
        branched = await _until(lambda: len(chat.siblings(answer.id)) > siblings, 120)
        verdict = next(iter(assembly.services.settings.continuation.values()), None)
        result["verdict"] = verdict.verdict if verdict is not None else ""
        result["verdict_detail"] = verdict.detail if verdict is not None else ""
        if not branched:
            return {**result, "error": "no branch", "notices": window.notice_bar.messages}
        await _until(lambda: not window.page.is_generating(), 300)
        branch = chat.branch()[-1]
        prefix = "".join(e.token for e in entries[:index]) + other
        result.update(
            branch_status=branch.status,
            branch_prefix=prefix,
            branch_content=branch.content,
            branch_tokens=len(answer_logprobs(branch)),
            branch_shown=view.message_id() == branch.id,
            sibling_count=len(chat.siblings(answer.id)),
        )
        await asyncio.sleep(0.5)
        window.grab().save(str(out / "branch.png"))
        await assembly.runner.flush()
    finally:
        window.close()
        await assembly.close()
    return result


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(drive(app, out))
    print(json.dumps(result), flush=True)
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    raise SystemExit(main())
