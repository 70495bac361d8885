"""The whole app assembled as main() does, driven against the loopback gateway."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.ui.app_support import running_app
from tests.ui.async_wait import wait_until
from ui.common.event_loop import EventLoop


async def test_app_streams_an_answer_and_saves_it(gateway, tmp_path: Path) -> None:
    env = {"CHORUS_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": gateway.url}
    async with running_app(env) as assembly:
        window = assembly.window
        assert isinstance(asyncio.get_running_loop(), EventLoop)  # the app's (qasync's)
        assert window.windowTitle() == "Chorus"
        assert assembly.services.settings.active_profile.startswith("Environment")
        window.composer.set_text("hello from the window")
        window.composer._submit()
        await wait_until(lambda: not assembly.controller.is_generating() and gateway.requests)
        await wait_until(lambda: len(window.chat_page.view.rows()) == 2)
        chat = assembly.controller.chat
        assert chat is not None
        answer = chat.branch()[-1]
        assert answer.status == "done"
        assert answer.content.startswith("Echo: hello from the window")
        saved = assembly.services.store.load(chat.id)
        assert saved.branch()[-1].content == answer.content
        assert [s.id for s in assembly.services.store.list_chats()] == [chat.id]
