"""Fixtures of the core tests that talk to the loopback gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from core.api.client import ChatClient
from core.api.http import make_http_client
from core.api.retry import NO_RETRIES


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The app's own HTTP client, closed after the test."""
    async with make_http_client() as client:
        yield client


@pytest.fixture
def chat(http: httpx.AsyncClient) -> ChatClient:
    """A chat client that does not retry (test_client_retry.py has its own)."""
    return ChatClient(http, retry=NO_RETRIES)
