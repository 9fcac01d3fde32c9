"""HTTP for connectors: one session per source and window, with timeouts, retries and
rate limits handled in one place.

- 429 and 5xx answers (and connection errors) are retried by urllib3 with exponential
  backoff and jitter, honouring `Retry-After`.
- Any other 4xx fails at once with the response's own message.
- When a response says the quota is spent (`X-RateLimit-Remaining: 0`, its IETF form
  `RateLimit-Remaining: 0`, or Stack Exchange's `backoff`), the client waits until the reset the API gives, up to
  `max_wait_seconds`, before its next request.
- A body that is not valid JSON, or larger than `max_response_bytes`, raises
  MalformedPayload with (the start of) the text, so the connector can quarantine it and
  mark the window incomplete. A read that stalls ends at the timeout, never hangs.

With `replay` (a folder of recorded responses, tasks/sources/replay.py) the client
answers from the recordings instead of the network, through the same retries and
rate-limit handling; the waits are counted, not slept.

Secrets travel in headers where the API allows; every message and log line goes
through tasks/secrets.py's scrubber anyway (Stack Exchange's key is a query parameter,
and urllib3's retry warning prints the URL).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tasks.config import RetryPolicy
from tasks.errors import SourceError
from tasks.retry import http_retry
from tasks.secrets import scrub

USER_AGENT = "social-pulse/0.1 (social listening; +https://example.invalid/social-pulse)"


class MalformedPayload(Exception):
    """The API answered 2xx with a body that is not the JSON it promised."""

    def __init__(self, reason: str, body: str):
        reason, body = scrub(reason), scrub(body)  # a page may echo the request's token
        super().__init__(reason)
        self.reason, self.body = reason, body


@dataclass
class FetchStats:
    """What one window's fetching did: shown per source in the listen artifact."""

    pages: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


class _CountingRetry(Retry):
    """urllib3's Retry, telling FetchStats each time it retries."""

    stats: FetchStats | None = None

    def increment(self, *args, **kwargs):
        new = super().increment(*args, **kwargs)
        new.stats = self.stats
        if self.stats is not None:
            self.stats.retries += 1
        return new


def reset_in_seconds(value: str | None, now: float) -> float | None:
    """A rate-limit reset header as seconds from now: ISO time (Mastodon), epoch
    seconds (GitHub) or seconds to wait (Reddit)."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            return max(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - now, 0.0)
        except ValueError:
            return None
    return max(number - now, 0.0) if number > 1e9 else max(number, 0.0)


class HttpClient:
    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        max_wait_seconds: float = 300.0,
        max_response_bytes: int = 50 * 2**20,
        stats: FetchStats | None = None,
        sleep: Callable[[float], None] | None = None,
        replay: Path | None = None,
    ):
        self.source, self.base_url, self.timeout = source, base_url.rstrip("/"), timeout
        self.stats = stats or FetchStats()
        self.sleep = sleep or (_skip if replay else time.sleep)
        self.max_wait, self.max_bytes = max_wait_seconds, max_response_bytes
        self._not_before = 0.0
        retries = http_retry(retry or RetryPolicy(), {"GET", "POST"}, _CountingRetry)
        retries.stats = self.stats
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})})
        adapter = HTTPAdapter(max_retries=retries)
        if replay is not None:
            from tasks.sources.replay import ReplayAdapter, recordings

            adapter = ReplayAdapter(recordings(replay), retries, self._retry_wait)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @classmethod
    def for_source(cls, source: Any, stats: FetchStats, headers: dict[str, str] | None = None) -> "HttpClient":
        """The client an API source's settings (tasks.config.ApiSource) ask for."""
        return cls(
            source.name, source.base_url, headers=headers, timeout=source.timeout_seconds, retry=source.retry,
            max_wait_seconds=source.max_wait_seconds, stats=stats, replay=source.replay,
        )

    def _retry_wait(self, seconds: float) -> None:
        # A replayed Retry-After or backoff: counted with the rate-limit waits.
        self.stats.waited_seconds += seconds
        self.sleep(seconds)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        wait = self._not_before - time.time()
        if wait > 0:
            self.stats.rate_limit_waits += 1
            self.stats.waited_seconds += wait
            self.sleep(wait)
        url = self.url(path)
        try:
            response = self.session.request(method, url, timeout=self.timeout, stream=True, **kwargs)
            body = bytearray()
            for chunk in response.iter_content(1 << 16):
                body += chunk
                if len(body) > self.max_bytes:
                    response.close()
                    raise MalformedPayload(f"response from {url.split('?')[0]} larger than {self.max_bytes:,} bytes", body[:100_000].decode("utf-8", "replace"))
            response._content = bytes(body)  # read under a size cap; .json() and .text use it
        except requests.RequestException as e:
            raise SourceError(f"source {self.source!r}: {method} {url.split('?')[0]} failed: {type(e).__name__}") from None
        self._note_rate_limit(response)
        if response.status_code >= 400:
            raise SourceError(f"source {self.source!r}: HTTP {response.status_code} from {url.split('?')[0]}: {_message(response)}")
        self.stats.pages += 1
        return response

    def get_json(self, path: str, params: dict[str, Any] | None = None, **kwargs) -> Any:
        response = self.request("GET", path, params=params, **kwargs)
        return parse_json(response)

    def _note_rate_limit(self, response: requests.Response) -> None:
        # X-RateLimit-* (Reddit, GitHub, Mastodon) and the IETF draft's RateLimit-* (Bluesky).
        h = {k.lower().removeprefix("x-"): v for k, v in response.headers.items()}
        remaining = h.get("ratelimit-remaining")
        try:
            spent = remaining is not None and float(remaining) < 1
        except ValueError:
            spent = False
        if spent:
            seconds = reset_in_seconds(h.get("ratelimit-reset"), time.time())
            if seconds is not None:
                self._not_before = time.time() + min(seconds, self.max_wait)

    def back_off(self, seconds: float) -> None:
        """An API asked for a pause in its body (Stack Exchange's `backoff`)."""
        self._not_before = max(self._not_before, time.time() + min(seconds, self.max_wait))


def _skip(seconds: float) -> None:
    """A replay's sleep: the wait is counted in FetchStats, not taken."""


def parse_json(response: requests.Response) -> Any:
    text = response.text
    try:
        return response.json()
    except ValueError as e:
        kind = "truncated JSON" if text.lstrip().startswith(("{", "[")) else "not JSON"
        raise MalformedPayload(f"{kind} from {response.url.split('?')[0]}: {e}", text[:100_000]) from None


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason
    if isinstance(body, dict):
        for key in ("message", "error_message", "error_description", "error"):
            if isinstance(body.get(key), str):
                return body[key][:200]
    return str(body)[:200]

