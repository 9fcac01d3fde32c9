"""Record the demo's API answers from the bundled exports, for the replay twin.

`pulse demo` listens to Hacker News through the real connector (tasks/sources/hackernews.py)
with `replay: ../sample_data/payloads/hackernews`: every request it makes over the demo's
span is answered from payloads/hackernews/demo.cassette.json. This writes that cassette
from hackernews.jsonl, answering each request of the connector's own plan over the demo's
span (its queries, its 24-hour sub-windows, its pages) the way the Algolia HN Search API
would: hits newest first, filtered by `created_at_i`, matching when every word of the
query is in the hit's title or text (case-insensitive). Lines of the export that are not
JSON are not served (an API sends whole pages); a hit without objectID is, and the
connector quarantines it.

Any other window (a `pulse listen --from ... --to ...` of a few hours, a schedule's
cursor-to-now) has no exact recording: for those, each query's hits over the whole span
are recorded once more, paged but without the window filter, and the replay's
most-specific-match rule serves them; the connector keeps the hits inside its window
itself, as it does for every page.

generate.py calls this after writing the exports, so one run rewrites both:

    python3 sample_data/record_payloads.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import math
import re
import sys
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere: the project's own modules


def _hits(export: Path) -> list[dict]:
    out = []
    for line in export.read_text(encoding="utf-8").splitlines():
        try:
            hit = json.loads(line)
        except ValueError:
            continue
        if isinstance(hit, dict) and isinstance(hit.get("created_at_i"), int):
            hit["created_at"] = datetime.fromtimestamp(hit["created_at_i"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append(hit)
    return sorted(out, key=lambda h: (-h["created_at_i"], str(h.get("objectID"))))


def _matches(hit: dict, words: list[str]) -> bool:
    text = " ".join(str(hit.get(k) or "") for k in ("title", "story_title", "story_text", "comment_text")).lower()
    return all(w in text for w in words)


def _pages(q: str, found: list[dict], per_page: int, **match: str) -> list[dict]:
    """The pages Algolia answers `found` with, each as one recorded interaction."""
    pages = math.ceil(len(found) / per_page)
    out = []
    for n in range(max(pages, 1)):
        body = {"hits": found[n * per_page:(n + 1) * per_page], "nbHits": len(found), "page": n, "nbPages": pages,
                "hitsPerPage": per_page, "query": q, "exhaustiveNbHits": True}
        out.append({"request": {"method": "GET", "path": "/api/v1/search_by_date", "query": {"query": q, **match, "page": str(n)}},
                    "response": {"status": 200, "headers": {"Content-Type": "application/json; charset=utf-8"}, "json": body}})
    return out


def record_hackernews(export: Path, out: Path) -> Path:
    from tasks.calendar import day_bounds
    from tasks.config import load_config
    from tasks.sources import epoch_ceil, queries, windows
    from tasks.sources.hackernews import ALGOLIA_CAP, HackerNewsSource

    cfg = load_config(HERE.parent / "config")
    source = next(s for s in cfg.sources if s.name == "hackernews")
    assert isinstance(source, HackerNewsSource), "config/sources.yaml: the demo's hackernews source must be kind hackernews"
    start, end = day_bounds(cfg.settings.demo.start, cfg.settings.demo.end)
    per_page = min(source.page_size, ALGOLIA_CAP)
    hits = _hits(export)
    interactions = []
    for q in dict.fromkeys(q for brand in cfg.brands for q in queries(source, brand)):
        words = q.lower().replace('"', "").split()
        for lo, hi in windows(start, end, source.max_window_hours):
            a, b = epoch_ceil(lo), epoch_ceil(hi)
            found = [h for h in hits if a <= h["created_at_i"] < b and _matches(h, words)]
            interactions += _pages(q, found, per_page, numericFilters=f"created_at_i>={a},created_at_i<{b}")
        # Any other window: the query's hits over the whole span, unfiltered (fewer parameters: matched last).
        interactions += _pages(q, [h for h in hits if _matches(h, words)], per_page)
    return _write(out / "payloads" / "hackernews", interactions)


def _write(folder: Path, interactions: list[dict]) -> Path:
    """One cassette, one interaction a line: small diffs when the exports change."""
    folder.mkdir(parents=True, exist_ok=True)
    cassette = folder / "demo.cassette.json"
    lines = ",\n".join(json.dumps(i, ensure_ascii=False, sort_keys=True) for i in interactions)
    cassette.write_text('{"interactions": [\n' + lines + "\n]}\n", encoding="utf-8")
    return cassette


def _demo_source(kind: str, name: str):
    from tasks.config import load_config

    cfg = load_config(HERE.parent / "config")
    source = next((s for s in cfg.sources if s.name == name), None)
    assert source is not None and source.kind == kind, f"config/sources.yaml: the demo's {name} source must be kind {kind}"
    return cfg, source


def _interaction(method: str, path: str, query: dict, body: Any, headers: dict, status: int = 200) -> dict:
    key = "text" if isinstance(body, str) else "json"
    return {"request": {"method": method, "path": path, "query": query}, "response": {"status": status, "headers": headers, key: body}}


def _jsonl(export: Path) -> list[dict]:
    """The export's JSON records, in file order (oldest first); lines that are not JSON are not served."""
    out = []
    for line in export.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _csv(export: Path) -> list[dict]:
    with export.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup or ""))


