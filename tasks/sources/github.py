"""GitHub: issues and pull requests that mention a brand, from the REST search API.

- Search: GET {base_url}/search/issues with q = `<terms> in:title,body
  created:<start>..<last second before end>`, sort=created, order=asc, per_page
  (page_size, at most 100) and page. Terms are ORed (multi-word ones quoted) with
  NOT "phrase" per exclusion; GitHub allows at most five AND/OR/NOT operators and 256
  characters, so longer term lists become several queries whose results are merged,
  and exclusions are added only while they fit (cleaning applies them again).
  `queries` in config replaces the terms. Pull requests come back too, and are kept.
- Paging: by page number, until a page is short or total_count is read, per window
  of at most max_window_hours when that is set. Search never pages past 1,000
  results, so a window that holds more (or more than max_pages pages) is halved,
  down to one second. A page that repeats the previous one stops paging and leaves
  the window incomplete.
  `incomplete_results: true` means GitHub timed out on its side: noted in stats and
  the window is marked incomplete, so it is fetched again.
- Credentials: optional. When the variable config names (GITHUB_TOKEN) is set it goes
  in `Authorization: Bearer`, raising the search quota from 10 to 30 requests a
  minute; it is scrubbed from any error message.
- Rate limits: X-RateLimit-Remaining / -Reset (epoch seconds), honoured by
  HttpClient. GitHub answers a spent quota with 403 (or 429) rather than waiting: that
  request waits for the reset (or Retry-After) and is tried once more.
- Discussions (GraphQL only) are out of scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal

from tasks.config import ApiSource, Brand
from tasks.errors import SourceError
from tasks.sources import Fetched, fetched, mention, parse_time, quote_term, reject, secret
from tasks.sources.http import FetchStats, HttpClient, MalformedPayload


class GitHubSource(ApiSource):
    kind: Literal["github"]
    base_url: str = "https://api.github.com"  # or https://<host>/api/v3 for GitHub Enterprise
    token_env: str | None = "GITHUB_TOKEN"  # optional: raises the rate limit


Settings = GitHubSource

MAX_OPERATORS, MAX_QUERY_CHARS = 5, 256  # GitHub's limits on the search text
SEARCH_CAP = 1_000  # results search pages through at most
SECONDARY_WAIT = 60.0  # GitHub: wait at least a minute when a limit gives no reset


def queries(source: GitHubSource, brand: Brand) -> list[str]:
    """The search texts for a brand, each within GitHub's operator and length limits."""
    if source.queries.get(brand.id):
        return [source.queries[brand.id]]
    groups: list[list[str]] = [[]]
    for term in map(quote_term, brand.terms):
        if groups[-1] and (len(groups[-1]) > MAX_OPERATORS or len(" OR ".join(groups[-1] + [term])) > MAX_QUERY_CHARS):
            groups.append([])
        groups[-1].append(term)
    out = []
    for group in groups:
        text, budget = " OR ".join(group), MAX_OPERATORS - (len(group) - 1)
        for phrase in (x.replace('"', "") for x in brand.exclude[:budget]):
            if len(f'{text} NOT "{phrase}"') <= MAX_QUERY_CHARS:
                text += f' NOT "{phrase}"'
        out.append(text)
    return out


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Search:
    client: HttpClient
    source: GitHubSource
    brand: Brand
    start: datetime
    end: datetime
    stats: FetchStats
    last: dict = field(default_factory=dict)  # status and headers of the latest response
    rows: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    seen: int = 0
    complete: bool = True

    def __post_init__(self) -> None:
        self.per_page = min(self.source.page_size, 100)
        self.cap = min(SEARCH_CAP, self.source.max_pages * self.per_page)
        # HttpClient's SourceError carries no status; the hook keeps it for _get.
        self.client.session.hooks["response"].append(lambda r, *a, **k: self.last.update(status=r.status_code, headers=r.headers))

    def window(self, text: str, lo: datetime, hi: datetime) -> None:
        """One query over [lo, hi), halved while it holds more than search pages through."""
        scope = "" if "in:" in text else " in:title,body"
        last_second = (hi - timedelta(microseconds=1)).replace(microsecond=0)  # created:a..b includes b
        q = f"{text}{scope} created:{_iso(lo)}..{_iso(last_second)}"
        previous = None
        for page in range(1, self.source.max_pages + 1):
            params = {"q": q, "sort": "created", "order": "asc", "per_page": self.per_page, "page": page}
            try:
                body = self._get(params)
                items = body.get("items") if isinstance(body, dict) else None
                if not isinstance(items, list):
                    raise MalformedPayload("not a search result: no items list", json.dumps(body)[:100_000])
            except MalformedPayload as e:
                self.rejects.append(reject(self.source.name, self.brand.id, f"page {page}: {e.reason}", e.body))
                self.complete = False
                return
            total = body.get("total_count") if isinstance(body.get("total_count"), int) else self.cap
            if page == 1 and total > self.cap:
                mid = (lo + (hi - lo) / 2).replace(microsecond=0)
                if lo < mid < hi:
                    self.window(text, lo, mid)
                    self.window(text, mid, hi)
                    return
                self.stats.errors.append(f"{q!r}: {total} results within one second; only the first {self.cap} were fetched")
            if body.get("incomplete_results"):
                self.stats.errors.append(f"{q!r} page {page}: GitHub timed out (incomplete_results); the window will be fetched again")
                self.complete = False
            ids = [item.get("id") if isinstance(item, dict) else None for item in items]
            if items and ids == previous:
                self.stats.errors.append(f"{q!r}: page {page} repeated page {page - 1}; stopped paging")
                self.complete = False  # the index shifted under us: the next run reads the window again
                return
            previous = ids
            for item in items:
                self.take(item)
            if len(items) < self.per_page or page * self.per_page >= min(total, self.cap):
                return

    def _get(self, params: dict) -> object:
        self.last.clear()
        try:
            return self.client.get_json("search/issues", params)
        except SourceError as e:
            headers = {k.lower(): v for k, v in (self.last.get("headers") or {}).items()}
            spent = headers.get("x-ratelimit-remaining") == "0"
            if self.last.get("status") not in (403, 429) or not (spent or "retry-after" in headers or "rate limit" in str(e).lower()):
                raise
            if not spent:  # a secondary limit: Retry-After, else at least a minute
                try:
                    self.client.back_off(float(headers.get("retry-after", SECONDARY_WAIT)))
                except ValueError:
                    self.client.back_off(SECONDARY_WAIT)
            # A spent quota needs nothing more: HttpClient holds the next request until X-RateLimit-Reset.
            self.stats.errors.append(f"rate limited (HTTP {self.last['status']}): waited for the reset and tried again")
            return self.client.get_json("search/issues", params)

    def take(self, item: object) -> None:
        name, brand = self.source.name, self.brand.id
        if not isinstance(item, dict):
            self.seen += 1
            self.rejects.append(reject(name, brand, "search result is not an object", item))
            return
        created = parse_time(item.get("created_at"))
        if created is not None and not (self.start <= created < self.end):
            return
        self.seen += 1
        if item.get("id") in (None, ""):
            self.rejects.append(reject(name, brand, "issue without an id", item, created))
        elif created is None:
            self.rejects.append(reject(name, brand, f"unparseable created_at: {item.get('created_at')!r}", item))
        else:
            user, reactions = item.get("user") or {}, item.get("reactions") or {}
            counts = [v for v in (item.get("comments"), reactions.get("total_count")) if isinstance(v, int)]
            self.rows.append(mention(
                name, brand, item["id"], created, item.get("body"), item,
                url=item.get("html_url"),
                author_handle=user.get("login"),
                engagement=sum(counts) if counts else None,
                title=item.get("title"),
            ))


def fetch(source: GitHubSource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    token = secret(source, "token_env", required=False)
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    stats = FetchStats()
    step = timedelta(hours=source.max_window_hours) if source.max_window_hours else end - start
    try:
        with HttpClient.for_source(source, stats, headers=headers) as client:
            search = _Search(client, source, brand, start, end, stats)
            for text in queries(source, brand):
                lo = start
                while lo < end:
                    search.window(text, lo, min(lo + step, end))
                    lo += step
    except SourceError as e:
        raise SourceError(str(e).replace(token, "***") if token else str(e)) from None
    return fetched(search.rows, search.rejects, search.seen, complete=search.complete, stats=stats, state={})
