"""The assembled app for UI tests: built as main() builds it, closed cleanly afterwards.

The window's lifetime belongs to this helper alone (not to ``qtbot.addWidget``, whose
own teardown may run first and delete the window under an async fixture's teardown).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from core.secrets import KeyringStatus, MemorySecrets, Secrets
from ui.app import Assembly, build


def memory_secrets() -> Secrets:
    """Keys in memory: no keyring is touched."""
    secrets = Secrets(status=KeyringStatus(False, "none", "No keyring in tests."))
    secrets.use_backend(MemorySecrets())
    return secrets


@asynccontextmanager
async def running_app(env: Mapping[str, str]) -> AsyncIterator[Assembly]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    built = build(app, env, secrets=memory_secrets())
    built.window.show()
    built.finish_start()
    try:
        yield built
    finally:
        if isValid(built.window):
            built.window.close()
            built.window.deleteLater()
        await built.close()
