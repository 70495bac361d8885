"""The Sampling tab in the assembled app against the loopback gateway: following an
answer as it streams, branching from a token (after the endpoint was probed) and
repeating a request, on a chat and on a comparison."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.chat import Chat, Message
from core.continuation import probe_key
from core.sampling import answer_logprobs
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly

KINDS = ["chat", "compare"]
# the repeat report is brought to the front, which the offscreen platform cannot do
pytestmark = pytest.mark.qt_log_ignore("does not support raise")
PARAMS = {
    "stream": True,
    "stream_options.include_usage": True,
    "logprobs": True,
    "top_logprobs": 5,
    "temperature": 1.0,
    "seed": 11,
}


@dataclass
class Screen:
    assembly: Assembly
    kind: str

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.assembly.window

    def thread(self) -> Chat:
        """The chat, or the first column of the comparison."""
        if self.kind == "chat":
            chat = self.assembly.controller.chat
        else:
            cmp = self.assembly.comparisons.comparison
            chat = cmp.columns[0] if cmp is not None else None
        assert chat is not None
        return chat

    def answer(self) -> Message:
        return self.thread().branch()[-1]

    def idle(self) -> bool:
        return not self.window.page.is_generating()


@pytest.fixture(params=KINDS)
async def screen(request, qapp, gateway, tmp_path: Path) -> AsyncIterator[Screen]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        window.set_model("gpt-4o-mini")
        window.page.set_params(dict(PARAMS))
        if request.param == "compare":
            window.menu_actions["compare"].trigger()
            window.page.set_params(dict(PARAMS))
        yield Screen(assembly, request.param)


async def _ask(screen: Screen, text: str = "hello") -> Message:
    screen.window.composer.send_requested.emit(text, [])
    await wait_until(screen.idle)
    answer = screen.answer()
    assert answer.status == "done", answer.error
    return answer


async def test_the_heat_map_follows_an_answer_as_it_streams(screen: Screen, gateway) -> None:
    gateway.delay = 0.04
    view = screen.window.sampling
    seen: list[int] = []
    screen.window.composer.send_requested.emit("hello there", [])
    await wait_until(lambda: view.is_live() and view.heatmap.count() > 0)
    while not screen.idle():
        seen.append(view.heatmap.count())
        await asyncio.sleep(0.01)
    answer = screen.answer()
    assert view.message_id() == answer.id and not view.is_live()
    assert view.heatmap.count() == len(answer_logprobs(answer)) > max(seen[:1] or [0])
    assert any(0 < n < view.heatmap.count() for n in seen)  # it grew while streaming


async def test_a_saved_answer_shows_when_its_chat_opens(screen: Screen) -> None:
    answer = await _ask(screen)
    window = screen.window
    window.new_chat()
    assert window.sampling.message_id() is None
    shown = window.page.shown_chat_id()
    assert shown is None
    owner = answer.id
    chat_id = next(s.id for s in window.sidebar.model.summaries())
    window.open_chat(chat_id)
    assert window.sampling.message_id() == owner
    assert window.sampling.heatmap.count() == len(answer_logprobs(screen.answer()))


async def test_branching_from_a_token_probes_once_then_continues(screen: Screen, gateway) -> None:
    answer = await _ask(screen)
    window = screen.window
    view = window.sampling
    assert view.message_id() == answer.id
    index = 3  # a sampled word: its candidates are real
    view.select_token(index)
    other = next(bar for bar in view.bars() if not bar.chosen)
    before = len(gateway.chat_requests())
    view.chart.candidate_clicked.emit(other.token)
    await wait_until(lambda: len(screen.thread().siblings(answer.id)) == 2)
    await wait_until(screen.idle)
    requests = gateway.chat_requests()[before:]
    probe, branch_request = requests
    assert probe.body["messages"][-1]["content"] == "The quick brown fox jum"
    entries = answer_logprobs(answer)
    prefix = "".join(e.token for e in entries[:index]) + other.token
    assert branch_request.body["messages"][-1] == {"role": "assistant", "content": prefix}
    assert branch_request.body["seed"] == 11 and branch_request.body["logprobs"] is True
    branch = screen.answer()
    assert branch.id != answer.id and branch.status == "done"
    assert branch.content.startswith(prefix) and len(branch.content) > len(prefix)
    assert answer_logprobs(branch)[index].token == other.token
    assert view.message_id() == branch.id  # the Sampling tab shows the branch
    settings = screen.assembly.services.settings
    assert settings.continuation[probe_key(gateway.url, "gpt-4o-mini")].verdict == "continues"
    assert "continues answers" in view.branch_label.text()

    view.select_token(1)
    again = next(bar for bar in view.bars() if not bar.chosen)
    before = len(gateway.chat_requests())
    view.chart.candidate_clicked.emit(again.token)
    await wait_until(lambda: len(screen.thread().siblings(answer.id)) == 3)
    await wait_until(screen.idle)
    assert len(gateway.chat_requests()) == before + 1  # no second probe


@pytest.mark.parametrize("mode", ["restart", "refuse"])
async def test_an_endpoint_that_does_not_continue_is_named_and_nothing_is_sent(
    screen: Screen, gateway, mode: str
) -> None:
    answer = await _ask(screen)
    gateway.assistant_prefill = mode
    view = screen.window.sampling
    view.select_token(2)
    other = next(bar for bar in view.bars() if not bar.chosen)
    before = len(gateway.chat_requests())
    view.chart.candidate_clicked.emit(other.token)
    bar = screen.window.notice_bar
    await wait_until(lambda: bar.isVisible() and "No branch was made" in bar.label.text())
    assert len(gateway.chat_requests()) == before + 1  # the probe only
    assert len(screen.thread().siblings(answer.id)) == 1
    said = bar.label.text()
    assert ("starts a new answer" in said) if mode == "restart" else ("refuses" in said)
    assert bar.action_button.text() == "Check again"
    gateway.assistant_prefill = "continue"
    bar.action_button.click()  # probes again, and this time branches
    await wait_until(lambda: len(screen.thread().siblings(answer.id)) == 2)
    await wait_until(screen.idle)


async def test_repeat_sends_the_identical_request_and_reports(screen: Screen, gateway) -> None:
    answer = await _ask(screen)
    window = screen.window
    first_body = gateway.chat_requests()[-1].body
    before = len(gateway.chat_requests())
    window.sampling.repeat_requested.emit(answer.id, 3)
    await wait_until(lambda: len(gateway.chat_requests()) == before + 3)
    await wait_until(screen.idle)
    for request in gateway.chat_requests()[before:]:
        assert request.body == first_body
    thread = screen.thread()
    repeats = [m for m in thread.messages if m.repeat_of == answer.id]
    assert len(repeats) == 3 and all(r.status == "done" for r in repeats)
    assert screen.answer().id == answer.id  # the branch on screen stays
    dialog = window.sampling_tab.reports[answer.id]
    assert dialog.isVisible() and dialog.table.rowCount() == 4
    text = dialog.summary_label.text()
    assert "All 4 answers to the identical request are identical" in text
    assert "Seed 11 was honoured" in text and "fp_gateway" in text
    dialog.close()


async def test_a_seed_the_endpoint_ignores_is_reported(screen: Screen, gateway) -> None:
    gateway.honour_seed = False
    answer = await _ask(screen, "vary")
    view = screen.window.chat_page.view if screen.kind == "chat" else None
    if view is not None:
        menu = view.context_menu_for(answer.id)
        repeat = next(a for a in menu.actions() if a.text() == "Repeat the identical request")
        repeat.menu().actions()[0].trigger()  # Repeat ×3
    else:
        screen.window.sampling.repeat_requested.emit(answer.id, 3)
    await wait_until(lambda: len([m for m in screen.thread().messages if m.repeat_of]) == 3)
    await wait_until(screen.idle)
    dialog = screen.window.sampling_tab.reports[answer.id]
    text = dialog.summary_label.text()
    assert "Seed 11 was not honoured" in text and "They first part at token" in text
    assert "Diversity" in text
    dialog.show_requested.emit(dialog._ids[2])
    assert screen.answer().id == dialog._ids[2]  # that repeat is on screen now
    dialog.close()
