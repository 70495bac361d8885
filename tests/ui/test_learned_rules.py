"""Learning from refusals, through the window against the loopback gateway.

The gateway serves ``team-model`` from an upstream model as a one-api/new-api model
mapping does, so Chorus's built-in rules cannot know it by its name and the upstream
really refuses: each refusal ends, after one click on its fix in the error box, in an
answer, and the next request to that model is shaped without asking. Learned rules show
in the Parameters tab with where they came from, and can be removed there.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from core.chat import Chat, Message
from core.profiles import ENV_PROFILE_NAME
from tests.gateway import Gateway, Reply, error_body
from tests.gateway.upstreams import Shape
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from tests.ui.chat_view_support import click_link
from ui.app import Assembly
from ui.transcript.chat_view import ChatView

MODEL = "team-model"


@dataclass(frozen=True)
class Case:
    upstream: str  # what the gateway maps team-model to
    params: dict[str, Any]  # set in the Parameters tab
    fix: str  # the id of the fix clicked
    label: str  # what its link says
    sent: dict[str, Any]  # fields the shaped request carries
    not_sent: tuple[str, ...]  # fields it does not carry
    shape: Shape  # the body the refusal comes in, in a comparison


CASES = {
    "max_tokens": Case(
        "gpt-5-mini",
        {"max_tokens": 300},
        "rename:max_tokens:max_completion_tokens",
        "Use max_completion_tokens",
        {"max_completion_tokens": 300},
        ("max_tokens",),
        "new_api",
    ),
    "temperature": Case(
        "gpt-5-mini",
        {"temperature": 0.7},
        "drop:temperature",
        "Send without temperature",
        {},
        ("temperature",),
        "vllm",
    ),
    "temperature_and_top_p": Case(
        "claude-opus-4-1",
        {"temperature": 0.5, "top_p": 0.9},
        "exclusive:top_p:temperature",
        "Send without top_p",
        {"temperature": 0.5},
        ("top_p",),
        "anthropic",
    ),
    "logprobs": Case(
        "o4-mini",
        {"logprobs": True, "top_logprobs": 3},
        "drop:logprobs",
        "Send without logprobs",
        {},
        ("logprobs", "top_logprobs"),
        "llama_cpp",
    ),
}


@dataclass
class Screen:
    assembly: Assembly
    kind: str

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.assembly.window

    def threads(self) -> list[Chat]:
        if self.kind == "chat":
            chat = self.assembly.controller.chat
            assert chat is not None
            return [chat]
        cmp = self.assembly.comparisons.comparison
        assert cmp is not None
        return cmp.columns

    def view(self, thread: Chat) -> ChatView:
        if self.kind == "chat":
            return self.assembly.chat_page.view
        column = self.assembly.compare_page.view.column(thread.id)
        assert column is not None
        return column.view

    def idle(self) -> bool:
        return not self.window.page.is_generating()

    async def send(self, text: str) -> None:
        self.window.composer.send_requested.emit(text, [])
        await wait_until(self.idle)


def _last_answer(thread: Chat) -> Message:
    answer = thread.branch()[-1]
    assert answer.role == "assistant"
    return answer


def _set_params(screen: Screen, values: dict[str, Any]) -> None:
    """Set fields in the Parameters tab as a person does."""
    panel = screen.window.params_panel
    for name, value in values.items():
        row = panel.rows[name]
        row.editor.set_value(value)
        row.set_sent(True)
    panel.flush()


async def _open(kind: str, gateway: Gateway, tmp_path: Path) -> AsyncIterator[Screen]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        window.set_model(MODEL)
        if kind == "compare":
            window.menu_actions["compare"].trigger()
            assert window.page is window.compare_page
        yield Screen(assembly, kind)


@pytest.fixture(params=["chat", "compare"])
async def screen(request, qapp, gateway: Gateway, tmp_path: Path) -> AsyncIterator[Screen]:
    async for found in _open(request.param, gateway, tmp_path):
        yield found


@pytest.mark.parametrize("name", list(CASES))
async def test_one_click_on_the_fix_answers_and_the_next_request_is_shaped(
    screen: Screen, qtbot: QtBot, gateway: Gateway, name: str
) -> None:
    case = CASES[name]
    gateway.model_mapping = {MODEL: case.upstream}
    if screen.kind == "compare":
        gateway.error_shape = case.shape
    _set_params(screen, case.params)
    threads = screen.threads()
    assert all(t.model == MODEL for t in threads)

    await screen.send("first question")
    refused = [_last_answer(t) for t in threads]
    assert all(a.status == "error" and a.error and a.error.status == 400 for a in refused)
    assert len(gateway.chat_requests()) == len(threads)

    first, answer = threads[0], refused[0]
    click_link(qtbot, screen.view(first), answer.id, f"chorus:fix/{case.fix}")
    await wait_until(screen.idle)

    assert answer.status == "done", answer.error
    assert answer.content.startswith("Echo")
    retried = gateway.chat_requests()[-1].body
    for field, value in case.sent.items():
        assert retried[field] == value
    assert not set(case.not_sent) & set(retried)
    today = datetime.date.today().isoformat()
    rules = screen.assembly.services.settings.learned_rules
    assert [(r.profile, r.model, r.learned_on) for r in rules] == [(ENV_PROFILE_NAME, MODEL, today)]
    said = [n.text for n in screen.assembly.notifier.shown if n.text.startswith("Chorus will")]
    assert said and said[-1].endswith("from now on; see Parameters.")

    # the next request to the model is shaped without asking, in every thread
    before = len(gateway.chat_requests())
    await screen.send("second question")
    assert all(_last_answer(t).status == "done" for t in threads)
    shaped = gateway.chat_requests()[before:]
    assert len(shaped) == len(threads)  # no refusal in between
    for request in shaped:
        assert not set(case.not_sent) & set(request.body)

    # the Parameters tab says where the rule came from
    assert _rule_lines(screen, f"Learned from 127.0.0.1:{gateway.port} on {today}")


def _rule_lines(screen: Screen, needle: str) -> list[QWidget]:
    """The lines of the Model rules section that say ``needle``."""
    box = screen.window.params_panel.rules_box
    assert box is not None
    found = []
    for line in box.lines:
        label = line.findChild(QLabel, "modelRuleText")
        if label is not None and needle in label.text():
            found.append(line)
    return found


@pytest.fixture
async def chat_screen(qapp, gateway: Gateway, tmp_path: Path) -> AsyncIterator[Screen]:
    async for found in _open("chat", gateway, tmp_path):
        yield found


async def _refused_then_fixed(screen: Screen, qtbot: QtBot, gateway: Gateway) -> Message:
    """A temperature refused by team-model (a gpt-5-mini), fixed with one click."""
    gateway.model_mapping = {MODEL: "gpt-5-mini"}
    _set_params(screen, {"temperature": 0.7})
    await screen.send("first question")
    (thread,) = screen.threads()
    answer = _last_answer(thread)
    assert answer.status == "error"
    click_link(qtbot, screen.view(thread), answer.id, "chorus:fix/drop:temperature")
    await wait_until(screen.idle)
    assert answer.status == "done"
    return answer


def _button(line: QWidget) -> QToolButton:
    button = line.findChild(QToolButton, "modelRuleButton")
    assert button is not None
    return button


async def test_the_fix_is_in_the_context_menu_too(chat_screen: Screen, gateway: Gateway) -> None:
    gateway.model_mapping = {MODEL: "gpt-5-mini"}
    _set_params(chat_screen, {"temperature": 0.7})
    await chat_screen.send("first question")
    (thread,) = chat_screen.threads()
    answer = _last_answer(thread)
    menu = chat_screen.view(thread).context_menu_for(answer.id)
    (action,) = [a for a in menu.actions() if a.text() == "Send without temperature"]
    action.trigger()
    await wait_until(chat_screen.idle)
    assert answer.status == "done"
    assert "temperature" not in gateway.chat_requests()[-1].body


async def test_the_request_preview_and_the_markers_show_the_learned_rule(
    chat_screen: Screen, qtbot: QtBot, gateway: Gateway
) -> None:
    await _refused_then_fixed(chat_screen, qtbot, gateway)
    window = chat_screen.window
    window.update_preview()
    window.preview.flush()
    assert '"temperature"' not in window.preview.body_text()
    today = datetime.date.today().isoformat()
    where = f"127.0.0.1:{gateway.port}"
    assert window.preview.adjustment_lines() == [
        f"⊘ temperature: Not sent. Learned from {where} on {today}, when it refused temperature."
    ]
    row = window.params_panel.rows["temperature"]
    assert row.is_struck()
    assert row.marker.isVisibleTo(window) and "Learned from" in row.marker.toolTip()
    assert "1 not sent to team-model (temperature)" in window.params_panel.summary_text()


async def test_a_removed_rule_sends_the_field_again(
    chat_screen: Screen, qtbot: QtBot, gateway: Gateway
) -> None:
    await _refused_then_fixed(chat_screen, qtbot, gateway)
    (line,) = _rule_lines(chat_screen, "Learned from")
    button = _button(line)
    assert button.text() == "Remove"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert chat_screen.assembly.services.settings.learned_rules == []
    assert not _rule_lines(chat_screen, "Learned from")
    assert not chat_screen.window.params_panel.rows["temperature"].is_struck()
    gateway.model_mapping = {}  # the endpoint now takes temperature
    gateway.accepted_models.add(MODEL)
    await chat_screen.send("second question")
    assert gateway.chat_requests()[-1].body["temperature"] == 0.7


async def test_rules_are_kept_per_endpoint(
    chat_screen: Screen, qtbot: QtBot, gateway: Gateway
) -> None:
    await _refused_then_fixed(chat_screen, qtbot, gateway)
    runner = chat_screen.assembly.runner
    assert runner.rules(ENV_PROFILE_NAME, MODEL) != runner.rules("AnyFast", MODEL)
    assert runner.rules("AnyFast", MODEL) == []


def _allow(screen: Screen, field: str) -> None:
    """Send anyway › Send <field>, on the built-in rule that holds it back."""
    (line,) = _rule_lines(screen, "OpenAI reasoning models reject temperature")
    menu = _button(line).menu()
    assert menu is not None
    (action,) = [a for a in menu.actions() if a.text() == f"Send {field}"]
    action.trigger()


async def test_a_built_in_rule_the_endpoint_contradicts_is_noted(
    chat_screen: Screen, gateway: Gateway
) -> None:
    gateway.upstream_rules = False  # this endpoint takes temperature for gpt-5-mini
    window = chat_screen.window
    window.set_model("gpt-5-mini")
    _set_params(chat_screen, {"temperature": 0.7})
    assert window.params_panel.rows["temperature"].is_struck()
    _allow(chat_screen, "temperature")
    assert not window.params_panel.rows["temperature"].is_struck()
    assert _rule_lines(chat_screen, "Built-in rule turned off by you on")
    await chat_screen.send("first question")
    sent = gateway.chat_requests()[-1].body
    assert sent["temperature"] == 0.7 and "top_p" not in sent
    (entry,) = chat_screen.assembly.services.settings.learned_rules
    assert (entry.kind, entry.field, entry.accepted_on) == (
        "allow",
        "temperature",
        datetime.date.today().isoformat(),
    )
    (line,) = _rule_lines(chat_screen, "the endpoint contradicts the built-in rule")
    assert (
        f"127.0.0.1:{gateway.port} accepted it on" in line.findChild(QLabel, "modelRuleText").text()
    )
    assert _button(line).text() == "Restore"


async def test_a_refusal_of_a_field_sent_anyway_restores_the_built_in_rule(
    chat_screen: Screen, qtbot: QtBot, gateway: Gateway
) -> None:
    window = chat_screen.window
    window.set_model("gpt-5-mini")
    _set_params(chat_screen, {"temperature": 0.7})
    _allow(chat_screen, "temperature")
    await chat_screen.send("first question")
    (thread,) = chat_screen.threads()
    answer = _last_answer(thread)
    assert answer.status == "error"
    click_link(qtbot, chat_screen.view(thread), answer.id, "chorus:fix/drop:temperature")
    await wait_until(chat_screen.idle)
    assert answer.status == "done"
    assert chat_screen.assembly.services.settings.learned_rules == []
    assert window.params_panel.rows["temperature"].is_struck()


async def test_a_refusal_that_names_no_sent_field_offers_only_retry(
    chat_screen: Screen, gateway: Gateway
) -> None:
    gateway.accepted_models.add(MODEL)
    gateway.push(Reply.error(400, error_body("This model's maximum context length is 8192.")))
    await chat_screen.send("first question")
    (thread,) = chat_screen.threads()
    answer = _last_answer(thread)
    assert answer.status == "error"
    view = chat_screen.view(thread)
    menu = view.context_menu_for(answer.id)
    assert not [a for a in menu.actions() if a.text().startswith("Send without")]
    index = view.model.index(view.model.row_of(answer.id))
    view.view.scrollTo(index)
    assert not view.delegate.anchor_rect(view.view, index, "chorus:retry").isEmpty()
    assert chat_screen.assembly.services.settings.learned_rules == []
