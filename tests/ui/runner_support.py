"""The one answer runner of the app, built for controller tests."""

from __future__ import annotations

from collections.abc import Callable

from core.api.client import ChatClient
from core.chat import Chat
from core.endpoint import Endpoint
from core.storage.chat_store import ChatStore
from core.storage.saver import ThrottledSaver
from ui.answers.runner import AnswerRunner
from ui.common.notifier import Notifier


def make_runner(
    client: ChatClient,
    store: ChatStore,
    saver: ThrottledSaver,
    endpoint_for: Callable[[Chat], Endpoint],
) -> AnswerRunner:
    return AnswerRunner(client, store, saver, endpoint_for, Notifier())
