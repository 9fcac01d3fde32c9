"""The Hacker News connector against a local stand-in for the Algolia HN Search API."""

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug import Request, Response

from tasks.sources.hackernews import HackerNewsSource
from tasks.errors import SourceError
from tasks.sources import hackernews
from tasks.sources.registry import connector
from tasks.storage import Lake

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
PAGE = json.loads((Path(__file__).parents[1] / "fixtures" / "payloads" / "hackernews" / "search_by_date.json").read_text())
COMMENT, STORY = PAGE["hits"]


def _source(httpserver, **kw) -> HackerNewsSource:
    kw.setdefault("queries", {"halcyon": "halcyon"})
    return HackerNewsSource(name="hn-test", kind="hackernews", base_url=httpserver.url_for("").rstrip("/"), backoff_seconds=0.01, retries=3, **kw)


def _hit(object_id: str, when: datetime, like: dict = COMMENT, **fields) -> dict:
    hit = copy.deepcopy(like) | {"objectID": object_id, "created_at_i": int(when.timestamp()), "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return hit | fields


def _page(hits: list[dict], page: int = 0, nb_pages: int = 1, nb_hits: int | None = None) -> dict:
    return PAGE | {"hits": hits, "page": page, "nbPages": nb_pages, "nbHits": len(hits) if nb_hits is None else nb_hits}


def _at(hour: int, minute: int = 0) -> datetime:
    return START + timedelta(hours=hour, minutes=minute)


def _pages(*pages: dict):
    """A handler serving pages[n] for `page=n`, as Algolia does."""
    return lambda request: Response(json.dumps(pages[int(request.args["page"])]), content_type="application/json")


def test_fixture_hits_are_mapped(httpserver, cfg):
    httpserver.expect_request("/search_by_date").respond_with_json(PAGE)
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    comment, story = got.mentions.rows(named=True)
    assert (comment["native_id"], comment["author_handle"], comment["engagement"], comment["author_reach"]) == ("46217069", "noaht", None, None)
    # A comment has no title of its own: its story's title is not the commenter's words.
    assert comment["title"] is None and "Why is UK mobile coverage still so patchy?" in comment["raw_payload"]
    assert comment["text"].startswith("<p>Switched to Halcyon")
    assert comment["url"] == "https://news.ycombinator.com/item?id=46217069"
    assert comment["created_at"] == datetime(2026, 11, 18, 9, 12, 33, tzinfo=UTC)
    assert (story["title"], story["engagement"], story["text"]) == ("Show HN: A status page for Halcyon Mobile outages", 42, "")
    assert json.loads(story["raw_payload"])["_tags"][0] == "story"
    assert (got.seen, got.complete, got.state) == (2, True, {})
    request = httpserver.log[0][0]
    assert request.args.to_dict() == {
        "query": "halcyon",
        "tags": "(story,comment)",
        "numericFilters": f"created_at_i>={int(START.timestamp())},created_at_i<{int(END.timestamp())}",
        "hitsPerPage": "100",
        "page": "0",
    }


def test_pages_to_the_end_and_keeps_only_the_window(httpserver, cfg):
    page0 = _page([_hit("105", _at(23, 59)), _hit("104", _at(20), STORY)], 0, 2, 5)
    # The API filters by time itself; hits outside the window anyway must not be kept.
    page1 = _page([_hit("103", _at(3)), _hit("102", END), _hit("101", START - timedelta(seconds=1))], 1, 2, 5)
    httpserver.expect_request("/search_by_date").respond_with_handler(_pages(page0, page1))
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["105", "104", "103"]
    assert [r.args["page"] for r, _ in httpserver.log] == ["0", "1"]
    assert got.seen == 3 and got.complete and got.stats.pages == 2 and got.rejects.is_empty()


def test_brand_terms_are_one_query_each_merged_by_object_id(httpserver, cfg):
    def handler(request: Request) -> Response:
        hits = {"halcyon": [_hit("1", _at(1)), _hit("2", _at(2))], "halcyonmobile": [_hit("2", _at(2)), _hit("3", _at(3))]}
        return Response(json.dumps(_page(hits.get(request.args["query"], []))), content_type="application/json")

    httpserver.expect_request("/search_by_date").respond_with_handler(handler)
    got = hackernews.fetch(_source(httpserver, queries={}, tags=["story"]), cfg.brand("halcyon"), START, END, {})
    # "halcyon mobile", "halcyon one" and "halcyon fiber" need every word, so "halcyon" already finds them.
    assert [r.args["query"] for r, _ in httpserver.log] == ["halcyon", "halcyonmobile"]
    assert {r.args["tags"] for r, _ in httpserver.log} == {"(story)"}
    assert sorted(got.mentions["native_id"].to_list()) == ["1", "2", "3"]
    assert got.seen == 3 and got.dropped == {}


def test_more_hits_than_algolia_serves_splits_the_window(httpserver, cfg):
    def handler(request: Request) -> Response:
        lo, hi = map(int, re.findall(r"\d+", request.args["numericFilters"]))
        if hi - lo > 6 * 3600:
            return Response(json.dumps(_page([_hit("0", _at(0))], 0, 10, 1500)), content_type="application/json")
        return Response(json.dumps(_page([_hit(str(lo), datetime.fromtimestamp(lo, UTC))])), content_type="application/json")

    httpserver.expect_request("/search_by_date").respond_with_handler(handler)
    got = hackernews.fetch(_source(httpserver, max_window_hours=12), cfg.brand("halcyon"), START, END, {})
    starts = [int(_at(h).timestamp()) for h in (0, 6, 12, 18)]
    assert sorted(got.mentions["native_id"].to_list()) == sorted(str(s) for s in starts)
    assert len(httpserver.log) == 6  # two 12-hour windows (max_window_hours), each too big, each halved
    assert got.complete and got.stats.errors == []


def test_429_with_retry_after_is_retried(httpserver, cfg):
    httpserver.expect_ordered_request("/search_by_date").respond_with_json({"message": "Too many requests", "status": 429}, status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request("/search_by_date").respond_with_json(PAGE)
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["46217069", "46216500"]
    assert got.stats.retries >= 1 and got.complete


def test_500_is_retried(httpserver, cfg):
    httpserver.expect_ordered_request("/search_by_date").respond_with_data("upstream timeout", status=500)
    httpserver.expect_ordered_request("/search_by_date").respond_with_json(PAGE)
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions.height == 2 and got.stats.retries >= 1


def test_truncated_page_is_quarantined_and_earlier_pages_kept(httpserver, cfg):
    httpserver.expect_ordered_request("/search_by_date").respond_with_json(_page([_hit("9", _at(5))], 0, 2, 2))
    httpserver.expect_ordered_request("/search_by_date").respond_with_data('{"hits": [{"objectID": "8", "created_at_i": 17949', content_type="application/json")
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["9"]
    assert got.rejects.height == 1 and not got.complete
    assert got.rejects["reason"][0].startswith("page 1: truncated JSON from ")
    assert got.rejects["record"][0].startswith('{"hits": [{"objectID": "8"')


def test_json_that_is_not_a_search_result_is_quarantined(httpserver, cfg):
    httpserver.expect_request("/search_by_date").respond_with_json({"hits": "none"})
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.rejects["reason"].to_list() == ["page 0: not a search result (no 'hits' list or 'nbPages')"]
    assert not got.complete and got.mentions.is_empty()


def test_unmappable_hits_are_rejected_one_by_one(httpserver, cfg):
    hits = [_hit("1", _at(1)), _hit("", _at(2)), _hit("3", _at(3), created_at_i="soon", created_at="soon")]
    httpserver.expect_request("/search_by_date").respond_with_json(_page(hits))
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["1"]
    assert got.rejects["reason"].to_list() == ["hit without objectID", "hit 3: unparseable created_at_i 'soon' / created_at 'soon'"]
    assert got.rejects["date"].to_list() == [_at(2).date(), None]
    assert got.seen == got.mentions.height + got.rejects.height == 3 and got.complete


def test_4xx_fails_with_the_api_message(httpserver, cfg):
    httpserver.expect_request("/search_by_date").respond_with_json({"message": "Invalid value for numericFilters", "status": 400}, status=400)
    with pytest.raises(SourceError, match=r"source 'hn-test': HTTP 400 from .*/search_by_date: Invalid value for numericFilters") as err:
        hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert "?" not in str(err.value)  # the query string stays out of messages
    assert len(httpserver.log) == 1  # not retried


def test_same_window_twice_commits_one_copy(httpserver, cfg, tmp_path):
    httpserver.expect_request("/search_by_date").respond_with_json(PAGE)
    source, brand = _source(httpserver), cfg.brand("halcyon")
    lake = Lake(tmp_path)
    for _ in range(2):
        f = connector("hackernews").fetch(source, brand, START, END, {})
        lake.merge_window("raw", brand.id, source.name, START, END, f.mentions, "raw")
    back = Lake(tmp_path).read("raw", brand.id, [START.date()], sources=[source.name])
    assert sorted(back["native_id"].to_list()) == ["46216500", "46217069"]


def test_repeated_page_stops_paging(httpserver, cfg):
    # An API that ignores `page` and answers page 0 again, forever.
    httpserver.expect_request("/search_by_date").respond_with_json(_page([_hit("7", _at(7))], 0, 50, 50))
    got = hackernews.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert len(httpserver.log) == 2
    assert got.mentions["native_id"].to_list() == ["7"]
    assert not got.complete and "page 1 came back as a page already read" in got.stats.errors[0]


def _numbered_pages(nb_pages: int, nb_hits: int):
    def handler(request: Request) -> Response:
        n = int(request.args["page"])
        return Response(json.dumps(_page([_hit(str(100 + n), START + timedelta(seconds=n))], n, nb_pages, nb_hits)), content_type="application/json")

    return handler


def test_max_pages_bounds_a_runaway_cursor(httpserver, cfg):
    httpserver.expect_request("/search_by_date").respond_with_handler(_numbered_pages(nb_pages=99, nb_hits=3))
    got = hackernews.fetch(_source(httpserver, max_pages=3, page_size=1), cfg.brand("halcyon"), START, END, {})
    assert len(httpserver.log) == 3 and got.mentions.height == 3
    assert not got.complete and got.stats.errors == ["query 'halcyon': more pages after max_pages=3; stopped paging"]


def test_a_minute_with_more_hits_than_can_be_paged_keeps_the_first(httpserver, cfg):
    httpserver.expect_request("/search_by_date").respond_with_handler(_numbered_pages(nb_pages=99, nb_hits=99))
    got = hackernews.fetch(_source(httpserver, max_pages=3, page_size=1), cfg.brand("halcyon"), START, _at(0, 1), {})
    assert len(httpserver.log) == 3 and got.mentions.height == 3
    # Fetching again could not do better, so the window still counts as read.
    assert got.complete and "99 hits in one minute, only the first 3 can be read" in got.stats.errors[0]