def _term_match(q: str, text: str) -> bool:
    """A search box's match: a "quoted phrase" as a phrase, else every word (case-insensitive)."""
    text, q = text.lower(), q.lower().strip()
    if q.startswith('"') and q.endswith('"'):
        return q.strip('"') in text
    return all(w in text for w in q.split())


def _reddit_match(q: str, text: str) -> bool:
    """Reddit's search syntax as the connector writes it: `(a OR "b c") NOT "x" NOT "y"`."""
    nots = re.findall(r'NOT "([^"]*)"', q)
    ored = re.sub(r'NOT "[^"]*"', "", q).strip().strip("()")
    text = text.lower()
    return any(_term_match(t.strip(), text) for t in ored.split(" OR ")) and not any(x.lower() in text for x in nots)


def record_reddit(export: Path, out: Path) -> Path:
    """Reddit's answers to the connector: the app-only token, then for each brand query
    the search listing newest first, `limit` posts a page, each page's `after` the
    fullname of its last post (null on the last page). Search has no time filter, so the
    same pages serve every window: the connector stops at the first post older than its
    window. The connector asks with raw_json=1, so titles and bodies are unescaped (the
    export is Reddit's escaped form). Reddit's listings end after about 1,000 posts; the
    recording does not cut them there, so the demo's five weeks read in one window keep
    every post of the export."""
    from tasks.sources.reddit import PAGE_LIMIT, queries

    cfg, source = _demo_source("reddit", "reddit")
    per_page = min(source.page_size, PAGE_LIMIT)
    posts = []
    for rec in reversed(_jsonl(export)):  # newest first: the export is sorted oldest first
        rid = str(rec.get("id", "")).removeprefix("t3_")
        sub = rec.get("subreddit") or ""
        posts.append({"kind": "t3", "data": {
            "id": rid, "name": f"t3_{rid}", "subreddit": sub, "subreddit_name_prefixed": f"r/{sub}", "author": rec.get("author"),
            "title": html.unescape(rec.get("title") or ""), "selftext": html.unescape(rec.get("selftext") or ""),
            "created_utc": rec.get("created_utc"), "score": rec.get("score"), "permalink": rec.get("permalink"),
            "url": f"https://www.reddit.com{rec.get('permalink')}", "is_self": True, "domain": f"self.{sub}",
        }})
    token = {"access_token": "demo-replay-access-token", "token_type": "bearer", "expires_in": 86400, "scope": "*"}
    json_type = {"Content-Type": "application/json; charset=UTF-8"}
    interactions = [_interaction("POST", "/api/v1/access_token", {}, token, json_type)]
    used = 0
    for q in dict.fromkeys(q for brand in cfg.brands for q in queries(source, brand)):
        found = [p for p in posts if _reddit_match(q, f"{p['data']['title']}\n{p['data']['selftext']}")]
        for n in range(max(math.ceil(len(found) / per_page), 1)):
            page = found[n * per_page:(n + 1) * per_page]
            last = n * per_page + per_page >= len(found)
            used += 1
            body = {"kind": "Listing", "data": {"after": None if last else page[-1]["data"]["name"], "dist": len(page), "modhash": "",
                                                "geo_filter": "", "facets": {}, "children": page, "before": None}}
            query = {"q": q} | ({"after": found[n * per_page - 1]["data"]["name"]} if n else {})
            headers = json_type | {"x-ratelimit-remaining": f"{600 - used}.0", "x-ratelimit-used": str(used), "x-ratelimit-reset": "300"}
            interactions.append(_interaction("GET", "/search", query, body, headers))
    return _write(out / "payloads" / "reddit" / "demo", interactions)


