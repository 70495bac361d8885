"""Faults played through the assembled window: every one ends in a readable sentence on
the answer row, keeps what arrived of the answer, gives the composer back, and never
freezes the window (a 10 ms timer keeps ticking throughout)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

import ui.app
from core.api.client import ChatClient, make_http_client
from core.api.retry import NO_RETRIES, RetryPolicy
from core.chat import Message
from tests.gateway import FOREVER, Reply, chunk, error_body, error_chunk, text_chunks
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly

MAX_GAP_S = 1.0  # generous: machines are noisy
READ_TIMEOUT_S = 0.5


@dataclass
class Ticker:
    """A 10 ms timer that records when it fires: gaps show a blocked event loop."""

    times: list[float] = field(default_factory=list)
    timer: QTimer = field(default_factory=QTimer)

    def start(self) -> None:
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.times.append(time.monotonic()))
        self.times.append(time.monotonic())
        self.timer.start()

    def stop(self) -> float:
        """The longest gap between ticks (including the gap until now)."""
        self.timer.stop()
        self.times.append(time.monotonic())
        return max(b - a for a, b in zip(self.times, self.times[1:], strict=False))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def app_at(
    base_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    retry: RetryPolicy = NO_RETRIES,
    read_timeout: float | None = None,
) -> AsyncIterator[Assembly]:
    """The app pointed at ``base_url``, with its client's retry policy and read timeout."""

    def make_http(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        timeout = None
        if read_timeout is not None:
            timeout = httpx.Timeout(connect=5.0, read=read_timeout, write=5.0, pool=5.0)
        return make_http_client(transport=transport, timeout=timeout)

    def make_client(factory: Callable[[], httpx.AsyncClient]) -> ChatClient:
        return ChatClient(factory, retry=retry)

    monkeypatch.setattr(ui.app, "make_http_client", make_http)
    monkeypatch.setattr(ui.app, "ChatClient", make_client)
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": base_url}
    async with running_app(env) as built:
        yield built


async def send_and_watch(
    assembly: Assembly, text: str, seconds: float = 10.0, max_gap: float | None = MAX_GAP_S
) -> Message:
    """Send ``text``, wait for the answer to end while a timer ticks; the answer.

    ``max_gap``: the longest the event loop may stall (None: not checked)."""
    window = assembly.window
    ticker = Ticker()
    ticker.start()
    window.composer.set_text(text)
    window.composer.send_requested.emit(text, [])
    assert assembly.controller.is_generating()
    await wait_until(lambda: not assembly.controller.is_generating(), seconds)
    gap = ticker.stop()
    if max_gap is not None:
        assert gap < max_gap, f"the event loop stalled for {gap:.2f} s"
    answer = window.chat_page.view.rows()[-1].message
    assert answer.role == "assistant"
    return answer


def shown_text(assembly: Assembly, message_id: str) -> str:
    """The plain text of a row as drawn (body, header and footer documents)."""
    view = assembly.window.chat_page.view
    view.renderer.worker.run_all()  # a build may still be under way
    docs = view.renderer.cached(message_id)
    if docs is None:
        view.renderer.docs_for(view.model.row_of(message_id), 1e6)
        docs = view.renderer.cached(message_id)
    assert docs is not None
    return "\n".join(item.doc.toPlainText() for item in docs.flat)


def assert_readable_error(assembly: Assembly, answer: Message, *, kind: str = "") -> str:
    """The row shows one readable sentence; the composer can send again. The sentence."""
    assert answer.status == "error"
    assert answer.error is not None
    if kind:
        assert answer.error.kind == kind
    message = answer.error.message
    assert message and message.endswith("."), message
    assert len(message) < 400, message
    for raw in ("<html", "<title", "<body", "<!doctype", "{oops", '{"error"', "traceback"):
        assert raw not in message.lower(), message
    shown = shown_text(assembly, answer.id)
    assert message in shown, shown
    assert "<html" not in shown.lower() and "<title" not in shown.lower()
    composer = assembly.window.composer
    assert composer.send_button.text() == "Send"
    composer.set_text("and again")
    assert composer.can_send()
    assert composer.send_button.isEnabled()
    return message


# --- error statuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, "AuthenticationError", "API key was refused"),
        (402, "InsufficientBalanceError", "out of credit"),
        (403, "PermissionDeniedError", "not allowed"),
        (404, "NotFoundError", "Not found"),
        (500, "ServerError", "had a problem"),
        (503, "ServerError", "had a problem"),
    ],
)
async def test_error_status_is_a_sentence(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, kind: str, words: str
) -> None:
    gateway.push(Reply.error(status, error_body(f"Scripted {status} reason")))
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind=kind)
        assert words in message
        assert answer.error is not None and answer.error.status == status
        assert answer.content == ""


async def test_503_is_retried_then_shown(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the app's own retry policy: the first try and both retries fail."""
    gateway.push(*[Reply.error(503, error_body("Overloaded"))] * 3)
    async with app_at(gateway.url, tmp_path, monkeypatch, retry=RetryPolicy()) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="ServerError")
        assert "Overloaded" in message
        assert len(gateway.chat_requests()) == 3
        assert not gateway.pending


async def test_429_with_a_long_retry_after_says_when(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retry-After above the client's cap: not waited for, and the sentence says when."""
    reply = Reply.error(429, error_body("Slow down"), headers={"Retry-After": "120"})
    gateway.push(reply)  # a retry would get the default answer and end "done"
    async with app_at(gateway.url, tmp_path, monkeypatch, retry=RetryPolicy()) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="RateLimitError")
        assert "try again in 120 s" in message
        assert answer.error is not None and answer.error.retry_after_s == 120
        assert len(gateway.chat_requests()) == 1  # not retried


