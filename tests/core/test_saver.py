from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import msgspec
import pytest

from core.chat import Chat, Message
from core.storage import chat_store
from core.storage.chat_store import ChatStore, ThrottledSaver
from core.storage.format import decode_chat_file
from tests.core.test_chat_store import count_calls, make_chat

INTERVAL = 0.1


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    return ChatStore(tmp_path / "chats", fsync=False)


class FakeStore:
    """Records when each save starts, how many overlap, and can fail or be slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.starts: list[float] = []
        self.saved: list[tuple[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.fail: Exception | None = None

    async def save_async(self, chat: Chat) -> None:
        self.starts.append(asyncio.get_running_loop().time())
        content = chat.messages[-1].content if chat.messages else ""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if self.fail is not None:
                raise self.fail
            self.saved.append((chat.id, content))
        finally:
            self.in_flight -= 1


def streaming_chat() -> tuple[Chat, Message]:
    chat = Chat(title="stream")
    chat.append(Message(role="user", content="go"))
    answer = chat.append(Message(role="assistant", content="", status="streaming"))
    return chat, answer


async def test_first_change_is_written_at_once_then_throttled() -> None:
    store = FakeStore()
    saver = ThrottledSaver(store, interval=INTERVAL)
    chat, answer = streaming_chat()
    answer.content = "a"
    saver.touch(chat)
    await asyncio.sleep(0.01)
    assert store.saved == [(chat.id, "a")]
    answer.content = "ab"
    saver.touch(chat)
    await asyncio.sleep(0.01)
    assert len(store.saved) == 1  # within the interval: not yet
    await asyncio.sleep(INTERVAL)
    assert store.saved == [(chat.id, "a"), (chat.id, "ab")]
    assert not saver.pending


async def test_500_changes_a_second_are_coalesced() -> None:
    store = FakeStore(delay=0.005)
    saver = ThrottledSaver(store, interval=INTERVAL)
    chat, answer = streaming_chat()
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i in range(200):  # 0.4 s at 500 changes a second
        answer.content += f"{i} "
        saver.touch(chat)
        await asyncio.sleep(0.002)
    elapsed = loop.time() - started
    await saver.flush()
    assert store.max_in_flight == 1
    gaps = [b - a for a, b in zip(store.starts, store.starts[1:], strict=False)]
    assert all(gap >= INTERVAL * 0.95 for gap in gaps[:-1])  # the last one is the flush
    assert len(store.saved) <= elapsed / INTERVAL + 2
    assert len(store.saved) >= 3
    assert store.saved[-1] == (chat.id, answer.content)


async def test_flush_writes_now_and_waits() -> None:
    store = FakeStore(delay=0.02)
    saver = ThrottledSaver(store, interval=10.0)
    chat, answer = streaming_chat()
    answer.content = "first"
    saver.touch(chat)
    await asyncio.sleep(0.005)  # the first write starts
    answer.content = "final"
    saver.touch(chat)  # waits for the 10 s interval
    await saver.flush()  # waits for the write in flight, then writes the rest
    assert store.saved == [(chat.id, "first"), (chat.id, "final")]
    assert store.max_in_flight == 1
    assert not saver.pending
    await saver.flush()  # nothing left: no write
    assert len(store.saved) == 2


async def test_several_chats_share_one_saver() -> None:
    store = FakeStore()
    saver = ThrottledSaver(store, interval=INTERVAL)
    (one, a1), (two, a2) = streaming_chat(), streaming_chat()
    a1.content, a2.content = "one", "two"
    saver.touch(one)
    saver.touch(two)
    saver.touch(one)
    await saver.flush()
    assert sorted(store.saved) == sorted([(one.id, "one"), (two.id, "two")])


async def test_background_failure_is_reported_and_retried() -> None:
    store = FakeStore()
    errors: list[Exception] = []
    saver = ThrottledSaver(store, interval=0.05, on_error=errors.append)
    chat, answer = streaming_chat()
    answer.content = "kept"
    store.fail = OSError(28, "No space left on device")
    saver.touch(chat)
    await asyncio.sleep(0.01)
    assert [str(e) for e in errors] == ["[Errno 28] No space left on device"]
    assert saver.pending and store.saved == []
    store.fail = None
    await asyncio.sleep(0.08)  # tried again after the interval
    assert store.saved == [(chat.id, "kept")]
    assert not saver.pending


async def test_flush_raises_when_its_write_fails() -> None:
    store = FakeStore()
    errors: list[Exception] = []
    saver = ThrottledSaver(store, interval=10.0, on_error=errors.append)
    chat, _ = streaming_chat()
    store.fail = OSError(13, "Permission denied")
    saver.touch(chat)
    with pytest.raises(OSError, match="Permission denied"):
        await saver.flush()
    assert saver.pending
    store.fail = None
    await saver.flush()
    assert not saver.pending and len(store.saved) == 1


async def test_cancelled_flush_does_not_cancel_the_write() -> None:
    store = FakeStore(delay=0.03)
    saver = ThrottledSaver(store, interval=10.0)
    chat, _ = streaming_chat()
    saver.touch(chat)
    flushing = asyncio.create_task(saver.flush())
    await asyncio.sleep(0.005)
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    await asyncio.sleep(0.05)
    assert store.saved == [(chat.id, "")]


async def test_real_files_are_never_left_more_than_one_interval_behind(tmp_path: Path) -> None:
    """While a chat keeps changing, the next write is always due at most one interval after
    the last one began (the saver's own schedule, so a busy machine does not make this
    fail), and the files on disk hold real, complete chats."""
    store = ChatStore(tmp_path, fsync=False)
    saver = ThrottledSaver(store, interval=INTERVAL)
    chat, answer = streaming_chat()
    path = store.path_of(chat.id)
    loop = asyncio.get_running_loop()
    due_checks = 0
    for i in range(150):
        answer.content = f"text {i}"
        saver.touch(chat)
        timer = saver._timer
        if timer is not None:
            assert timer.when() <= max(loop.time(), saver._last_start + INTERVAL) + 0.001
            due_checks += 1
        await asyncio.sleep(0.003)
        if i % 10 == 9 and path.exists():
            on_disk = decode_chat_file(path.read_bytes()).messages[-1].content
            assert on_disk.startswith("text ") and int(on_disk[5:]) <= i
    assert due_checks >= 10 and saver.writes >= 2
    answer.content = "the end"
    answer.status = "done"
    saver.touch(chat)
    await saver.flush()
    saved = store.load(chat.id)
    assert saved.messages[-1].content == "the end" and saved.messages[-1].status == "done"
    assert saver.writes <= 0.45 / INTERVAL + 3
    raw = msgspec.json.decode(path.read_bytes())
    assert raw["chat"]["messages"][-1]["content"] == "the end"


# --- async saves ---------------------------------------------------------------------


async def test_concurrent_async_saves_newest_wins(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = make_chat("v0")
    copies = []
    for i in range(1, 21):
        chat.title = f"v{i}"
        copies.append(msgspec.structs.replace(chat))
    writes = count_calls(monkeypatch, chat_store, "atomic_write_bytes")
    await asyncio.gather(*(store.save_async(c) for c in copies))
    assert store.load(chat.id).title == "v20"
    assert len(writes) == 2 + 2  # the first copy, then the newest; each with its index


async def test_sync_save_during_async_write_wins(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = make_chat("async")
    entered = threading.Event()
    original = chat_store.atomic_write_bytes

    def slow(path: Path, data: bytes, *, fsync: bool = True) -> None:
        if path.name != "index.json":
            entered.set()
            time.sleep(0.05)
        original(path, data, fsync=fsync)

    monkeypatch.setattr(chat_store, "atomic_write_bytes", slow)
    task = asyncio.create_task(store.save_async(chat))
    await asyncio.to_thread(entered.wait, 2)
    newer = msgspec.structs.replace(chat, title="sync")
    store.save(newer)
    await task
    assert store.load(chat.id).title == "sync"
    _seq, data, summary = store._encode(msgspec.structs.replace(chat, title="stale"))
    assert store._write(chat.id, 1, data, summary) is False  # older than what is on disk
    assert store.load(chat.id).title == "sync"


async def test_async_save_writes_off_the_loop_thread(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    original = chat_store.atomic_write_bytes

    def record(path: Path, data: bytes, *, fsync: bool = True) -> None:
        threads.append(threading.get_ident())
        original(path, data, fsync=fsync)

    monkeypatch.setattr(chat_store, "atomic_write_bytes", record)
    await store.save_async(make_chat())
    assert threads and threading.get_ident() not in threads
    assert len(await store.list_chats_async()) == 1