def record_mastodon(export: Path, out: Path) -> Path:
    """Mastodon's answers to the connector's status searches (GET /api/v2/search,
    type=statuses): newest first, `limit` statuses a page, the next page asked by
    `max_id` (the last status's id; v2 search sends no Link header). Search has no time
    filter, so the same pages serve every window. The demo source reads search only
    (`hashtags: false`): a tag timeline would return a subset of the same statuses."""
    from tasks.sources import quote_term, search_terms
    from tasks.sources.mastodon import PAGE_LIMIT

    cfg, source = _demo_source("mastodon", "mastodon")
    per_page = min(source.page_size, PAGE_LIMIT)
    statuses = []
    for rec in sorted(_jsonl(export), key=lambda r: (-int(r["id"]) if str(r.get("id", "")).isdigit() else 0)):
        account = rec.get("account") or {}
        user, _, host = str(account.get("acct", "")).partition("@")
        statuses.append({
            "id": rec.get("id"), "created_at": rec.get("created_at"), "in_reply_to_id": None, "in_reply_to_account_id": None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": rec.get("language"),
            "uri": f"https://{host}/users/{user}/statuses/{rec.get('id')}", "url": rec.get("url"),
            "reblogs_count": rec.get("reblogs_count"), "favourites_count": rec.get("favourites_count"), "content": rec.get("content"),
            "reblog": None, "account": {"username": user, "acct": account.get("acct"), "url": f"https://{host}/@{user}",
                                        "followers_count": account.get("followers_count")},
            "media_attachments": [], "mentions": [], "tags": [], "emojis": [],
        })
    interactions, used = [], 0
    for brand in cfg.brands:
        override = source.queries.get(brand.id)
        for q in [override] if override else [quote_term(t) for t in search_terms(brand.terms)]:
            found = [s for s in statuses if _term_match(q, _plain(s["content"]))]
            for n in range(math.ceil(len(found) / per_page) + 1):  # and the empty page after the last
                used += 1
                query = {"q": q, "type": "statuses"} | ({"max_id": str(found[min(n * per_page, len(found)) - 1]["id"])} if n else {})
                headers = {"Content-Type": "application/json; charset=utf-8", "X-RateLimit-Limit": "300",
                           "X-RateLimit-Remaining": str(max(300 - used, 1)), "X-RateLimit-Reset": "2026-11-23T00:05:00.000Z"}
                body = {"accounts": [], "statuses": found[n * per_page:(n + 1) * per_page], "hashtags": []}
                interactions.append(_interaction("GET", "/api/v2/search", query, body, headers))
    return _write(out / "payloads" / "mastodon" / "demo", interactions)


