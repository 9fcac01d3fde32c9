import json
import time
from datetime import date, datetime, timezone
from urllib.parse import parse_qs

import pytest
from werkzeug import Response

from tasks.config import Brand
from tasks.sources.github import GitHubSource
from tasks.errors import SourceError
from tasks.sources import github
from tasks.storage import Lake

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
TOKEN = "ghp_fakeTokenForTests0123456789"
TERMS = 'halcyon OR "halcyon mobile" OR halcyonmobile OR "halcyon one" OR "halcyon fiber" NOT "halcyon days"'
DAY_Q = f"{TERMS} in:title,body created:2026-11-18T00:00:00Z..2026-11-18T23:59:59Z"
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}

# One result of GET /search/issues as documented, cut down to the fields worth showing.
ISSUE = {
    "url": "https://api.github.com/repos/halcyon-fans/tracker/issues/42",
    "repository_url": "https://api.github.com/repos/halcyon-fans/tracker",
    "html_url": "https://github.com/halcyon-fans/tracker/issues/42",
    "id": 2400000042,
    "node_id": "I_kwDOKx1234M6Q1a2",
    "number": 42,
    "title": "Halcyon Mobile APN settings break MMS",
    "user": {"login": "ann", "id": 583231, "type": "User", "site_admin": False},
    "labels": [{"name": "bug"}],
    "state": "open",
    "locked": False,
    "comments": 3,
    "created_at": "2026-11-18T09:12:33Z",
    "updated_at": "2026-11-18T11:40:02Z",
    "closed_at": None,
    "author_association": "NONE",
    "body": "Since the update, MMS fails on **Halcyon Mobile**.",
    "reactions": {"url": "https://api.github.com/repos/halcyon-fans/tracker/issues/42/reactions", "total_count": 5, "+1": 4, "-1": 0, "heart": 1},
    "score": 1.0,
}


def _issue(issue_id: int, when: str, **fields) -> dict:
    return ISSUE | {"id": issue_id, "number": issue_id, "html_url": f"https://github.com/halcyon-fans/tracker/issues/{issue_id}", "created_at": when} | fields


def _result(*items, total=None, incomplete=False) -> dict:
    return {"total_count": len(items) if total is None else total, "incomplete_results": incomplete, "items": list(items)}


PAGE1 = _result(_issue(10, "2026-11-17T23:59:59Z"), _issue(11, "2026-11-18T01:00:00Z"), _issue(12, "2026-11-18T05:00:00Z"), total=5)
PAGE2 = _result(_issue(13, "2026-11-18T23:00:00Z"), _issue(14, "2026-11-19T00:00:00Z"), total=5)


@pytest.fixture
def source(httpserver, monkeypatch) -> GitHubSource:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return GitHubSource(name="gh-test", kind="github", base_url=httpserver.url_for("").rstrip("/"), backoff_seconds=0.01, retries=3, page_size=3)


@pytest.fixture
def search(httpserver):
    """Expect one search request with exactly the documented parameters and headers."""

    def expect(page=1, q=DAY_Q, **headers):
        params = {"q": q, "sort": "created", "order": "asc", "per_page": "3", "page": str(page)}
        return httpserver.expect_request("/search/issues", headers=API_HEADERS | headers, query_string=params)

    return expect


def _requests(httpserver) -> list:
    return [req for req, _ in httpserver.log if req.path == "/search/issues"]


def test_queries_respect_operator_and_length_limits(cfg):
    plain = GitHubSource(name="x", kind="github")
    assert github.queries(plain, cfg.brand("halcyon")) == [TERMS]  # 4 ORs leave room for one NOT
    many = Brand(id="b", name="B", terms=[f"t{i}" for i in range(8)] + ["two words"], exclude=["t0 fan", "t8"])
    first, second = github.queries(plain, many)
    assert first == "t0 OR t1 OR t2 OR t3 OR t4 OR t5"
    assert second == 't6 OR t7 OR "two words" NOT "t0 fan" NOT "t8"'
    custom = GitHubSource(name="x", kind="github", queries={"halcyon": "halcyon in:title"})
    assert github.queries(custom, cfg.brand("halcyon")) == ["halcyon in:title"]


