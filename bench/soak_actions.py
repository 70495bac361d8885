"""What the soak (bench/soak.py) does, one step after another, as a person would.

Each *scenario* drives the assembled app through the window (``window.send``,
``window.stop``, ``window.regenerate``, the sweep panel's Run button, the Sampling tab)
against the benchmark gateway (bench/stream_gateway.py, scripted by the message) and
checks how it ended; a wrong ending is returned as a sentence and counted as a failure.
Between scenarios, :func:`ui_actions` switches to saved chats and back, searches, opens
the model picker, flips the theme and scrolls. :func:`prune` deletes the soak's oldest
chats (with the undo offer a person gets), so the chat list stays the size a person's
would and the run measures a steady state, not an ever-growing one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from PySide6.QtWidgets import QApplication
from sample_text import question
from shiboken6 import isValid

from core.chat import Chat, Message
from ui.app import Assembly
from ui.shell.page import Command

TIMEOUT_S = 120.0
KEEP_CHATS = 12  # the soak's own chats and comparisons kept; older ones are deleted

Scenario = Callable[[Assembly, int], Awaitable[str | None]]


async def pump(seconds: float) -> None:
    """Let the loop (and with it Qt's events) run for a while. Never processEvents() here:
    that would run other tasks' steps inside this one."""
    await asyncio.sleep(seconds)


async def until_idle(assembly: Assembly) -> bool:
    """Wait until the page on screen streams no more; False after ``TIMEOUT_S``."""
    started = time.monotonic()
    while assembly.window.page.is_generating():
        if time.monotonic() - started > TIMEOUT_S:
            assembly.window.stop()
            return False
        await asyncio.sleep(0.05)
    return True


def send(assembly: Assembly, text: str) -> None:
    """Type ``text`` in the composer and press Enter."""
    composer = assembly.window.composer
    composer.set_text(text)
    composer.send_requested.emit(text, [])


def last_answer(assembly: Assembly) -> Message | None:
    chat = assembly.controller.chat
    branch = chat.branch() if chat is not None else []
    return branch[-1] if branch and branch[-1].role == "assistant" else None


def columns(assembly: Assembly) -> list[Chat]:
    cmp = assembly.comparisons.comparison
    return list(cmp.columns) if cmp is not None else []


def ended(message: Message | None, status: str, *, text: bool = True) -> str | None:
    """None when ``message`` ended with ``status`` (and some text, if ``text``)."""
    if message is None:
        return f"no answer (wanted {status})"
    if message.status != status:
        why = f" ({message.error.message})" if message.error else ""
        return f"ended {message.status}{why}, wanted {status}"
    if text and not message.content:
        return f"ended {status} with no text"
    return None


# --- scenarios -------------------------------------------------------------------------


async def chat_answer(assembly: Assembly, step: int) -> str | None:
    """A new chat; a Markdown answer of 4,000 characters."""
    assembly.window.new_chat()
    send(assembly, f"{question(step)} [[markdown 4000 seed {step}]]")
    if not await until_idle(assembly):
        return "timed out"
    return ended(last_answer(assembly), "done")


async def regenerate(assembly: Assembly, step: int) -> str | None:
    """A chat answer, then Regenerate: a second answer on a second branch."""
    problem = await chat_answer(assembly, step)
    if problem:
        return problem
    window = assembly.window
    refused = window.page.why_not(Command.REGENERATE)
    if refused is not None:
        return f"Regenerate refused: {refused}"
    first = last_answer(assembly)
    window.regenerate()
    if not await until_idle(assembly):
        return "timed out"
    again = last_answer(assembly)
    if again is None or first is None or again.id == first.id:
        return "no second answer"
    return ended(again, "done")


async def stop_mid_stream(assembly: Assembly, step: int) -> str | None:
    """A long answer, stopped a second into its text: the partial text stays, "stopped"."""
    assembly.window.new_chat()
    send(assembly, f"{question(step)} [[markdown 60000 seed {step}]]")
    started = time.monotonic()
    while time.monotonic() - started < TIMEOUT_S:  # a second of text, however slow the start
        answer = last_answer(assembly)
        if answer is not None and len(answer.content) > 2000:
            break
        await pump(0.05)
    assembly.window.stop()
    if not await until_idle(assembly):
        return "timed out"
    return ended(last_answer(assembly), "stopped")


async def errors(assembly: Assembly, step: int) -> str | None:
    """In one chat: a 429 (retried, then an error), a 500 (retried with backoff, then an
    error) and a stream cut after 30 events (an error, the partial text kept)."""
    assembly.window.new_chat()
    for directive, text in (("[[status 429]]", False), ("[[status 500]]", False)):
        send(assembly, f"{question(step)} {directive}")
        if not await until_idle(assembly):
            return "timed out"
        problem = ended(last_answer(assembly), "error", text=text)
        if problem:
            return f"{directive}: {problem}"
    send(assembly, f"{question(step)} and more words to echo back {step} [[cut 8]]")
    if not await until_idle(assembly):
        return "timed out"
    return ended(last_answer(assembly), "error")


async def comparison(assembly: Assembly, step: int) -> str | None:
    """A comparison of four columns, each a Markdown answer of 3,000 characters."""
    window = assembly.window
    models = [f"soak-model-{i}" for i in range(4)]
    if assembly.comparisons.new_comparison(models, window.params_panel.values()) is None:
        return "the comparison was refused"
    window.show_page(window.compare_page)
    window.send(f"{question(step)} [[markdown 3000 seed {step}]]", [])
    if not await until_idle(assembly):
        return "timed out"
    for col in columns(assembly):
        problem = ended(col.branch()[-1], "done")
        if problem:
            return f"{col.model}: {problem}"
    return None


async def sweep(assembly: Assembly, step: int) -> str | None:
    """A temperature sweep (0, 0.5, 1, 1.5) of a chat's prompt, run with the Sweep tab's
    button: an evaluation of one row and four columns."""
    window = assembly.window
    window.new_chat()
    window.composer.set_text(f"Sweep {step}: {question(step)}")
    panel = assembly.sweep_tab.panel
    panel.axis1_values.setText("0, 0.5, 1, 1.5")
    panel.run_button.click()
    await pump(0.05)
    if window.page is not assembly.eval_page:
        return "the sweep did not start"
    if not await until_idle(assembly):
        return "timed out"
    run = assembly.evaluations.run
    if run is None or len(run.configs) != 4:
        return f"{len(run.configs) if run else 0} sweep columns, wanted 4"
    for cell in run.cells:
        config = run.config(cell.config_id)
        problem = ended(cell.answer, "done")
        if problem:
            return f"sweep {config.label if config else cell.config_id}: {problem}"
    return None


async def sampling(assembly: Assembly, step: int) -> str | None:
    """An answer with log probabilities, looked at in the Sampling tab: tokens picked,
    the temperature and top-p sliders moved."""
    window = assembly.window
    window.new_chat()
    window.page.set_params({**window.page.params(), "logprobs": True, "top_logprobs": 5})
    send(assembly, f"{question(step)} tell me more")
    if not await until_idle(assembly):
        return "timed out"
    problem = ended(last_answer(assembly), "done")
    if problem:
        return problem
    view = window.sampling
    window.right.show()
    window.right.setCurrentWidget(view)
    if view.tokens.count() == 0:
        return "the Sampling tab shows no tokens"
    for index in range(0, view.tokens.count(), 3):
        view.select_token(index)
        await pump(0.01)
    for value in (0.3, 1.2, 1.8):
        view.set_temperature(value)
        view.set_top_p(min(1.0, value / 2))
        await pump(0.02)
    view.reset_sliders()
    window.right.setCurrentWidget(window.params_panel)
    return None


SCENARIOS: tuple[Scenario, ...] = (
    chat_answer,
    comparison,
    regenerate,
    stop_mid_stream,
    errors,
    sweep,
    sampling,
)


# --- between scenarios -----------------------------------------------------------------


async def ui_actions(app: QApplication, assembly: Assembly, step: int) -> None:
    """Switch to saved chats and back, search, open the model picker, flip the theme,
    scroll."""
    window = assembly.window
    shown = window.page.shown_chat_id()
    summaries = window.sidebar.model.summaries()
    for summary in summaries[step % 3 :: 4][:3]:
        window.open_chat(summary.id)
        await pump(0.05)
        if window.page is window.chat_page:
            window.chat_page.view.scroll_to_bottom()
    if shown is not None and window.sidebar.model.summary(shown) is not None:
        window.open_chat(shown)
        await pump(0.05)
    window.show_search()
    panel = window.search_panel
    for text in ("m", "ma", "mark", "markdown", f"seed {step % 7}"):
        panel.query_edit.setText(text)
        await pump(0.05)
    await pump(0.3)
    window.hide_search()
    window.find_chats()
    window.sidebar.filter_edit.setText("Sweep")
    await pump(0.1)
    window.sidebar.filter_edit.clear()
    window.choose_model()
    await pump(0.15)
    picker = getattr(window.dialogs, "picker", None)
    if picker is not None and isValid(picker):
        picker.search.setText("gpt")
        await pump(0.05)
        picker.reject()
    await pump(0.05)
    window.menu_actions["theme_dark" if step % 2 == 0 else "theme_light"].trigger()
    await pump(0.1)
    if window.page is window.compare_page:
        view = window.compare_page.view
        for column in view.columns():
            column.set_scroll_fraction(0.0)
        await pump(0.05)
        for column in view.columns():
            column.set_scroll_fraction(1.0)
    else:
        window.chat_page.view.view.verticalScrollBar().setValue(0)
        await pump(0.05)
        window.chat_page.view.scroll_to_bottom()
    await pump(0.05)
    del app


async def prune(assembly: Assembly, own: list[str]) -> None:
    """Delete the soak's oldest chats beyond ``KEEP_CHATS`` (``own``: their ids, oldest
    first), each with the undo offer a person gets."""
    window = assembly.window
    listed = {s.id for s in window.sidebar.model.summaries()}
    for chat_id in [c for c in own if c not in listed]:
        own.remove(chat_id)
    while len(own) > KEEP_CHATS:
        window.housekeeping.delete_chat(own.pop(0))
        await pump(0.05)
