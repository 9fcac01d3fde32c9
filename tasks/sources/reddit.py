"""Reddit: posts (link and self posts) from Reddit's search, through app-only OAuth.

- Credentials: an app-only ("client credentials") OAuth app. Its client id and secret
  come from the environment variables config names (REDDIT_CLIENT_ID,
  REDDIT_CLIENT_SECRET). Each window POSTs them as HTTP basic auth with
  `grant_type=client_credentials` to `token_url` (www.reddit.com/api/v1/access_token)
  for a bearer token. The token is sent only in the `Authorization` header, never
  stored (state stays empty) and scrubbed from any error message.
- Search: GET {base_url}/search (oauth.reddit.com) with q, sort=new, type=link,
  restrict_sr=false, raw_json=1 (bodies unescaped), limit (page_size, at most 100) and
  after. The query ORs the brand's terms and adds NOT "phrase" per exclusion, within
  Reddit's 512-character limit; `queries` in config replaces it.
- Paging: newest first, by the `after` cursor. Paging stops at the first post older
  than the window, when `after` is null, when a cursor comes back twice, or after
  max_pages pages. The only time filter (`t=hour|day|...`) counts back from now and
  is coarse, so the window comes from the sort order and each post's `created_utc`.
  Listings end after about 1,000 posts, so keep windows short for busy brands.
- Rate limits: X-Ratelimit-Remaining / -Reset (seconds) / -Used; HttpClient waits for
  the reset when the quota is spent, and retries 429 and 5xx.
- Comments are not searched: this endpoint returns posts only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from tasks import secrets
from tasks.config import ApiSource, Brand
from tasks.errors import SourceError
from tasks.sources import Fetched, as_int, clean_url, fetched, mention, parse_time, quote_term, reject, secret
from tasks.sources.http import FetchStats, HttpClient, MalformedPayload, parse_json


class RedditSource(ApiSource):
    kind: Literal["reddit"]
    base_url: str = "https://oauth.reddit.com"
    token_url: str = "https://www.reddit.com/api/v1/access_token"
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"


Settings = RedditSource

MAX_QUERY_CHARS = 512  # Reddit answers longer queries with an error
PAGE_LIMIT = 100


def queries(source: RedditSource, brand: Brand) -> list[str]:
    """The brand's queries: the configured one, else its terms ORed, minus its exclusions."""
    if source.queries.get(brand.id):
        return [source.queries[brand.id]]
    terms = [quote_term(t) for t in brand.terms]
    ored = " OR ".join(terms)
    nots = " ".join(f'NOT "{x.replace(chr(34), "")}"' for x in brand.exclude)
    if nots and len(f"({ored}) {nots}") <= MAX_QUERY_CHARS:
        return [f"({ored}) {nots}"]
    # Exclusions are optional (cleaning applies them again); the terms are not, so a
    # list too long for one query is split into several whose results are merged.
    groups: list[list[str]] = [[]]
    for term in terms:
        if groups[-1] and len(" OR ".join(groups[-1] + [term])) > MAX_QUERY_CHARS:
            groups.append([])
        groups[-1].append(term)
    return [" OR ".join(g) for g in groups]


@dataclass
class _Found:
    source: RedditSource
    brand: Brand
    start: datetime
    end: datetime
    rows: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    seen: int = 0
    complete: bool = True

    def take(self, child: object) -> datetime | None:
        """Keep or quarantine one search result; returns its time, for the stop rule."""
        name, brand = self.source.name, self.brand.id
        post = child.get("data") if isinstance(child, dict) else None
        if not isinstance(post, dict):
            self.seen += 1
            self.rejects.append(reject(name, brand, "search result without a data object", child))
            return None
        created = parse_time(post.get("created_utc"))
        if created is not None and not (self.start <= created < self.end):
            return created
        self.seen += 1
        if post.get("id") in (None, ""):
            self.rejects.append(reject(name, brand, "post without an id", child, created))
        elif created is None:
            self.rejects.append(reject(name, brand, f"unparseable created_utc: {post.get('created_utc')!r}", child))
        else:
            author = post.get("author")
            permalink = post.get("permalink")
            self.rows.append(mention(
                name, brand, post["id"], created, post.get("selftext"), child,
                url=clean_url(f"https://www.reddit.com{permalink}" if permalink else post.get("url")),
                # "[deleted]" stands for any removed account: it is not a handle.
                author_handle=author if author and author != "[deleted]" else None,
                engagement=as_int(post.get("score")),
                title=post.get("title"),
            ))
        return created


def _listing(body: object) -> tuple[list, str | None]:
    data = body.get("data") if isinstance(body, dict) else None
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(children, list):
        raise MalformedPayload("not a Listing: no data.children list", json.dumps(body)[:100_000])
    return children, data.get("after")


def _token(client: HttpClient, source: RedditSource, client_id: str, client_secret: str) -> str:
    response = client.request("POST", source.token_url, auth=(client_id, client_secret), data={"grant_type": "client_credentials"})
    try:
        body = parse_json(response)
    except MalformedPayload:
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        # Reddit answers bad credentials with 200 and {"error": "..."} on some paths.
        error = body.get("error") if isinstance(body, dict) else "not JSON"
        raise SourceError(f"source {source.name!r}: the token endpoint gave no access token (error: {error})")
    secrets.register(token)
    return token


def _search(client: HttpClient, token: str, query: str, found: _Found, stats: FetchStats) -> None:
    source, after, used = found.source, None, set()
    for page in range(1, source.max_pages + 1):
        params = {"q": query, "sort": "new", "limit": min(source.page_size, PAGE_LIMIT), "type": "link", "restrict_sr": "false", "raw_json": 1}
        if after:
            params["after"] = after
        try:
            children, next_after = _listing(client.get_json("search", params, headers={"Authorization": f"bearer {token}"}))
        except MalformedPayload as e:
            found.rejects.append(reject(source.name, found.brand.id, f"page {page}: {e.reason}", e.body))
            found.complete = False
            return
        times = [found.take(child) for child in children]
        if any(t is not None and t < found.start for t in times) or not next_after:
            return
        if next_after in used:
            stats.errors.append(f"query {query!r}: page {page} gave the cursor {next_after} again; stopped paging")
            return
        used.add(next_after)
        after = next_after
    stats.errors.append(
        f"query {query!r}: stopped after max_pages={source.max_pages} pages before reaching {found.start:%Y-%m-%d %H:%M}; older posts of the window were not fetched"
    )


def _scrub(message: str, *secrets: str | None) -> str:
    for value in secrets:
        if value:
            message = message.replace(value, "***")
    return message


def fetch(source: RedditSource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    client_id = secret(source, "client_id_env", required=True)
    client_secret = secret(source, "client_secret_env", required=True)
    stats = FetchStats()
    found = _Found(source, brand, start, end)
    token = None
    try:
        with HttpClient.for_source(source, stats) as client:
            token = _token(client, source, client_id, client_secret)
            for query in queries(source, brand):
                _search(client, token, query, found, stats)
    except SourceError as e:
        # An API that echoes the request must not leak the token or the secret.
        raise SourceError(_scrub(str(e), token, client_secret)) from None
    return fetched(found.rows, found.rejects, found.seen, complete=found.complete, stats=stats, state={})
