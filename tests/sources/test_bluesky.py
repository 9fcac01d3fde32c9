"""Bluesky connector against a local server answering like a PDS's XRPC API."""

import copy
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tasks.sources.bluesky import BlueskySource
from tasks.errors import ConfigError, SourceError
from tasks.sources import bluesky
from tasks.storage import Lake, days_between

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "payloads" / "bluesky"
POST = json.loads((FIXTURES / "post.json").read_text())
SESSION = json.loads((FIXTURES / "session.json").read_text())
JWT = SESSION["accessJwt"]
HANDLE, PASSWORD = "halcyon-watch.bsky.social", "abcd-efgh-ijkl-mnop"
LOGIN, SEARCH = "/xrpc/com.atproto.server.createSession", "/xrpc/app.bsky.feed.searchPosts"
WINDOW = {"since": "2026-11-18T00:00:00.000Z", "until": "2026-11-19T00:00:00.000Z", "limit": "100", "sort": "latest"}
ONE_QUERY = {"queries": {"halcyon": "halcyon"}}


@pytest.fixture(autouse=True)
def _credentials(monkeypatch):
    monkeypatch.setenv("BLUESKY_HANDLE", HANDLE)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", PASSWORD)


def post(when: str, rkey: str, **record) -> dict:
    p = copy.deepcopy(POST)
    p["uri"] = f"at://did:plc:abc123xyz/app.bsky.feed.post/{rkey}"
    p["record"].update(createdAt=f"{when}.000Z", **record)
    p["indexedAt"] = f"{when}.412Z"
    return p


def source(httpserver, **kw) -> BlueskySource:
    return BlueskySource(name="bsky-test", kind="bluesky", base_url=httpserver.url_for("/xrpc"), backoff_seconds=0.01, retries=3, **kw)


def login(httpserver, once: bool = False):
    expect = httpserver.expect_oneshot_request if once else httpserver.expect_request
    return expect(LOGIN, method="POST", json={"identifier": HANDLE, "password": PASSWORD})


def search(httpserver, q: str = "halcyon", cursor: str | None = None, once: bool = False):
    """Expect a searchPosts call carrying the session's token (`once`: answered before the lasting handlers)."""
    expect = httpserver.expect_oneshot_request if once else httpserver.expect_request
    qs = WINDOW | {"q": q} | ({"cursor": cursor} if cursor else {})
    return expect(SEARCH, method="GET", query_string=qs, headers={"Authorization": f"Bearer {JWT}"})


def rkeys(f) -> list[str]:
    return [u.rsplit("/", 1)[-1] for u in f.mentions["native_id"].to_list()]


def test_pages_each_term_through_its_cursor_and_merges_by_uri(httpserver, cfg):
    login(httpserver).respond_with_json(SESSION)
    backdated = post("2026-11-10T08:00:00", "3kold")  # indexed in the window, written long before it
    search(httpserver, "halcyon").respond_with_json({"cursor": "25", "hitsTotal": 5, "posts": [post("2026-11-18T21:00:00", "3ka"), backdated]})
    search(httpserver, "halcyon", cursor="25").respond_with_json({"hitsTotal": 5, "posts": [post("2026-11-18T10:00:00", "3kb")]})
    # "halcyon mobile", "halcyon one" and "halcyon fiber" are covered by the search for "halcyon".
    search(httpserver, "halcyonmobile").respond_with_json({"hitsTotal": 2, "posts": [post("2026-11-18T10:00:00", "3kb"), post("2026-11-18T05:00:00", "3kc")]})

    f = bluesky.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})

    httpserver.check_assertions()
    assert rkeys(f) == ["3ka", "3kb", "3kc"]
    assert f.seen == 4 and f.dropped == {"returned twice in one window": 1} and f.complete and f.state == {}
    row = f.mentions.row(0, named=True)
    assert row["native_id"] == "at://did:plc:abc123xyz/app.bsky.feed.post/3ka"
    assert row["url"] == "https://bsky.app/profile/ann.bsky.social/post/3ka"
    assert row["created_at"] == datetime(2026, 11, 18, 21, tzinfo=UTC)
    assert (row["author_handle"], row["author_reach"], row["engagement"], row["lang_hint"]) == ("ann.bsky.social", None, 4, "en")
    assert row["text"] == POST["record"]["text"]
    assert json.loads(row["raw_payload"])["cid"] == POST["cid"]


def test_unmappable_posts_are_quarantined_and_the_rest_kept(httpserver, cfg):
    login(httpserver).respond_with_json(SESSION)
    no_uri = post("2026-11-18T09:00:00", "3kx")
    del no_uri["uri"]
    undated = post("2026-11-18T08:00:00", "3ky") | {"record": {"text": "halcyon", "createdAt": "soon"}}
    search(httpserver).respond_with_json({"posts": [post("2026-11-18T10:00:00", "3ka"), no_uri, undated]})
    f = bluesky.fetch(source(httpserver, **ONE_QUERY), cfg.brand("halcyon"), START, END, {})
    assert rkeys(f) == ["3ka"]
    assert f.rejects["reason"].to_list() == ["search 'halcyon': post without uri", "search 'halcyon': unparseable record.createdAt 'soon'"]
    assert f.seen == 3


