"""What the dialog tests share: in-memory keyring backends, a tester that must not run
and one that never ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import keyring.errors
from keyring.backend import KeyringBackend

from core.endpoint import Endpoint


class DictKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in a dict (never chosen automatically)."""

    priority = -100

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class RefusingKeyring(DictKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"refused {password}")


async def never_called(endpoint: Endpoint) -> str:
    raise AssertionError("the tester should not run")


def hanging_tester() -> tuple[Callable[[Endpoint], Awaitable[str]], asyncio.Event]:
    """A connection tester that waits forever, and an event set when it is cancelled."""
    cancelled = asyncio.Event()

    async def tester(endpoint: Endpoint) -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    return tester, cancelled
