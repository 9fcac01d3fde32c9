"""Bluesky: post search over the AT Protocol's XRPC API (`base_url` ends in /xrpc).

Credentials: the account handle and an app password, from the variables `handle_env`
and `app_password_env` (both required). Each fetch opens a session with
POST com.atproto.server.createSession {"identifier", "password"} and sends its
`accessJwt` as a Bearer header. Neither the password nor the token is stored (state
stays empty) or put in any message; the JWT lives about two hours, longer than a fetch.

Search: GET app.bsky.feed.searchPosts?q=<term>&since=<start>&until=<end>&limit=<=100
&sort=latest&cursor=<c>. The API filters the window itself (on its sort time); the
window is applied again to `record.createdAt`, the author's time. searchPosts has no
OR: one query per term, merged by post uri, skipping a term that contains another as a
whole word (its hits are a subset); multi-word terms are quoted as phrases.
`queries[brand]` replaces the terms with one query as is. Exclusions are left to
cleaning, which removes the excluded phrase and keeps the post when the brand is also
named.

Paging: follow `cursor` while the API returns one, at most `max_pages` pages per query;
the same cursor twice stops the walk. Rate limits: the PDS answers with
RateLimit-Remaining / RateLimit-Reset (epoch seconds, no X- prefix), which HttpClient
honours like the X- forms; 429 and 5xx are retried by HttpClient. createSession has
its own tight limit (30 per 5 minutes, 300 a day per account).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from tasks import secrets
from tasks.config import ApiSource, Brand
from tasks.errors import SourceError
from tasks.sources import Fetched, fetched, mention, parse_time, quote_term, reject, search_terms, secret
from tasks.sources.http import FetchStats, HttpClient, MalformedPayload, parse_json


class BlueskySource(ApiSource):
    kind: Literal["bluesky"]
    base_url: str = "https://bsky.social/xrpc"
    handle_env: str = "BLUESKY_HANDLE"
    app_password_env: str = "BLUESKY_APP_PASSWORD"


Settings = BlueskySource

PAGE_LIMIT = 100  # searchPosts' maximum


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")  # atproto's datetime form


def _count(*values) -> int | None:
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


def _session(client: HttpClient, source: BlueskySource, handle: str, password: str) -> str:
    response = client.request("POST", "com.atproto.server.createSession", json={"identifier": handle, "password": password})
    try:
        body, problem = parse_json(response), "without an accessJwt"
    except MalformedPayload:
        # Raised below, outside this block, so the body (it may hold tokens) is not chained to the error.
        body, problem = None, "with a body that is not JSON"
    token = body.get("accessJwt") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise SourceError(f"source {source.name!r}: createSession answered {problem}")
    secrets.register(token)
    return token


def _row(post: dict, source: BlueskySource, brand: Brand, created: datetime) -> dict:
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    langs = record.get("langs") if isinstance(record.get("langs"), list) else []
    profile = author.get("handle") or author.get("did")
    return mention(
        source.name, brand.id, post["uri"], created, record.get("text"), post,
        url=f"https://bsky.app/profile/{profile}/post/{post['uri'].rstrip('/').rsplit('/', 1)[-1]}" if profile else None,
        author_handle=author.get("handle"),
        author_reach=None,  # search results carry no follower counts
        engagement=_count(post.get("likeCount"), post.get("repostCount")),
        lang_hint=langs[0] if langs and isinstance(langs[0], str) else None,
    )


def _walk(client: HttpClient, q: str, source: BlueskySource, brand: Brand, start: datetime, end: datetime,
          rows: list, rejects: list) -> tuple[int, bool]:
    """Page one query through its cursor: (seen, complete)."""
    params = {"q": q, "since": _iso(start), "until": _iso(end), "limit": min(source.page_size, PAGE_LIMIT), "sort": "latest"}
    seen, cursor, used = 0, None, set()
    for page in range(1, source.max_pages + 1):
        try:
            response = client.request("GET", "app.bsky.feed.searchPosts", params=params | ({"cursor": cursor} if cursor else {}))
            body = parse_json(response)
            posts = body.get("posts") if isinstance(body, dict) else None
            if not isinstance(posts, list):
                raise MalformedPayload("expected an object with a list of posts", response.text[:100_000])
        except MalformedPayload as e:
            rejects.append(reject(source.name, brand.id, f"search {q!r} page {page}: {e.reason}", e.body))
            return seen, False
        for post in posts:
            record = post.get("record") if isinstance(post, dict) else None
            raw_time = record.get("createdAt") if isinstance(record, dict) else None
            created = parse_time(raw_time)
            if created is not None and not (start <= created < end):
                continue
            seen += 1
            if not isinstance(post, dict) or not isinstance(post.get("uri"), str) or not post["uri"]:
                rejects.append(reject(source.name, brand.id, f"search {q!r}: post without uri", post, created))
            elif created is None:
                rejects.append(reject(source.name, brand.id, f"search {q!r}: unparseable record.createdAt {raw_time!r}", post))
            else:
                rows.append(_row(post, source, brand, created))
        next_cursor = body.get("cursor")
        if not posts or not isinstance(next_cursor, str) or not next_cursor:
            return seen, True
        if next_cursor in used:
            client.stats.errors.append(f"search {q!r}: cursor {next_cursor!r} came back twice; stopped paging")
            return seen, True
        used.add(next_cursor)
        cursor = next_cursor
    client.stats.errors.append(f"search {q!r}: stopped at max_pages={source.max_pages} with more results left")
    return seen, True


def fetch(source: BlueskySource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    handle = secret(source, "handle_env", required=True)
    password = secret(source, "app_password_env", required=True)
    override = source.queries.get(brand.id)
    queries = [override] if override else [quote_term(t) for t in search_terms(brand.terms)]

    stats = FetchStats()
    rows, rejects, seen, complete = [], [], 0, True
    with HttpClient.for_source(source, stats) as client:
        client.session.headers["Authorization"] = f"Bearer {_session(client, source, handle, password)}"
        for q in queries:
            n, ok = _walk(client, q, source, brand, start, end, rows, rejects)
            seen, complete = seen + n, complete and ok
    # A post found by two terms is one mention: fetched() keeps it once and counts the copy.
    return fetched(rows, rejects, seen, complete=complete, stats=stats, state={})
