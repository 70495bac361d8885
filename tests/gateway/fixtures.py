"""Pytest fixtures of the fake gateway: one server per session, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.server import Gateway


@pytest.fixture(scope="session")
def gateway_server() -> Iterator[Gateway]:
    with Gateway() as server:
        yield server
    assert not server.errors, f"the gateway failed: {server.errors!r}"


@pytest.fixture
def gateway(gateway_server: Gateway) -> Iterator[Gateway]:
    """The session's gateway, with no scripts, records or key requirement."""
    gateway_server.reset()
    yield gateway_server
    errors = list(gateway_server.errors)
    gateway_server.reset()
    assert not errors, f"the gateway failed during the test: {errors!r}"
