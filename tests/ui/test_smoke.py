"""The whole app assembled as main() does, driven against the loopback gateway."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.secrets import KeyringStatus, MemorySecrets, Secrets
from tests.ui.async_wait import wait_until
from ui.app import build


def memory_secrets() -> Secrets:
    secrets = Secrets(status=KeyringStatus(False, "none", "No keyring in tests."))
    secrets.use_backend(MemorySecrets())
    return secrets


async def test_app_streams_an_answer_and_saves_it(qtbot: QtBot, gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assembly = build(app, env, secrets=memory_secrets())
    window = assembly.window
    qtbot.addWidget(window)
    window.show()
    assembly.finish_start()
    try:
        assert type(asyncio.get_running_loop()).__module__.startswith("qasync")
        assert window.windowTitle() == "Chorus"
        assert assembly.services.settings.active_profile.startswith("Environment")
        window.composer.set_text("hello from the window")
        window.composer._submit()
        await wait_until(lambda: not assembly.controller.is_generating() and gateway.requests)
        await wait_until(lambda: len(window.chat_view.rows()) == 2)
        chat = assembly.controller.chat
        assert chat is not None
        answer = chat.branch()[-1]
        assert answer.status == "done"
        assert answer.content.startswith("Echo: hello from the window")
        saved = assembly.services.store.load(chat.id)
        assert saved.branch()[-1].content == answer.content
        assert [s.id for s in assembly.services.store.list_chats()] == [chat.id]
    finally:
        window.close()
        await assembly.close()