async def test_502_html_page_shows_no_html(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
        "<body><h1>Bad gateway</h1><p>nginx</p></body></html>"
    )
    gateway.push(Reply.html(502, page))
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        assert_readable_error(assembly, answer, kind="ServerError")
        assert answer.error is not None and answer.error.status == 502
        assert "<" not in answer.error.detail


# --- no connection --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (lambda: f"http://127.0.0.1:{closed_port()}/v1", "connection refused"),
        (lambda: "http://chorus-test.invalid/v1", "could not be resolved"),
    ],
    ids=["connection-refused", "dns-failure"],
)
async def test_unreachable_endpoint_is_a_sentence(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url, reason: str
) -> None:
    async with app_at(url(), tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="APIConnectionError")
        assert reason in message
        assert answer.content == ""


# --- streams that go wrong --------------------------------------------------------------


async def test_stream_that_stalls_times_out_and_keeps_the_partial_answer(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.push(Reply.stream([*text_chunks("partial words", finish_reason=None), FOREVER]))
    async with app_at(gateway.url, tmp_path, monkeypatch, read_timeout=READ_TIMEOUT_S) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="APITimeoutError")
        assert "read timeout" in message
        assert answer.content == "partial words"
        assert "partial words" in shown_text(assembly, answer.id)


async def test_server_that_never_answers_times_out(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.push(Reply.hang())
    async with app_at(gateway.url, tmp_path, monkeypatch, read_timeout=READ_TIMEOUT_S) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="APITimeoutError")
        assert "did not answer" in message
        assert answer.content == ""


async def test_stream_cut_mid_answer_keeps_the_partial_answer(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = text_chunks("one two three four five")  # role, five words, finish
    gateway.push(Reply.stream(events, cut_after=4, done=False))
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="IncompleteStreamError")
        assert "ended before the answer was finished" in message
        assert answer.content == "one two three"


async def test_stream_cut_inside_an_event_keeps_the_partial_answer(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = b"data: " + json.dumps(chunk({"content": "Half"})).encode() + b"\n\n"
    half = b"data: " + json.dumps(chunk({"content": " and more"})).encode()[:30]
    gateway.push(Reply.stream([whole, half], cut_after=2, done=False))
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        assert_readable_error(assembly, answer)
        assert answer.content == "Half"


async def test_error_object_mid_stream_keeps_the_partial_answer(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [*text_chunks("So far so good", finish_reason=None), error_chunk("Upstream died")]
    gateway.push(Reply.stream(events))
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="StreamErrorEvent")
        assert "Upstream died" in message
        assert answer.content == "So far so good"


async def test_malformed_json_event_is_a_sentence(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.push(Reply.raw(b"data: {oops\n\n", content_type="text/event-stream"))
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="MalformedResponseError")
        assert "not valid JSON" in message


async def test_html_login_page_with_200_is_a_sentence(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Sign in</title></head>"
        "<body><form><input name=password></form></body></html>"
    )
    gateway.push(Reply.raw(page.encode(), content_type="text/html; charset=utf-8"))
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi")
        message = assert_readable_error(assembly, answer, kind="MalformedResponseError")
        assert "login page" in message


TEN_MB = 10 * 1024 * 1024


def ten_megabyte_reply(paragraph_words: int = 0) -> tuple[str, Reply]:
    """One event whose content is 10 MB of words (one paragraph, or paragraphs of about
    ``paragraph_words`` words), then the finish."""
    sentence = "lorem ipsum dolor sit amet "
    if paragraph_words:
        sentence = "lorem ipsum dolor sit amet " * (paragraph_words // 5) + "\n\n"
    big = (sentence * (TEN_MB // len(sentence) + 1))[:TEN_MB]
    events = [chunk({"role": "assistant", "content": big}), chunk({}, finish_reason="stop")]
    return big, Reply.stream(events)


async def test_ten_megabyte_event_is_shown_whole(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer arrives whole (or as a readable error) and the composer comes back.

    The window is not checked for responsiveness here: see the test below."""
    big, reply = ten_megabyte_reply()
    gateway.push(reply)
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi", seconds=30.0, max_gap=None)
        if answer.status == "error":
            assert_readable_error(assembly, answer)
        else:
            assert answer.status == "done"
            assert answer.content == big
            composer = assembly.window.composer
            assert composer.send_button.text() == "Send"
            composer.set_text("and again")
            assert composer.can_send()


@pytest.mark.parametrize("paragraph_words", [0, 12], ids=["one-paragraph", "paragraphs"])
async def test_ten_megabyte_event_keeps_the_window_responsive(
    gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paragraph_words: int
) -> None:
    """The row renders the start of the text and says so; copying gives all of it."""
    big, reply = ten_megabyte_reply(paragraph_words)
    gateway.push(reply)
    async with app_at(gateway.url, tmp_path, monkeypatch) as assembly:
        answer = await send_and_watch(assembly, "hi", seconds=30.0)
        assert answer.content == big
        assert "Only the first 200,000 of 10,485,760 characters" in shown_text(assembly, answer.id)
        view = assembly.window.chat_page.view
        assert view.message_text(answer.id) == big
        view.copy_message(answer.id, markdown=True)
        clipboard = QGuiApplication.clipboard()
        assert clipboard is not None and len(clipboard.text()) == TEN_MB