def test_pages_to_the_window_end(httpserver, source, search, cfg, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    search(1).respond_with_json(PAGE1)
    search(2).respond_with_json(PAGE2)
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11", "12", "13"]  # 10 before, 14 at the exclusive end
    assert got.seen == 3 and got.complete and got.rejects.is_empty() and got.state == {}
    assert [r.args["page"] for r in _requests(httpserver)] == ["1", "2"]  # page 2 was short: no page 3
    assert all("Authorization" not in r.headers for r in _requests(httpserver))  # no token, no header
    row = got.mentions.row(0, named=True)
    assert (row["url"], row["author_handle"], row["engagement"], row["author_reach"]) == ("https://github.com/halcyon-fans/tracker/issues/11", "ann", 8, None)
    assert (row["title"], row["text"]) == (ISSUE["title"], ISSUE["body"])
    assert row["created_at"] == datetime(2026, 11, 18, 1, tzinfo=UTC)
    assert json.loads(row["raw_payload"])["repository_url"] == ISSUE["repository_url"]


def test_unmappable_items_are_quarantined(httpserver, source, search, cfg):
    search(1).respond_with_json(_result(_issue(11, "2026-11-18T01:00:00Z", body=None, reactions=None), _issue(None, "2026-11-18T02:00:00Z"), _issue(13, "last week")))
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11"] and got.mentions["engagement"].to_list() == [3]
    assert got.mentions["text"].to_list() == [""]
    assert got.rejects["reason"].to_list() == ["issue without an id", "unparseable created_at: 'last week'"]
    assert got.seen == 3


def test_429_with_retry_after_is_retried(httpserver, source, search, cfg):
    httpserver.expect_oneshot_request("/search/issues").respond_with_json({"message": "slow down"}, status=429, headers={"Retry-After": "1"})
    search(1).respond_with_json(_result(_issue(11, "2026-11-18T01:00:00Z")))
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11"] and got.stats.retries >= 1


def test_500_is_retried(httpserver, source, search, cfg):
    httpserver.expect_oneshot_request("/search/issues").respond_with_data("Server Error", status=500)
    search(1).respond_with_json(_result(_issue(11, "2026-11-18T01:00:00Z")))
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11"] and got.stats.retries >= 1


@pytest.mark.parametrize(
    "limit_headers",
    [
        lambda: {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 2)},  # primary
        lambda: {"Retry-After": "1"},  # secondary
    ],
    ids=["primary", "secondary"],
)
def test_rate_limit_403_waits_and_retries_once(httpserver, source, search, cfg, limit_headers):
    message = {"message": "API rate limit exceeded for user ID 583231.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}
    httpserver.expect_oneshot_request("/search/issues").respond_with_json(message, status=403, headers=limit_headers())
    search(1).respond_with_json(_result(_issue(11, "2026-11-18T01:00:00Z")))
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11"]
    assert got.stats.rate_limit_waits == 1 and 0 < got.stats.waited_seconds <= 2
    assert any("rate limited (HTTP 403)" in e for e in got.stats.errors)


def test_rate_limit_that_persists_fails(httpserver, source, cfg):
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3600)}
    httpserver.expect_request("/search/issues").respond_with_json({"message": "API rate limit exceeded for 127.0.0.1."}, status=403, headers=headers)
    with pytest.raises(SourceError, match="HTTP 403 .*API rate limit exceeded"):
        github.fetch(source.model_copy(update={"max_wait_seconds": 0.2}), cfg.brand("halcyon"), START, END, {})
    assert len(_requests(httpserver)) == 2  # the request and one retry after the (capped) wait


def test_truncated_page_is_quarantined_and_window_incomplete(httpserver, source, search, cfg):
    search(1).respond_with_json(PAGE1)
    search(2).respond_with_data('{"total_count": 5, "incomplete_results": false, "items": [{"id": 13, "tit', content_type="application/json")
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11", "12"]
    (reason,) = got.rejects["reason"].to_list()
    assert reason.startswith("page 2: truncated JSON from ") and "/search/issues" in reason
    assert got.complete is False


