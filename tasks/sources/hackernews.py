"""Hacker News stories and comments through the Algolia HN Search API
(https://hn.algolia.com/api). No credentials.

Endpoint: GET {base_url}/search_by_date (newest first) with
`numericFilters=created_at_i>=START,created_at_i<END`, so Algolia itself keeps to the
window, and `tags=(story,comment)` from the source's `tags`. Pages are 0-based and read
until `page + 1 >= nbPages`, at most `max_pages` per query and sub-window; a page that
comes back as one already read stops that query (noted in stats.errors, window
incomplete).

Algolia serves at most 1,000 hits per query, so windows longer than `max_window_hours`
are split up front, and a (sub-)window whose `nbHits` is more than we can page is
halved, recursively, down to one minute. Beyond that the first hits are kept and the
overflow noted in stats.errors: fetching again could not do better.

Algolia has no OR or NOT syntax here (every word of a query must match), so each brand
term is its own query and hits are merged by objectID; exclusions are left to cleaning.
`queries[brand]` replaces the terms. The public limit is 10,000 requests an hour per
IP; HttpClient retries 429 and 5xx.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import PositiveInt

from tasks.config import ApiSource, Brand
from tasks.sources import Fetched, as_int, epoch_ceil, fetched, mention, parse_time, queries, reject, windows
from tasks.sources.http import FetchStats, HttpClient, MalformedPayload


class HackerNewsSource(ApiSource):
    kind: Literal["hackernews"]
    base_url: str = "https://hn.algolia.com/api/v1"
    tags: list[Literal["story", "comment"]] = ["story", "comment"]
    max_window_hours: PositiveInt | None = 24  # Algolia returns at most 1,000 hits per query


Settings = HackerNewsSource

ALGOLIA_CAP = 1000  # paginationLimitedTo on the HN index
SMALLEST_SPLIT = timedelta(minutes=1)
ITEM_URL = "https://news.ycombinator.com/item?id={}"


class _Fetch:
    """One fetch's rows, rejects and counts, shared by every query and sub-window."""

    def __init__(self, source: HackerNewsSource, brand: Brand, start: datetime, end: datetime, client: HttpClient, stats: FetchStats):
        self.source, self.brand, self.start, self.end, self.client, self.stats = source, brand, start, end, client, stats
        self.rows: list[dict] = []
        self.rejects: list[dict] = []
        self.ids: set[str] = set()
        self.seen = 0
        self.complete = True
        self.per_page = min(source.page_size, ALGOLIA_CAP)
        self.cap = min(ALGOLIA_CAP, self.per_page * source.max_pages)

    def window(self, query: str, lo: datetime, hi: datetime) -> None:
        capped, previous = False, None
        for n in range(self.source.max_pages):
            body = self.page(query, lo, hi, n)
            if body is None:
                return
            hits = body["hits"]
            if n == 0 and as_int(body.get("nbHits")) is not None and body["nbHits"] > self.cap:
                if hi - lo > SMALLEST_SPLIT:  # this page's hits come again from the halves
                    mid = lo + (hi - lo) / 2
                    self.window(query, lo, mid)
                    self.window(query, mid, hi)
                    return
                capped = True
                self.stats.errors.append(f"query {query!r} {lo:%Y-%m-%d %H:%M}: {body['nbHits']} hits in one minute, only the first {self.cap} can be read")
            ids = [h.get("objectID") if isinstance(h, dict) else None for h in hits]
            if body.get("page", n) != n or (ids and ids == previous):
                self.stats.errors.append(f"query {query!r}: page {n} came back as a page already read; stopped paging")
                self.complete = False
                return
            previous = ids
            for hit in hits:
                self.take(hit)
            if n + 1 >= body["nbPages"]:
                return
        if not capped:
            self.stats.errors.append(f"query {query!r}: more pages after max_pages={self.source.max_pages}; stopped paging")
            self.complete = False

    def page(self, query: str, lo: datetime, hi: datetime, n: int) -> dict | None:
        params = {
            "query": query,
            "tags": f"({','.join(self.source.tags)})",
            "numericFilters": f"created_at_i>={epoch_ceil(lo)},created_at_i<{epoch_ceil(hi)}",
            "hitsPerPage": self.per_page,
            "page": n,
        }
        try:
            body = self.client.get_json("search_by_date", params)
            if not isinstance(body, dict) or not isinstance(body.get("hits"), list) or as_int(body.get("nbPages")) is None:
                raise MalformedPayload("not a search result (no 'hits' list or 'nbPages')", json.dumps(body, ensure_ascii=False)[:100_000])
        except MalformedPayload as e:
            self.rejects.append(reject(self.source.name, self.brand.id, f"page {n}: {e.reason}", e.body))
            self.complete = False
            return None
        return body

    def take(self, hit: Any) -> None:
        name, brand = self.source.name, self.brand.id
        if not isinstance(hit, dict):
            self.seen += 1
            self.rejects.append(reject(name, brand, "hit is not a JSON object", hit))
            return
        created = parse_time(hit.get("created_at_i")) or parse_time(hit.get("created_at"))
        if created is not None and not (self.start <= created < self.end):
            return
        oid = hit.get("objectID")
        oid = str(oid) if oid not in (None, "") else None
        if oid is not None and oid in self.ids:
            return  # matched an earlier term too
        self.seen += 1
        if oid is None:
            self.rejects.append(reject(name, brand, "hit without objectID", hit, created))
            return
        self.ids.add(oid)
        if created is None:
            self.rejects.append(reject(name, brand, f"hit {oid}: unparseable created_at_i {hit.get('created_at_i')!r} / created_at {hit.get('created_at')!r}", hit))
            return
        self.rows.append(mention(
            name, brand, oid, created, hit.get("comment_text") or hit.get("story_text"), hit,
            url=ITEM_URL.format(oid),
            author_handle=hit.get("author") or None,
            author_reach=None,  # Algolia does not carry the author's karma
            engagement=as_int(hit.get("points")),
            # A comment's story title is not the commenter's words: cleaning would read it as
            # theirs (title + text). It stays in raw_payload (story_title, story_id).
            title=None if hit.get("comment_text") else hit.get("title") or None,
            lang_hint=None,
        ))


def fetch(source: HackerNewsSource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    stats = FetchStats()
    with HttpClient.for_source(source, stats) as client:
        run = _Fetch(source, brand, start, end, client, stats)
        for query in queries(source, brand):
            for lo, hi in windows(start, end, source.max_window_hours):
                run.window(query, lo, hi)
    return fetched(run.rows, run.rejects, run.seen, complete=run.complete, stats=stats)
