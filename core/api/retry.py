"""When to try a request again, and after how long.

A request is retried only before the first byte of a successful response: on the
statuses in ``RETRYABLE_STATUSES`` (408, 409, 429) and every 5xx, on connection
errors and on connect/pool timeouts (``APIError.retryable`` says which). A
``Retry-After`` the server sent is honoured up to ``MAX_RETRY_AFTER_S``; a longer
one is not waited for: the error is raised so a person can be told when to try
again. Otherwise the wait grows exponentially, with jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.api.errors import APIError

DEFAULT_MAX_RETRIES = 2
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 20.0
JITTER = 0.25  # a backoff is shortened by up to this fraction


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    initial_backoff_s: float = INITIAL_BACKOFF_S
    max_backoff_s: float = MAX_BACKOFF_S
    max_retry_after_s: float = MAX_RETRY_AFTER_S
    jitter: float = JITTER


NO_RETRIES = RetryPolicy(max_retries=0)


def backoff_s(policy: RetryPolicy, attempt: int, rand: float) -> float:
    """The wait before retry number ``attempt + 1``; ``rand`` is uniform in [0, 1)."""
    base = min(policy.initial_backoff_s * 2.0**attempt, policy.max_backoff_s)
    return base * (1.0 - policy.jitter * rand)


def retry_delay(policy: RetryPolicy, attempt: int, error: APIError, rand: float) -> float | None:
    """Seconds to wait before trying again after ``error``, or None to give up.

    ``attempt`` counts the retries already made (0 after the first failure).
    """
    if attempt >= policy.max_retries or not error.retryable:
        return None
    if error.retry_after_s is not None:
        if error.retry_after_s > policy.max_retry_after_s:
            return None
        return max(0.0, error.retry_after_s)
    return backoff_s(policy, attempt, rand)