def test_429_with_retry_after_then_success(httpserver, cfg):
    login(httpserver).respond_with_json(SESSION)
    search(httpserver, once=True).respond_with_json({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, status=429, headers={"Retry-After": "1"})
    search(httpserver).respond_with_json({"posts": [post("2026-11-18T10:00:00", "3ka")]})
    f = bluesky.fetch(source(httpserver, **ONE_QUERY), cfg.brand("halcyon"), START, END, {})
    assert rkeys(f) == ["3ka"] and f.stats.retries >= 1 and f.complete
    assert [r.path for r, _ in httpserver.log] == [LOGIN, SEARCH, SEARCH]


def test_500_on_login_then_success(httpserver, cfg):
    login(httpserver, once=True).respond_with_json({"error": "InternalServerError", "message": "Internal Server Error"}, status=500)
    login(httpserver).respond_with_json(SESSION)
    search(httpserver).respond_with_json({"posts": [post("2026-11-18T10:00:00", "3ka")]})
    f = bluesky.fetch(source(httpserver, **ONE_QUERY), cfg.brand("halcyon"), START, END, {})
    assert rkeys(f) == ["3ka"] and f.stats.retries >= 1


def test_ratelimit_headers_pause_the_next_request(httpserver, cfg):
    login(httpserver).respond_with_json(SESSION)
    spent = {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": f"{time.time() + 0.3:.3f}", "RateLimit-Policy": "3000;w=300"}
    search(httpserver).respond_with_json({"cursor": "25", "posts": [post("2026-11-18T10:00:00", "3ka")]}, headers=spent)
    search(httpserver, cursor="25").respond_with_json({"posts": []})
    f = bluesky.fetch(source(httpserver, **ONE_QUERY), cfg.brand("halcyon"), START, END, {})
    assert rkeys(f) == ["3ka"] and f.stats.rate_limit_waits == 1


def test_truncated_page_is_quarantined_and_the_window_left_incomplete(httpserver, cfg):
    login(httpserver).respond_with_json(SESSION)
    search(httpserver).respond_with_json({"cursor": "25", "posts": [post("2026-11-18T20:00:00", "3ka")]})
    truncated = json.dumps({"cursor": "50", "posts": [post("2026-11-18T10:00:00", "3kb")]})[:120]
    search(httpserver, cursor="25").respond_with_data(truncated, content_type="application/json")
    f = bluesky.fetch(source(httpserver, **ONE_QUERY), cfg.brand("halcyon"), START, END, {})
    assert rkeys(f) == ["3ka"] and not f.complete
    (reason,) = f.rejects["reason"].to_list()
    assert reason.startswith("search 'halcyon' page 2: truncated JSON")
    assert f.rejects["record"].to_list() == [truncated]


def test_bad_password_fails_with_the_api_message_and_no_secret(httpserver, cfg):
    login(httpserver).respond_with_json({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, status=401)
    with pytest.raises(SourceError, match="HTTP 401 .*Invalid identifier or password") as e:
        bluesky.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert PASSWORD not in str(e.value) and PASSWORD not in repr(e.value)
    assert all(PASSWORD not in r.url for r, _ in httpserver.log)


def test_expired_token_fails_with_the_api_message_and_no_secret(httpserver, cfg):
    login(httpserver).respond_with_json(SESSION)
    search(httpserver).respond_with_json({"error": "ExpiredToken", "message": "Token has expired"}, status=400)
    with pytest.raises(SourceError, match="HTTP 400 .*Token has expired") as e:
        bluesky.fetch(source(httpserver, **ONE_QUERY), cfg.brand("halcyon"), START, END, {})
    assert JWT not in str(e.value) and PASSWORD not in str(e.value)
    assert all(JWT not in r.url for r, _ in httpserver.log)


def test_unreadable_session_answer_does_not_leak_its_token(httpserver, cfg):
    login(httpserver).respond_with_data(json.dumps(SESSION)[:-40], content_type="application/json")
    with pytest.raises(SourceError, match="createSession answered with a body that is not JSON") as e:
        bluesky.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert JWT[:40] not in str(e.value) and e.value.__cause__ is None and e.value.__context__ is None


def test_both_credentials_are_required(httpserver, cfg, monkeypatch):
    monkeypatch.delenv("BLUESKY_APP_PASSWORD")
    with pytest.raises(ConfigError, match="BLUESKY_APP_PASSWORD"):
        bluesky.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})


def test_fetching_a_window_twice_keeps_one_copy(httpserver, cfg, tmp_path):
    login(httpserver).respond_with_json(SESSION)
    search(httpserver).respond_with_json({"posts": [post("2026-11-18T20:00:00", "3ka"), post("2026-11-18T02:00:00", "3kb")]})
    src, brand = source(httpserver, **ONE_QUERY), cfg.brand("halcyon")
    for _ in range(2):
        f = bluesky.fetch(src, brand, START, END, {})
        Lake(tmp_path).merge_window("raw", brand.id, src.name, START, END, f.mentions, "raw")
    back = Lake(tmp_path).read("raw", brand.id, days_between(START, END), sources=[src.name])
    assert sorted(u.rsplit("/", 1)[-1] for u in back["native_id"].to_list()) == ["3ka", "3kb"]


def test_repeated_cursor_stops_paging(httpserver, cfg):
    login(httpserver).respond_with_json(SESSION)
    search(httpserver).respond_with_json({"cursor": "25", "posts": [post("2026-11-18T20:00:00", "3ka")]})
    search(httpserver, cursor="25").respond_with_json({"cursor": "25", "posts": [post("2026-11-18T19:00:00", "3kb")]})
    f = bluesky.fetch(source(httpserver, max_pages=50, **ONE_QUERY), cfg.brand("halcyon"), START, END, {})
    assert rkeys(f) == ["3ka", "3kb"] and f.stats.pages == 3  # the session and two pages
    assert any("came back twice" in e for e in f.stats.errors)
