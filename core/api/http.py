"""The app's one HTTP client: split timeouts, pooled connections, no redirects, and
bodies read in turns with the rest of the event loop (:mod:`core.api.turns`).

httpx (tens of ms to import) is imported when the client is made, after the window
is on screen.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 90.0  # the longest silence between two bytes of an answer
WRITE_TIMEOUT_S = 30.0
POOL_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 32
MAX_KEEPALIVE_CONNECTIONS = 8
KEEPALIVE_EXPIRY_S = 30.0


@cache
def user_agent() -> str:
    """``Chorus/<version>`` (reading the version imports importlib.metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"Chorus/{version('chorus')}"
    except PackageNotFoundError:
        return "Chorus/0"


def make_http_client(
    *, transport: httpx.AsyncBaseTransport | None = None, timeout: httpx.Timeout | None = None
) -> httpx.AsyncClient:
    """The app's one HTTP client: split timeouts, pooled connections, no redirects."""
    import httpx

    from core.api.turns import take_turns

    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout
        or httpx.Timeout(
            connect=CONNECT_TIMEOUT_S,
            read=READ_TIMEOUT_S,
            write=WRITE_TIMEOUT_S,
            pool=POOL_TIMEOUT_S,
        ),
        limits=httpx.Limits(
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_KEEPALIVE_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_EXPIRY_S,
        ),
        headers={"User-Agent": user_agent()},
        follow_redirects=False,
        event_hooks={"response": [take_turns]},
    )
