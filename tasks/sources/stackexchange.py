"""Stack Exchange questions through API 2.3 (https://api.stackexchange.com/docs/advanced-search).

Endpoint: GET {base_url}/search/advanced for each site in the source's `sites`, with
`fromdate`/`todate` (epoch seconds, both inclusive) for the window, `sort=creation`,
`order=asc` and `filter=withbody` so each question's body comes along. Pages are
1-based and read while `has_more`, at most `max_pages` per site and query; a page that
repeats the one before stops that query (noted in stats.errors, window incomplete).
Only questions are searched: answers that mention a brand are not.

`q` is one free-text query matched by an undocumented algorithm with no documented OR
or NOT syntax, so each brand term is its own query and questions are merged by site and
id; a term containing every word of a shorter one is skipped (a question on-topic for
it also matches the shorter term), which saves quota. Exclusions are left to cleaning.
`queries[brand]` replaces the terms.

Rate limits: 300 requests a day per IP without a key, 10,000 with one. The key comes
from the environment variable `key_env` names and travels as the `key` parameter, as
the API requires; Stack Exchange does not treat it as secret, but HttpClient leaves the
query string out of every message anyway. A response's `backoff: N` means the next call
to the method must wait N seconds (the API bans clients that do not), and
`quota_remaining: 0` ends the fetch with the window marked incomplete. Errors are HTTP
400 with `error_message`, which HttpClient raises as SourceError.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from tasks.config import ApiSource, Brand
from tasks.sources import Fetched, as_int, epoch_ceil, fetched, mention, parse_time, queries, reject, secret, windows
from tasks.sources.http import FetchStats, HttpClient, MalformedPayload


class StackExchangeSource(ApiSource):
    kind: Literal["stackexchange"]
    base_url: str = "https://api.stackexchange.com/2.3"
    sites: list[str] = Field(["stackoverflow"], min_length=1)
    key_env: str | None = "STACKEXCHANGE_KEY"  # optional: raises the daily quota


Settings = StackExchangeSource

LOCALISED = {"ru", "es", "pt", "ja"}  # the non-English Stack Overflows: the site says the language


def _lang(site: str) -> str | None:
    head = site.removesuffix(".com").removesuffix(".stackoverflow")
    return head if head in LOCALISED else None


class _Fetch:
    """One fetch's rows, rejects and counts, shared by every site, query and sub-window."""

    def __init__(self, source: StackExchangeSource, brand: Brand, start: datetime, end: datetime, client: HttpClient, key: str | None):
        self.source, self.brand, self.start, self.end, self.client, self.key = source, brand, start, end, client, key
        self.rows: list[dict] = []
        self.rejects: list[dict] = []
        self.ids: set[str] = set()
        self.seen = 0
        self.complete = True
        self.spent = False  # the daily quota: no request may follow

    def query(self, site: str, q: str, lo: datetime, hi: datetime) -> None:
        stats, previous = self.client.stats, None
        for n in range(1, self.source.max_pages + 1):
            params = {
                "q": q, "site": site, "fromdate": epoch_ceil(lo), "todate": epoch_ceil(hi) - 1,
                "sort": "creation", "order": "asc", "page": n, "pagesize": min(self.source.page_size, 100), "filter": "withbody",
            }
            if self.key:
                params["key"] = self.key
            try:
                body = self.client.get_json("search/advanced", params)
                if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                    raise MalformedPayload("not a search result (no 'items' list)", json.dumps(body, ensure_ascii=False)[:100_000])
            except MalformedPayload as e:
                self.rejects.append(reject(self.source.name, self.brand.id, f"page {n}: {e.reason}", e.body))
                self.complete = False
                return
            backoff = body.get("backoff")
            if isinstance(backoff, (int, float)) and backoff > 0:
                self.client.back_off(backoff)
            ids = [i.get("question_id") if isinstance(i, dict) else None for i in body["items"]]
            if ids and ids == previous:
                stats.errors.append(f"{site} {q!r}: page {n} repeated page {n - 1}; stopped paging")
                self.complete = False
                return
            previous = ids
            for item in body["items"]:
                self.take(site, item)
            if body.get("quota_remaining") == 0:
                stats.errors.append(f"daily quota of {body.get('quota_max')} requests spent at {site} {q!r} page {n}; stopped (set {self.source.key_env} for a larger quota)")
                self.spent, self.complete = True, False
                return
            if not body.get("has_more"):
                return
        stats.errors.append(f"{site} {q!r}: more pages after max_pages={self.source.max_pages}; stopped paging")
        self.complete = False

    def take(self, site: str, item: Any) -> None:
        name, brand = self.source.name, self.brand.id
        if not isinstance(item, dict):
            self.seen += 1
            self.rejects.append(reject(name, brand, f"{site}: item is not a JSON object", item))
            return
        created = parse_time(item.get("creation_date"))
        if created is not None and not (self.start <= created < self.end):
            return
        qid = as_int(item.get("question_id"))
        native_id = f"{site}:{qid}" if qid is not None else None
        if native_id is not None and native_id in self.ids:
            return  # matched an earlier term too
        self.seen += 1
        if native_id is None:
            self.rejects.append(reject(name, brand, f"{site}: question without question_id", item, created))
            return
        self.ids.add(native_id)
        if created is None:
            self.rejects.append(reject(name, brand, f"{native_id}: unparseable creation_date {item.get('creation_date')!r}", item))
            return
        owner = item.get("owner") if isinstance(item.get("owner"), dict) else {}
        self.rows.append(mention(
            name, brand, native_id, created, item.get("body"), item,
            url=item.get("link") or None,
            author_handle=owner.get("display_name") or None,
            author_reach=as_int(owner.get("reputation")),
            engagement=as_int(item.get("score")),
            title=item.get("title") or None,
            lang_hint=_lang(site),
        ))


def fetch(source: StackExchangeSource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    stats = FetchStats()
    key = secret(source, "key_env", required=False)
    with HttpClient.for_source(source, stats) as client:
        run = _Fetch(source, brand, start, end, client, key)
        for site in source.sites:
            for q in queries(source, brand):
                for lo, hi in windows(start, end, source.max_window_hours):
                    if not run.spent:
                        run.query(site, q, lo, hi)
    return fetched(run.rows, run.rejects, run.seen, complete=run.complete, stats=stats)
