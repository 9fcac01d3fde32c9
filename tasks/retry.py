"""How a retry policy (tasks.config.RetryPolicy, settings.yaml `retries`) becomes waits.

One schedule for everything that retries: the n-th retry waits `backoff_seconds` x
2^(n-1), at most `max_backoff_seconds`, plus up to `jitter` of the base at random.
Prefect's task retries take the schedule as a list (flows/orchestration.py). HTTP
(the connectors' client and the webhook's delivery) gets urllib3's Retry, built here
from the same base, cap and jitter; urllib3 spaces its retries by its own rule (the
first at once, then 2, 4, 8 ... x the base) and honours `Retry-After` when a server
sends one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, TypeVar

from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from tasks.config import RetryPolicy

# What a transient answer looks like: rate limited, or the server's own trouble.
RETRY_STATUSES = (429, 500, 502, 503, 504)

R = TypeVar("R", bound=Retry)


def backoff_schedule(policy: "RetryPolicy") -> list[float]:
    """The wait before each retry, without jitter: 1 s, 2 s, 4 s ... for a 1 s base."""
    return [min(policy.backoff_seconds * 2**n, policy.max_backoff_seconds) for n in range(policy.retries)]


def http_retry(policy: "RetryPolicy", methods: Iterable[str], retry_class: type[R] = Retry) -> R:
    """urllib3's Retry for `policy`: 429 and 5xx answers and connection errors are tried
    again, `Retry-After` is honoured, and the last answer is handed back (not raised) so
    the caller can report it in its own words."""
    return retry_class(
        total=policy.retries,
        backoff_factor=policy.backoff_seconds,
        backoff_jitter=policy.backoff_seconds * policy.jitter,
        backoff_max=policy.max_backoff_seconds,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset(methods),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
