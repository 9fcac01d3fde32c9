import base64
import json
from datetime import date, datetime, timezone

import pytest
from werkzeug import Response

from tasks.sources.reddit import RedditSource
from tasks.errors import ConfigError, SourceError
from tasks.sources import reddit
from tasks.storage import Lake

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
CLIENT_ID, CLIENT_SECRET, TOKEN = "fake-client-id", "fake-client-secret-123", "fake-bearer-token-abc"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()

# One post as Reddit's search returns it (type=link, raw_json=1), cut down to the fields worth showing.
POST = {
    "kind": "t3",
    "data": {
        "id": "1p0abcd",
        "name": "t3_1p0abcd",
        "created_utc": 1794993153.0,
        "author": "someone",
        "title": "Halcyon Mobile outage in Leeds?",
        "selftext": "No signal since 9am & support says \"known issue\".",
        "permalink": "/r/HalcyonMobile/comments/1p0abcd/halcyon_mobile_outage_in_leeds/",
        "url": "https://www.reddit.com/r/HalcyonMobile/comments/1p0abcd/halcyon_mobile_outage_in_leeds/",
        "score": 12,
        "num_comments": 3,
        "subreddit": "HalcyonMobile",
        "upvote_ratio": 0.9,
        "over_18": False,
    },
}


def _post(post_id: str, when: str, **fields) -> dict:
    data = POST["data"] | {"id": post_id, "name": f"t3_{post_id}", "permalink": f"/r/HalcyonMobile/comments/{post_id}/slug/"}
    data["created_utc"] = datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()
    return {"kind": "t3", "data": data | fields}


def _listing(*children, after=None) -> dict:
    return {"kind": "Listing", "data": {"after": after, "dist": len(children), "modhash": None, "geo_filter": "", "children": list(children), "before": None}}


