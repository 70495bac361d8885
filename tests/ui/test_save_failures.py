"""A chats folder that cannot be written: the same message in a chat and in a comparison,
nothing lost, and everything saved once the folder can be written again."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.chat import Chat
from core.storage.chat_store import ChatStore
from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.app import Assembly


class ReadOnlyFolder:
    """Makes every write of ``store`` fail as a read-only file system does (the tests
    run as root, for whom a folder's permission bits do not stop a write)."""

    def __init__(self, store: ChatStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store = store
        self.monkeypatch = monkeypatch

    def __enter__(self) -> ReadOnlyFolder:
        def refuse(*_args: object, **_kw: object) -> None:
            raise OSError(errno.EROFS, "Read-only file system")

        async def refuse_async(*_args: object, **_kw: object) -> None:
            refuse()

        self.monkeypatch.setattr(self.store, "save", refuse)
        self.monkeypatch.setattr(self.store, "save_async", refuse_async)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.monkeypatch.undo()


@pytest.fixture
async def assembly(gateway, tmp_path: Path) -> AsyncIterator[Assembly]:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as built:
        built.runner.saver.interval = 0.05  # retries come quickly in the test
        built.window.set_model("gpt-4o")
        yield built


def shown(assembly: Assembly, kind: str) -> Chat:
    chat = assembly.controller.chat if kind == "chat" else assembly.comparisons.comparison
    assert chat is not None
    return chat


@pytest.mark.parametrize("kind", ["chat", "compare"])
async def test_a_failed_final_save_is_said_and_nothing_is_lost(
    assembly: Assembly, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, store = assembly.window, assembly.services.store
    if kind == "compare":
        window.new_comparison()
    with ReadOnlyFolder(store, monkeypatch):
        window.composer.send_requested.emit("keep me", [])
        await wait_until(lambda: not window.page.is_generating())
        await wait_until(lambda: window.notice_bar.isVisible())
        [message] = window.notice_bar.messages
        folder = store.folder
        assert message.startswith(f"Could not save to the chats folder ({folder}): Read-only")
        assert "Nothing is lost" in message and "keeps trying" in message
        chat = shown(assembly, kind)
        threads = chat.columns if kind == "compare" else [chat]
        assert all(t.branch()[-1].status == "done" for t in threads)  # still on screen
        assert not store.path_of(chat.id).exists()
        await wait_until(lambda: len(assembly.notifier.shown) >= 3)  # retried, said once
        assert window.notice_bar.messages == [message]
    # The folder can be written again: the next retry saves it all and says so.
    await wait_until(lambda: store.path_of(chat.id).exists())
    await wait_until(lambda: not window.notice_bar.messages)
    saved = store.load(chat.id)
    columns = saved.columns if kind == "compare" else [saved]
    assert [c.branch()[-1].content for c in columns] == [t.branch()[-1].content for t in threads]
    assert all(c.branch()[0].content == "keep me" for c in columns)
    assert assembly.notifier.shown[-1].text.startswith("Saved")