def test_bad_credentials_fail_with_the_api_message_and_no_token(httpserver, source, search, cfg):
    search(1, Authorization=f"Bearer {TOKEN}").respond_with_json({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}, status=401)
    with pytest.raises(SourceError, match=r"source 'gh-test': HTTP 401 from .*/search/issues: Bad credentials") as e:
        github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert TOKEN not in str(e.value)
    assert len(_requests(httpserver)) == 1  # not retried


def test_forbidden_without_rate_limit_is_not_retried(httpserver, source, cfg):
    httpserver.expect_request("/search/issues").respond_with_json({"message": "Resource not accessible by personal access token"}, status=403, headers={"X-RateLimit-Remaining": "28"})
    with pytest.raises(SourceError, match="Resource not accessible"):
        github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert len(_requests(httpserver)) == 1


def test_incomplete_results_mark_the_window_incomplete(httpserver, source, search, cfg):
    search(1).respond_with_json(_result(_issue(11, "2026-11-18T01:00:00Z"), incomplete=True))
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11"] and got.complete is False
    assert any("incomplete_results" in e for e in got.stats.errors)


def test_more_results_than_search_pages_through_split_the_window(httpserver, source, cfg):
    halves = {
        "2026-11-18T00:00:00Z..2026-11-18T11:59:59Z": _result(_issue(11, "2026-11-18T01:00:00Z")),
        "2026-11-18T12:00:00Z..2026-11-18T23:59:59Z": _result(_issue(12, "2026-11-18T13:00:00Z")),
    }

    def handler(request):
        window = parse_qs(request.query_string.decode())["q"][0].rsplit("created:", 1)[1]
        body = halves.get(window) or _result(_issue(1, "2026-11-18T01:00:00Z"), _issue(2, "2026-11-18T02:00:00Z"), _issue(3, "2026-11-18T03:00:00Z"), total=1500)
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/search/issues").respond_with_handler(handler)
    got = github.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["11", "12"]
    assert [r.args["q"].rsplit("created:", 1)[1] for r in _requests(httpserver)] == ["2026-11-18T00:00:00Z..2026-11-18T23:59:59Z", *halves]


def test_same_window_twice_is_stored_once(httpserver, source, search, cfg, tmp_path):
    search(1).respond_with_json(PAGE1)
    search(2).respond_with_json(PAGE2)
    brand = cfg.brand("halcyon")
    for _ in range(2):
        got = github.fetch(source, brand, START, END, {})
        Lake(tmp_path).merge_window("raw", brand.id, source.name, START, END, got.mentions, "raw")
    stored = Lake(tmp_path).read("raw", brand.id, [date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)], sources=[source.name])
    assert sorted(stored["native_id"].to_list()) == ["11", "12", "13"]


def test_repeated_page_stops_paging(httpserver, source, search, cfg):
    page = _result(_issue(11, "2026-11-18T01:00:00Z"), _issue(12, "2026-11-18T02:00:00Z"), _issue(13, "2026-11-18T03:00:00Z"), total=9)
    httpserver.expect_request("/search/issues").respond_with_json(page)  # ignores `page`: every page is page 1
    got = github.fetch(source.model_copy(update={"max_pages": 50}), cfg.brand("halcyon"), START, END, {})
    assert [r.args["page"] for r in _requests(httpserver)] == ["1", "2"]
    assert got.mentions["native_id"].to_list() == ["11", "12", "13"]
    assert any("page 2 repeated page 1" in e for e in got.stats.errors) and got.complete is False


def test_max_window_hours_splits_up_front(httpserver, source, cfg):
    httpserver.expect_request("/search/issues").respond_with_json(_result())
    github.fetch(source.model_copy(update={"max_window_hours": 12}), cfg.brand("halcyon"), START, END, {})
    assert [r.args["q"].rsplit("created:", 1)[1] for r in _requests(httpserver)] == [
        "2026-11-18T00:00:00Z..2026-11-18T11:59:59Z", "2026-11-18T12:00:00Z..2026-11-18T23:59:59Z"
    ]