@pytest.fixture
def source(httpserver, monkeypatch) -> RedditSource:
    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    httpserver.expect_request("/api/v1/access_token", method="POST", headers={"Authorization": BASIC}, data="grant_type=client_credentials").respond_with_json(
        {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
    )
    return RedditSource(
        name="reddit-test", kind="reddit", base_url=httpserver.url_for("").rstrip("/"),
        token_url=httpserver.url_for("/api/v1/access_token"), backoff_seconds=0.01, retries=3, page_size=3,
    )


PAGE1 = _listing(_post("new1", "2026-11-19T01:00:00"), _post("a1", "2026-11-18T20:00:00"), _post("a2", "2026-11-18T15:00:00"), after="t3_a2")
PAGE2 = _listing(_post("a3", "2026-11-18T08:00:00"), _post("old1", "2026-11-17T23:00:00"), _post("old2", "2026-11-17T22:00:00"), after="t3_old2")


@pytest.fixture
def search(httpserver, cfg):
    """Expect one search request, with the token and exactly the documented parameters."""
    q = reddit.queries(RedditSource(name="x", kind="reddit"), cfg.brand("halcyon"))[0]

    def expect(after=None):
        params = {"q": q, "sort": "new", "limit": "3", "type": "link", "restrict_sr": "false", "raw_json": "1"} | ({"after": after} if after else {})
        return httpserver.expect_request("/search", headers={"Authorization": f"bearer {TOKEN}"}, query_string=params)

    return expect


def _searches(httpserver) -> int:
    return sum(1 for req, _ in httpserver.log if req.path == "/search")


def test_query_ors_terms_and_excludes_phrases(cfg):
    (q,) = reddit.queries(RedditSource(name="x", kind="reddit"), cfg.brand("halcyon"))
    assert q.startswith('(halcyon OR "halcyon mobile" OR halcyonmobile OR "halcyon one" OR "halcyon fiber") NOT "halcyon days"')
    assert reddit.queries(RedditSource(name="x", kind="reddit", queries={"halcyon": "title:halcyon"}), cfg.brand("halcyon")) == ["title:halcyon"]


def test_pages_until_posts_older_than_the_window(httpserver, source, cfg, search):
    search().respond_with_json(PAGE1)
    search("t3_a2").respond_with_json(PAGE2)
    got = reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["a1", "a2", "a3"]  # new1 is after the window, old* before it
    assert _searches(httpserver) == 2  # page 2 reached the window's start: no page 3
    assert got.seen == 3 and got.rejects.is_empty() and got.complete and got.state == {}
    row = got.mentions.row(0, named=True)
    assert row["url"] == "https://www.reddit.com/r/HalcyonMobile/comments/a1/slug/"
    assert (row["author_handle"], row["engagement"], row["author_reach"], row["title"]) == ("someone", 12, None, POST["data"]["title"])
    assert row["text"] == POST["data"]["selftext"] and row["created_at"] == datetime(2026, 11, 18, 20, tzinfo=UTC)
    assert json.loads(row["raw_payload"])["data"]["subreddit"] == "HalcyonMobile"
    assert TOKEN not in got.mentions.write_csv()


def test_unmappable_posts_are_quarantined_and_the_rest_kept(httpserver, source, cfg, search):
    search().respond_with_json(_listing(_post("a1", "2026-11-18T20:00:00"), _post("", "2026-11-18T19:00:00"), _post("x", "2026-11-18T18:00:00", created_utc="soon"), _post("old", "2026-11-17T10:00:00")))
    got = reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["a1"]
    assert got.rejects["reason"].to_list() == ["post without an id", "unparseable created_utc: 'soon'"]
    assert got.seen == 3


def test_429_with_retry_after_is_retried(httpserver, source, cfg, search):
    httpserver.expect_oneshot_request("/search").respond_with_json({"message": "Too Many Requests", "error": 429}, status=429, headers={"Retry-After": "1"})
    search().respond_with_json(_listing(_post("a1", "2026-11-18T20:00:00")))
    got = reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["a1"] and got.stats.retries >= 1


def test_500_is_retried(httpserver, source, cfg, search):
    httpserver.expect_oneshot_request("/search").respond_with_data("upstream error", status=500)
    search().respond_with_json(_listing(_post("a1", "2026-11-18T20:00:00")))
    got = reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["a1"] and got.stats.retries >= 1


def test_spent_quota_makes_the_next_request_wait(httpserver, source, cfg, search):
    page1 = _listing(_post("a1", "2026-11-18T20:00:00"), _post("a2", "2026-11-18T19:00:00"), _post("a3", "2026-11-18T18:00:00"), after="t3_a3")
    search().respond_with_json(page1, headers={"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "1", "X-Ratelimit-Used": "600"})
    search("t3_a3").respond_with_json(_listing(_post("a4", "2026-11-18T17:00:00")))
    got = reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions.height == 4
    assert got.stats.rate_limit_waits == 1 and 0 < got.stats.waited_seconds <= 1


def test_truncated_page_is_quarantined_and_window_incomplete(httpserver, source, cfg, search):
    search().respond_with_json(PAGE1)
    search("t3_a2").respond_with_data('{"kind": "Listing", "data": {"after": "t3_x", "children": [{"kind": "t3", "da', content_type="application/json")
    got = reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["a1", "a2"]
    (reason,) = got.rejects["reason"].to_list()
    assert reason.startswith("page 2: truncated JSON from ") and "/search" in reason
    assert got.rejects["record"][0].startswith('{"kind": "Listing"')
    assert got.complete is False


def test_json_that_is_not_a_listing_is_quarantined(httpserver, source, cfg, search):
    search().respond_with_json({"error": "maintenance"})
    got = reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.rejects["reason"].to_list() == ["page 1: not a Listing: no data.children list"] and not got.complete


def test_forbidden_fails_with_the_api_message_and_no_secret(httpserver, source, cfg, search):
    search().respond_with_json({"message": "Forbidden", "error": 403}, status=403)
    with pytest.raises(SourceError, match=r"source 'reddit-test': HTTP 403 from .*/search: Forbidden") as e:
        reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert TOKEN not in str(e.value) and CLIENT_SECRET not in str(e.value)
    assert [req.headers["Authorization"] for req, _ in httpserver.log if req.path == "/search"] == [f"bearer {TOKEN}"]


def test_bad_credentials_fail_at_the_token_endpoint(httpserver, source, cfg, monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "wrong-secret-456")
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_json({"message": "Unauthorized", "error": 401}, status=401)
    with pytest.raises(SourceError, match=r"HTTP 401 from .*/api/v1/access_token: Unauthorized") as e:
        reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert "wrong-secret-456" not in str(e.value) and _searches(httpserver) == 0


def test_token_echoed_in_an_error_is_scrubbed(httpserver, source, cfg, search):
    search().respond_with_json({"message": f"token {TOKEN} is not allowed here"}, status=400)
    with pytest.raises(SourceError, match=r"token \[secret\] is not allowed") as e:  # tasks/secrets.py, before the connector's own scrub
        reddit.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert TOKEN not in str(e.value)


def test_missing_credentials_are_a_config_error(monkeypatch, cfg, httpserver, source):
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    with pytest.raises(ConfigError, match="REDDIT_CLIENT_SECRET"):
        reddit.fetch(source, cfg.brand("halcyon"), START, END, {})


def test_same_window_twice_is_stored_once(httpserver, source, cfg, tmp_path, search):
    search().respond_with_json(PAGE1)
    search("t3_a2").respond_with_json(PAGE2)
    brand = cfg.brand("halcyon")
    for _ in range(2):
        got = reddit.fetch(source, brand, START, END, {})
        Lake(tmp_path).merge_window("raw", brand.id, source.name, START, END, got.mentions, "raw")
    stored = Lake(tmp_path).read("raw", brand.id, [date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)], sources=[source.name])
    assert sorted(stored["native_id"].to_list()) == ["a1", "a2", "a3"]


def test_repeated_cursor_stops_paging(httpserver, source, cfg, search):
    page = _listing(_post("a1", "2026-11-18T20:00:00"), _post("a2", "2026-11-18T19:00:00"), _post("a3", "2026-11-18T18:00:00"), after="t3_a3")
    search().respond_with_json(page)
    search("t3_a3").respond_with_json(page)  # a broken cursor: the same page and cursor again
    got = reddit.fetch(source.model_copy(update={"max_pages": 50}), cfg.brand("halcyon"), START, END, {})
    assert _searches(httpserver) == 2
    assert got.mentions["native_id"].to_list() == ["a1", "a2", "a3"] and got.dropped == {"returned twice in one window": 3}
    assert any("t3_a3 again" in e for e in got.stats.errors) and got.complete  # fetching again would meet the same cursor


def test_max_pages_bounds_paging_and_says_so(httpserver, source, cfg):
    def endless(request):
        n = int(request.args.get("after", "t3_p0")[4:]) + 1
        return Response(json.dumps(_listing(_post(f"p{n}", f"2026-11-18T{20 - n:02d}:00:00"), after=f"t3_p{n}")), content_type="application/json")

    httpserver.expect_request("/search").respond_with_handler(endless)
    got = reddit.fetch(source.model_copy(update={"max_pages": 4}), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["p1", "p2", "p3", "p4"] and _searches(httpserver) == 4
    assert any("max_pages=4" in e for e in got.stats.errors)
