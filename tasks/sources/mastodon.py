"""Mastodon: hashtag timelines and status search on one instance (one source per instance).

Endpoints, both newest first, at most 40 statuses a page:
- GET {base_url}/api/v1/timelines/tag/<tag>?any[]=<tag2>&limit=40 — the public hashtag
  timeline. The brand's one-word terms (lower-cased) are the tags, OR-ed with `any[]`
  so one walk covers them all. Needs no token; one is sent when set, because some
  instances close their timelines to anonymous readers.
- GET {base_url}/api/v2/search?q=<term>&type=statuses&limit=40 -> {"statuses": [...]} —
  full-text search. It needs a user token (the variable `token_env` names, sent as a
  Bearer header) and finds only posts of accounts that opted into search. It has no
  OR: one query per term, skipping a term that contains another as a whole word (its
  hits are a subset). Multi-word terms are quoted as phrases.
`queries[brand]` replaces the terms: it is the search query as is, and its #tags are
the timelines. Exclusions are left to cleaning, which removes the excluded phrase and
keeps the post when the brand is also named, where a NOT would drop the post.

Paging: walk `max_id` back (from the Link header's rel="next" when sent, else the
page's last status id) until a page ends before the window's start, at most
`max_pages` pages per query; the same max_id twice stops the walk. Mastodon has no time
filter, so the window is applied to `created_at` here. Hits of both endpoints are
merged by status id; boosts (`reblog` set) are skipped, being the same post.

Rate limits: X-RateLimit-Remaining / X-RateLimit-Reset (an ISO time; 300 requests per
5 minutes by default) are honoured by HttpClient, which also retries 429 and 5xx.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal
from urllib.parse import parse_qs, quote, urlparse

import requests

from tasks.config import ApiSource, Brand
from tasks.sources import Fetched, fetched, mention, parse_time, quote_term, reject, search_terms, secret
from tasks.sources.http import FetchStats, HttpClient, MalformedPayload, parse_json


class MastodonSource(ApiSource):
    kind: Literal["mastodon"]
    base_url: str = "https://mastodon.social"  # one source per instance
    token_env: str | None = "MASTODON_TOKEN"  # status search needs a token; hashtag timelines do not
    hashtags: bool = True
    search: bool = True


Settings = MastodonSource

PAGE_LIMIT = 40  # the most Mastodon returns per page on both endpoints


def _count(*values) -> int | None:
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


def _next_max_id(response: requests.Response) -> str | None:
    # Only the cursor is taken from the Link URL: the request stays on base_url with our params.
    link = response.links.get("next", {}).get("url")
    return (parse_qs(urlparse(link).query).get("max_id") or [None])[0] if link else None


def _row(status: dict, source: MastodonSource, brand: Brand, created: datetime) -> dict:
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    return mention(
        source.name, brand.id, status["id"], created, status.get("content"), status,
        url=status.get("url") or status.get("uri"),
        author_handle=account.get("acct"),
        author_reach=_count(account.get("followers_count")),
        engagement=_count(status.get("favourites_count"), status.get("reblogs_count")),
        title=status.get("spoiler_text") or None,  # the content warning reads as a subject line
        lang_hint=status.get("language"),
    )


def _walk(client: HttpClient, path: str, params: dict, label: str, source: MastodonSource, brand: Brand,
          start: datetime, end: datetime, rows: list, rejects: list) -> tuple[int, bool]:
    """Page one query back from its newest status to the window's start: (seen, complete)."""
    seen, max_id, used = 0, None, set()
    for page in range(1, source.max_pages + 1):
        try:
            response = client.request("GET", path, params=params | ({"max_id": max_id} if max_id else {}))
            body = parse_json(response)
            statuses = body.get("statuses") if isinstance(body, dict) else body
            if not isinstance(statuses, list):
                raise MalformedPayload(f"expected a list of statuses, got {type(statuses).__name__}", response.text[:100_000])
        except MalformedPayload as e:
            rejects.append(reject(source.name, brand.id, f"{label} page {page}: {e.reason}", e.body))
            return seen, False
        for status in statuses:
            if not isinstance(status, dict):
                seen += 1
                rejects.append(reject(source.name, brand.id, f"{label}: not a status object", status))
                continue
            if status.get("reblog"):
                continue
            created = parse_time(status.get("created_at"))
            if created is not None and not (start <= created < end):
                continue
            seen += 1
            if not status.get("id") or created is None:
                problem = "status without id" if not status.get("id") else f"unparseable created_at {status.get('created_at')!r}"
                rejects.append(reject(source.name, brand.id, f"{label}: {problem}", status, created))
            else:
                rows.append(_row(status, source, brand, created))
        last = statuses[-1] if statuses and isinstance(statuses[-1], dict) else {}
        oldest = parse_time(last.get("created_at"))
        next_id = _next_max_id(response) or last.get("id")
        if not statuses or (oldest is not None and oldest < start) or not next_id:
            return seen, True
        if str(next_id) in used:
            client.stats.errors.append(f"{label}: max_id {next_id} came back twice; stopped paging")
            return seen, True
        used.add(str(next_id))
        max_id = str(next_id)
    client.stats.errors.append(f"{label}: stopped at max_pages={source.max_pages} before reaching the window's start")
    return seen, True


def fetch(source: MastodonSource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    override = source.queries.get(brand.id)
    token = secret(source, "token_env", required=source.search and not source.hashtags)
    if override:
        tags, searches = [t.lower() for t in re.findall(r"#(\w+)", override)], [override]
    else:
        # Only terms that can be hashtags: an impossible tag would fail the whole source with a 404.
        tags = list(dict.fromkeys(t.strip().lower() for t in brand.terms if re.fullmatch(r"\w+", t.strip())))
        searches = [quote_term(t) for t in search_terms(brand.terms)]
    limit = min(source.page_size, PAGE_LIMIT)
    walks = []
    if source.hashtags and tags:
        params = {"limit": limit} | ({"any[]": tags[1:]} if tags[1:] else {})
        walks.append((f"api/v1/timelines/tag/{quote(tags[0], safe='')}", params, "#" + " #".join(tags)))
    if source.search and token:
        walks += [("api/v2/search", {"q": q, "type": "statuses", "limit": limit}, f"search {q!r}") for q in searches]

    stats = FetchStats()
    rows, rejects, seen, complete = [], [], 0, True
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with HttpClient.for_source(source, stats, headers=headers) as client:
        for path, params, label in walks:
            n, ok = _walk(client, path, params, label, source, brand, start, end, rows, rejects)
            seen, complete = seen + n, complete and ok
    # A status found by both endpoints is one mention: fetched() keeps it once and counts the copy.
    return fetched(rows, rejects, seen, complete=complete, stats=stats, state={})
