"""RSS and Atom feeds: any feed URLs (`feeds`), fetched over HTTP and parsed by feedparser.

A feed has no query and no paging: each fetch reads the whole document, which holds
the publisher's latest entries only (archived-feed paging, RFC 5005, is not followed).
An entry is a mention when its title or text names one of the brand's terms
(case-insensitive; `queries[brand]`, if set, is a regular expression used instead) and
its `published` (else `updated`) time is in the window. No credentials.

Conditional GET: the ETag / Last-Modified of each feed are kept in `state` (keyed by
feed URL) with `until`, the end of the window they were read for, and sent back as
If-None-Match / If-Modified-Since; a 304 means nothing new in that feed. Two rules keep
a 304 from hiding entries:
- validators are sent only for a window that starts at or after `until`, so fetching a
  past window again reads the feed and does not replace its rows with nothing;
- they are kept only when no matching entry was dated at or after the window's end (one
  published between the window's end and the fetch), which the next window must see.

A body feedparser cannot read as a feed (bozo with no entries, or no RSS/Atom root) is
quarantined with its first 100,000 characters, and the window stays incomplete so it is
fetched again. 429 and 5xx are retried by HttpClient (honouring Retry-After); other 4xx
fail the source with the server's message.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timezone
from typing import Literal

import feedparser
from pydantic import Field

from tasks.clean import _repair
from tasks.config import ApiSource, Brand
from tasks.errors import ConfigError
from tasks.sources import Fetched, clean_url, fetched, mention, reject
from tasks.sources.http import FetchStats, HttpClient
from tasks.terms import BrandNames


class RssSource(ApiSource):
    kind: Literal["rss"]
    base_url: str = ""
    feeds: list[str] = Field(min_length=1)


Settings = RssSource

NO_TERM = "names no brand term (title and text as read)"
OUTSIDE = "published outside the window"

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"


def _matcher(source: RssSource, brand: Brand):
    """The brand's terms as whole words (any script), or `queries[brand]` as a regular
    expression; either is matched on the entry as a reader sees it."""
    override = source.queries.get(brand.id)
    if not override:
        return BrandNames(brand.terms)
    try:
        return re.compile(override, re.IGNORECASE)
    except re.error as e:
        raise ConfigError(f"source {source.name!r}: queries[{brand.id!r}] is not a regular expression: {e}") from None


def readable(value: str | None) -> str:
    """An entry's title or body as read: markup gone, entities decoded, one space between
    words (`customer&nbsp;service`, `<b>customer</b>\n<em>service</em>`)."""
    return " ".join((_repair(value or "") or "").split())


def _author(entry: dict) -> str | None:
    """The name a feed gives its author, not the e-mail address beside it ("editor@x (Jane)")."""
    raw = entry.get("author") or ""
    named = re.search(r"\(([^()@]+)\)\s*$", raw)  # RSS <author>: "address (Name)"
    detail = entry.get("author_detail") if isinstance(entry.get("author_detail"), dict) else {}
    name = named.group(1).strip() if named else detail.get("name") or raw
    if "@" in name or "(" in name:
        name = None
    return name or None


def _time(entry: dict) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")  # struct_time, already UTC
    return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc) if parsed else None


def _text(entry: dict) -> tuple[str, str | None]:
    content = entry.get("content") or []
    if content and content[0].get("value"):
        return content[0]["value"], content[0].get("language")
    return entry.get("summary") or "", (entry.get("summary_detail") or {}).get("language")


def _conditional(known: dict, start: datetime) -> dict[str, str]:
    until = known.get("until")
    if not until or datetime.fromisoformat(until) > start:
        return {}
    headers = {"If-None-Match": known.get("etag"), "If-Modified-Since": known.get("last_modified")}
    return {k: v for k, v in headers.items() if v}


def fetch(source: RssSource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    state = state or {}
    match = _matcher(source, brand)
    stats = FetchStats()
    rows, rejects, seen, complete, new_state = [], [], 0, True, {}
    dropped: dict[str, int] = {}
    with HttpClient.for_source(source, stats, headers={"Accept": ACCEPT}) as client:
        for url in dict.fromkeys(source.feeds):
            known = state.get(url) if isinstance(state.get(url), dict) else {}
            label = url.split("?")[0]  # a private feed's key may sit in its query string
            response = client.request("GET", url, headers=_conditional(known, start))
            if response.status_code == 304:
                new_state[url] = known | {"until": end.isoformat()}
                continue
            # Text exactly as published: cleaning strips the markup, and no URL is rewritten.
            feed = feedparser.parse(
                response.content,
                response_headers={"content-type": response.headers.get("Content-Type", ""), "content-location": url},
                sanitize_html=False, resolve_relative_uris=False,
            )
            if not feed.entries and (feed.bozo or not feed.get("version")):
                problem = feed.get("bozo_exception") or "no RSS or Atom root element"
                body = response.content.decode(response.encoding or "utf-8", "replace")[:100_000]
                rejects.append(reject(source.name, brand.id, f"{label}: not a valid feed: {problem}", body))
                complete = False
                continue
            if feed.bozo:  # feedparser's lenient parser recovered entries: keep them, but say so
                stats.errors.append(f"{label}: read leniently: {feed.get('bozo_exception')}")
            later = False
            for entry in feed.entries:
                text, lang = _text(entry)
                title = entry.get("title")
                seen += 1
                created, native_id = _time(entry), entry.get("id") or entry.get("link")
                if created is not None and not (start <= created < end):
                    later = later or (created >= end and match.search(f"{readable(title)}\n{readable(text)}") is not None)
                    dropped[OUTSIDE] = dropped.get(OUTSIDE, 0) + 1
                    continue
                if not match.search(f"{readable(title)}\n{readable(text)}"):
                    dropped[NO_TERM] = dropped.get(NO_TERM, 0) + 1
                    continue
                if not native_id or created is None:
                    problem = "entry without id or link" if not native_id else "entry without a readable published or updated date"
                    rejects.append(reject(source.name, brand.id, f"{label}: {problem}", dict(entry), created))
                    continue
                rows.append(mention(
                    source.name, brand.id, native_id, created, text, dict(entry),
                    url=clean_url(entry.get("link")),
                    author_handle=_author(entry),
                    title=title,
                    lang_hint=lang or feed.feed.get("language"),
                ))
            validators = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
            if not later and any(validators.values()):
                new_state[url] = {k: v for k, v in validators.items() if v} | {"until": end.isoformat()}
    out = fetched(rows, rejects, seen, complete=complete, stats=stats, state=new_state)
    out.dropped = {**out.dropped, **dropped}
    return out