def record_bluesky(export: Path, out: Path) -> Path:
    """Bluesky's answers to the connector: createSession (made-up tokens, as in
    payloads/bluesky/session.shaped.json), then app.bsky.feed.searchPosts per query,
    sort=latest, `limit` posts a page, `cursor` the offset of the next page as the API
    gives it ("100", "200"...), no cursor on the last page. The recording does not name
    `since`/`until`: the demo's span holds every post, so these pages are the API's
    answer for it, and any shorter window is kept by the connector's own check on
    `record.createdAt`. A post the export has no time for (indexedAt empty) keeps its
    place in the order and an empty createdAt, which the connector quarantines."""
    from tasks.sources import quote_term, search_terms
    from tasks.sources.bluesky import PAGE_LIMIT

    cfg, source = _demo_source("bluesky", "bluesky")
    per_page = min(source.page_size, PAGE_LIMIT)
    posts = []
    for rec in reversed(_csv(export)):  # newest first: the export is sorted oldest first
        did = rec["uri"].removeprefix("at://").split("/", 1)[0]
        langs = [x for x in re.split(r"[,\s]+", rec.get("langs") or "") if x]
        likes = int(rec["likeCount"]) if (rec.get("likeCount") or "").lstrip("-").isdigit() else None
        posts.append({"uri": rec["uri"], "author": {"did": did, "handle": rec["author_handle"], "labels": []},
                      "record": {"$type": "app.bsky.feed.post", "text": rec["text"], "langs": langs, "createdAt": rec["indexedAt"]},
                      "likeCount": likes, "indexedAt": rec["indexedAt"], "labels": []})
    session = json.loads((HERE / "payloads" / "bluesky" / "session.shaped.json").read_text(encoding="utf-8"))
    json_type = {"Content-Type": "application/json; charset=utf-8"}
    interactions = [_interaction("POST", "/xrpc/com.atproto.server.createSession", {}, session, json_type)]
    used = 0
    for brand in cfg.brands:
        override = source.queries.get(brand.id)
        for q in [override] if override else [quote_term(t) for t in search_terms(brand.terms)]:
            found = [p for p in posts if _term_match(q, p["record"]["text"])]
            pages = max(math.ceil(len(found) / per_page), 1)
            for n in range(pages):
                used += 1
                body = {"posts": found[n * per_page:(n + 1) * per_page], "hitsTotal": len(found)}
                if n + 1 < pages:
                    body["cursor"] = str((n + 1) * per_page)
                headers = json_type | {"RateLimit-Limit": "3000", "RateLimit-Remaining": str(3000 - used), "RateLimit-Policy": "3000;w=300"}
                interactions.append(_interaction("GET", "/xrpc/app.bsky.feed.searchPosts", {"q": q} | ({"cursor": str(n * per_page)} if n else {}), body, headers))
    return _write(out / "payloads" / "bluesky" / "demo", interactions)


ATOM = "http://www.w3.org/2005/Atom"


def record_reviews(export: Path, out: Path) -> Path:
    """The review site's Atom feed, as the rss connector reads it (one GET of each feed
    URL in `feeds`; no query, no paging): every review of the export as an entry, newest
    first, its body as `content type="html"` exactly as exported. Each feed URL of the
    demo source answers with it."""
    from xml.sax.saxutils import escape

    cfg, source = _demo_source("rss", "reviews")
    rows = [r for r in _csv(export) if r.get("guid")]
    entries = []
    for r in reversed(rows):
        try:
            when = parsedate_to_datetime(r["published"]).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (TypeError, ValueError):
            when = None
        dated = f"<published>{when}</published><updated>{when}</updated>" if when else ""
        entries.append(
            f'<entry><id>{escape(r["guid"])}</id><title>{escape(r["title"])}</title><link rel="alternate" href="{escape(r["link"], {chr(34): "&quot;"})}"/>'
            f'{dated}<author><name>{escape(r["author"])}</name></author><content type="html">{escape(r["summary"])}</content></entry>'
        )
    newest = next((e for e in entries if "<updated>" in e), "")
    updated = newest[newest.index("<updated>") + 9:newest.index("</updated>")] if newest else "2026-11-22T23:59:59Z"
    feed = (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="{ATOM}"><id>https://reviews.example.com/</id>'
            f"<title>reviews.example.com: latest reviews</title><updated>{updated}</updated>\n" + "\n".join(entries) + "\n</feed>\n")
    interactions = []
    for url in dict.fromkeys(source.feeds):
        path = urlsplit(url).path
        interactions.append({"request": {"method": "GET", "path": path, "query": {}},
                             "response": {"status": 200, "headers": {"Content-Type": "application/atom+xml; charset=utf-8"}, "body_file": "reviews.atom"}})
    folder = out / "payloads" / "rss" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reviews.atom").write_text(feed, encoding="utf-8")
    return _write(folder, interactions)


def record_all(out: Path) -> list[Path]:
    """Every replayed demo source's cassette, from the exports in `out`."""
    return [
        record_hackernews(out / "hackernews.jsonl", out),
        record_reddit(out / "reddit.jsonl", out),
        record_mastodon(out / "mastodon.jsonl", out),
        record_bluesky(out / "bluesky.csv", out),
        record_reviews(out / "reviews.csv", out),
    ]

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE), help="the folder holding the exports; payloads/ is written under it")
    out = Path(ap.parse_args().out)
    for cassette in record_all(out):
        print(cassette, f"{cassette.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
