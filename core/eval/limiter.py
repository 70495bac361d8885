"""How many requests may go to each endpoint at once, and the pause after a 429.

Pure bookkeeping (no clock, no loop of its own): the run asks :meth:`Limiter.ready`
before it starts a cell, tells :meth:`Limiter.began` / :meth:`Limiter.ended`, and after a
"too many requests" answer :meth:`Limiter.back_off` holds every new request to that
endpoint for the server's ``Retry-After`` (or a growing wait when it sent none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_LIMIT = 4
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0


@dataclass
class _Gate:
    running: int = 0
    paused_until: float = 0.0
    strikes: int = 0  # 429s in a row without a success in between


@dataclass
class Limiter:
    limit: int = DEFAULT_LIMIT
    _gates: dict[str, _Gate] = field(default_factory=dict)

    def _gate(self, endpoint: str) -> _Gate:
        return self._gates.setdefault(endpoint, _Gate())

    def ready(self, endpoint: str, now: float) -> bool:
        gate = self._gate(endpoint)
        return gate.running < max(1, self.limit) and now >= gate.paused_until

    def wait_s(self, endpoint: str, now: float) -> float:
        """Seconds until a paused endpoint takes requests again (0 when it is not paused)."""
        return max(0.0, self._gate(endpoint).paused_until - now)

    def began(self, endpoint: str) -> None:
        self._gate(endpoint).running += 1

    def ended(self, endpoint: str, *, ok: bool) -> None:
        gate = self._gate(endpoint)
        gate.running = max(0, gate.running - 1)
        if ok:
            gate.strikes = 0

    def running(self, endpoint: str) -> int:
        return self._gate(endpoint).running

    def back_off(self, endpoint: str, now: float, retry_after_s: float | None) -> float:
        """Hold new requests to ``endpoint``; returns the pause in seconds."""
        gate = self._gate(endpoint)
        gate.strikes += 1
        if retry_after_s is not None:
            pause = max(0.0, retry_after_s)
        else:
            pause = min(FIRST_BACKOFF_S * 2 ** (gate.strikes - 1), MAX_BACKOFF_S)
        gate.paused_until = max(gate.paused_until, now + pause)
        return pause
