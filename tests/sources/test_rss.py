"""RSS / Atom connector against a local server publishing feeds. Feeds have no paging,
so there is no cursor to test; conditional GET takes its place."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tasks.sources.rss import RssSource
from tasks.errors import SourceError
from tasks.sources import rss
from tasks.storage import Lake, days_between

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "payloads" / "rss"
ATOM, RSS = (FIXTURES / "reviews.atom").read_bytes(), (FIXTURES / "blog.rss").read_bytes()
ATOM_TYPE, RSS_TYPE = "application/atom+xml; charset=utf-8", "application/rss+xml; charset=UTF-8"
# In [START, END) and naming the brand: two reviews (one dated by <updated> only) and two blog posts.
WANTED = {
    "tag:reviews.example.com,2026:review-101",
    "tag:reviews.example.com,2026:review-103",
    "https://blog.example.org/?p=501",
    "https://blog.example.org/2026/11/halcyon-fiber-install",  # no <guid>: its link
}
REVIEWS_IN_WINDOW = {i for i in WANTED if i.startswith("tag:")}
ETAG, MODIFIED = '"5f2a-61c9"', "Wed, 18 Nov 2026 19:05:00 GMT"


def source(httpserver, *paths: str, **kw) -> RssSource:
    return RssSource(name="rss-test", kind="rss", feeds=[httpserver.url_for(p) for p in paths], backoff_seconds=0.01, retries=3, **kw)


def ids(f) -> set[str]:
    return set(f.mentions["native_id"].to_list())


def test_two_feeds_merged_and_only_the_window_and_brand_kept(httpserver, cfg):
    httpserver.expect_request("/reviews.atom", headers={"Accept": rss.ACCEPT}).respond_with_data(ATOM, content_type=ATOM_TYPE, headers={"ETag": '"r1"'})
    httpserver.expect_request("/blog.rss").respond_with_data(RSS, content_type=RSS_TYPE, headers={"ETag": ETAG, "Last-Modified": MODIFIED})
    src = source(httpserver, "/reviews.atom", "/blog.rss")

    f = rss.fetch(src, cfg.brand("halcyon"), START, END, {})

    # Not kept: the Brightwave review, the review and blog post before the window, the review after it.
    assert ids(f) == WANTED and f.complete
    (reason,) = f.rejects["reason"].to_list()
    assert reason == f"{src.feeds[1]}: entry without a readable published or updated date"
    # Every entry of both feeds is counted: kept, quarantined, or dropped with its reason.
    assert f.seen == 9 == f.mentions.height + f.rejects.height + sum(f.dropped.values())
    assert f.dropped == {rss.OUTSIDE: 3, rss.NO_TERM: 1}
    rows = {r["native_id"]: r for r in f.mentions.iter_rows(named=True)}
    review = rows["tag:reviews.example.com,2026:review-101"]
    assert review["created_at"] == datetime(2026, 11, 18, 8, tzinfo=UTC)
    assert (review["title"], review["author_handle"], review["url"], review["lang_hint"]) == (
        "Halcyon One: great coverage", "sam", "https://reviews.example.com/halcyon-mobile/101", "en-GB")
    assert review["text"] == "<p>Five stars. 5G in the tube <b>finally</b>.</p>"
    assert rows["tag:reviews.example.com,2026:review-103"]["created_at"] == datetime(2026, 11, 18, 16, 45, tzinfo=UTC)
    post = rows["https://blog.example.org/?p=501"]
    assert post["text"].startswith("<p>We rode the 07:40") and post["lang_hint"] == "en-us" and post["author_handle"] == "Rita"
    assert rows["https://blog.example.org/2026/11/halcyon-fiber-install"]["created_at"] == datetime(2026, 11, 18, 19, 5, tzinfo=UTC)
    # The reviews feed holds a matching entry dated after the window: its ETag is not kept,
    # or a 304 next time would hide that entry from the next window.
    assert f.state == {src.feeds[1]: {"etag": ETAG, "last_modified": MODIFIED, "until": END.isoformat()}}


def test_conditional_get_304_keeps_nothing_new(httpserver, cfg):
    served = {"content_type": RSS_TYPE, "headers": {"ETag": ETAG, "Last-Modified": MODIFIED}}
    httpserver.expect_ordered_request("/blog.rss").respond_with_data(RSS, **served)
    httpserver.expect_ordered_request("/blog.rss", headers={"If-None-Match": ETAG, "If-Modified-Since": MODIFIED}).respond_with_data("", status=304)
    httpserver.expect_ordered_request("/blog.rss").respond_with_data(RSS, **served)
    src, brand = source(httpserver, "/blog.rss"), cfg.brand("halcyon")

    first = rss.fetch(src, brand, START, END, {})
    nxt = rss.fetch(src, brand, END, END + timedelta(days=1), first.state)
    again = rss.fetch(src, brand, START, END, nxt.state)  # a past window read again

    assert len(ids(first)) == 2 and first.state[src.feeds[0]]["etag"] == ETAG
    assert nxt.mentions.is_empty() and nxt.rejects.is_empty() and nxt.seen == 0 and nxt.complete
    assert nxt.state == {src.feeds[0]: {"etag": ETAG, "last_modified": MODIFIED, "until": (END + timedelta(days=1)).isoformat()}}
    # No validators for a window before the state's: the feed is read, so the rows are not replaced by nothing.
    assert ids(again) == ids(first)
    assert "If-None-Match" not in httpserver.log[2][0].headers
    httpserver.check_assertions()


def test_429_with_retry_after_then_success(httpserver, cfg):
    httpserver.expect_oneshot_request("/reviews.atom").respond_with_data("Too Many Requests", status=429, headers={"Retry-After": "1"})
    httpserver.expect_request("/reviews.atom").respond_with_data(ATOM, content_type=ATOM_TYPE)
    f = rss.fetch(source(httpserver, "/reviews.atom"), cfg.brand("halcyon"), START, END, {})
    assert ids(f) == REVIEWS_IN_WINDOW and f.stats.retries >= 1 and f.complete


def test_500_then_success(httpserver, cfg):
    httpserver.expect_oneshot_request("/reviews.atom").respond_with_data("<h1>502 Bad Gateway</h1>", status=502)
    httpserver.expect_oneshot_request("/reviews.atom").respond_with_data("Internal Server Error", status=500)
    httpserver.expect_request("/reviews.atom").respond_with_data(ATOM, content_type=ATOM_TYPE)
    f = rss.fetch(source(httpserver, "/reviews.atom"), cfg.brand("halcyon"), START, END, {})
    assert ids(f) == REVIEWS_IN_WINDOW and f.stats.retries >= 2


@pytest.mark.parametrize(
    "body, problem",
    [
        (RSS[:300], "not a valid feed: <unknown>:6:52: no element found"),  # cut off before the first item
        (b"<html><head><title>Log in</title></head><body>Please log in</body></html>", "not a valid feed: no RSS or Atom root element"),
    ],
)
def test_malformed_feed_is_quarantined_and_the_window_left_incomplete(httpserver, cfg, body, problem):
    httpserver.expect_request("/reviews.atom").respond_with_data(ATOM, content_type=ATOM_TYPE)
    httpserver.expect_request("/blog.rss").respond_with_data(body, content_type=RSS_TYPE, headers={"ETag": ETAG})
    src = source(httpserver, "/reviews.atom", "/blog.rss")
    f = rss.fetch(src, cfg.brand("halcyon"), START, END, {})
    assert ids(f) == REVIEWS_IN_WINDOW and not f.complete
    (reason,) = f.rejects["reason"].to_list()
    assert reason.startswith(f"{src.feeds[1]}: {problem}")
    assert f.rejects["record"].to_list() == [body.decode()]
    assert src.feeds[1] not in f.state  # read it in full next time


def test_403_fails_with_the_server_message(httpserver, cfg):
    httpserver.expect_request("/reviews.atom").respond_with_json({"error": "Forbidden", "message": "this feed needs a subscriber key"}, status=403)
    with pytest.raises(SourceError, match="HTTP 403 from .*/reviews.atom: this feed needs a subscriber key"):
        rss.fetch(source(httpserver, "/reviews.atom"), cfg.brand("halcyon"), START, END, {})


def test_query_override_is_a_regular_expression(httpserver, cfg):
    httpserver.expect_request("/reviews.atom").respond_with_data(ATOM, content_type=ATOM_TYPE)
    src = source(httpserver, "/reviews.atom", queries={"halcyon": r"\bstars?\b"})
    f = rss.fetch(src, cfg.brand("halcyon"), START, END, {})
    assert ids(f) == REVIEWS_IN_WINDOW  # "Five stars" in 101's text, "Two stars" in 103's title


def test_fetching_a_window_twice_keeps_one_copy(httpserver, cfg, tmp_path):
    httpserver.expect_request("/reviews.atom").respond_with_data(ATOM, content_type=ATOM_TYPE, headers={"ETag": '"r1"'})
    httpserver.expect_request("/blog.rss").respond_with_data(RSS, content_type=RSS_TYPE, headers={"ETag": ETAG})
    src, brand, state = source(httpserver, "/reviews.atom", "/blog.rss"), cfg.brand("halcyon"), {}
    for _ in range(2):
        f = rss.fetch(src, brand, START, END, state)
        state = f.state  # as the flow does: the second fetch carries the first one's validators
        Lake(tmp_path).merge_window("raw", brand.id, src.name, START, END, f.mentions, "raw")
    back = Lake(tmp_path).read("raw", brand.id, days_between(START, END), sources=[src.name])
    assert sorted(back["native_id"].to_list()) == sorted(WANTED)
