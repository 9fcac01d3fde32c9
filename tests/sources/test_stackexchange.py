"""The Stack Exchange connector against a local stand-in for API 2.3's /search/advanced."""

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug import Request, Response

from tasks.sources.stackexchange import StackExchangeSource
from tasks.errors import SourceError
from tasks.sources import stackexchange
from tasks.sources.registry import connector
from tasks.storage import Lake

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads" / "stackexchange"
PAGE = json.loads((PAYLOADS / "search_advanced.json").read_text())
ITEM = PAGE["items"][0]
KEY = "fake-key-((9f3e))"


@pytest.fixture(autouse=True)
def _no_key(monkeypatch):
    monkeypatch.delenv("STACKEXCHANGE_KEY", raising=False)


def _source(httpserver, **kw) -> StackExchangeSource:
    kw.setdefault("queries", {"halcyon": "halcyon"})
    kw.setdefault("sites", ["android"])
    return StackExchangeSource(name="se-test", kind="stackexchange", base_url=httpserver.url_for("").rstrip("/"), backoff_seconds=0.01, retries=3, **kw)


def _item(qid: int, when: datetime, **fields) -> dict:
    return copy.deepcopy(ITEM) | {"question_id": qid, "creation_date": int(when.timestamp()), "link": f"https://android.stackexchange.com/questions/{qid}"} | fields


def _page(items: list[dict], has_more: bool = False, **wrapper) -> dict:
    return {"items": items, "has_more": has_more, "quota_max": 300, "quota_remaining": 290} | wrapper


def _at(hour: int, minute: int = 0) -> datetime:
    return START + timedelta(hours=hour, minutes=minute)


def _pages(*pages: dict):
    """A handler serving pages[n - 1] for `page=n`."""
    return lambda request: Response(json.dumps(pages[int(request.args["page"]) - 1]), content_type="application/json")


def test_fixture_item_is_mapped(httpserver, cfg):
    httpserver.expect_request("/search/advanced").respond_with_json(PAGE)
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    row = got.mentions.row(0, named=True)
    assert row["native_id"] == "android:123"
    assert (row["author_handle"], row["author_reach"], row["engagement"]) == ("ann", 1520, 3)
    assert row["title"] == "MMS fails on Halcyon Mobile after update"
    assert row["text"].startswith("<p>Since the update")
    assert row["url"] == "https://android.stackexchange.com/questions/123/mms-fails-on-halcyon-mobile-after-update"
    assert row["created_at"] == datetime(2026, 11, 18, 9, 12, 33, tzinfo=UTC) and row["lang_hint"] is None
    assert json.loads(row["raw_payload"])["tags"] == ["android", "halcyon", "mms"]
    assert (got.seen, got.complete, got.state) == (1, True, {})
    assert httpserver.log[0][0].args.to_dict() == {
        "q": "halcyon", "site": "android", "fromdate": str(int(START.timestamp())), "todate": str(int(END.timestamp()) - 1),
        "sort": "creation", "order": "asc", "page": "1", "pagesize": "100", "filter": "withbody",
    }


def test_pages_while_has_more_and_keeps_only_the_window(httpserver, cfg):
    page1 = _page([_item(1, START - timedelta(seconds=1)), _item(2, START), _item(3, _at(5))], has_more=True)
    page2 = _page([_item(4, _at(23, 59)), _item(5, END)])
    httpserver.expect_request("/search/advanced").respond_with_handler(_pages(page1, page2))
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["android:2", "android:3", "android:4"]
    assert [r.args["page"] for r, _ in httpserver.log] == ["1", "2"]
    assert got.seen == 3 and got.complete and got.rejects.is_empty()


def test_each_site_and_term_is_searched_and_merged(httpserver, cfg):
    def handler(request: Request) -> Response:
        site, q = request.args["site"], request.args["q"]
        items = {"halcyon": [_item(1, _at(1)), _item(2, _at(2))], "halcyonmobile": [_item(2, _at(2))]}[q]
        return Response(json.dumps(_page(items if site == "android" else [_item(1, _at(1))])), content_type="application/json")

    httpserver.expect_request("/search/advanced").respond_with_handler(handler)
    got = stackexchange.fetch(_source(httpserver, queries={}, sites=["android", "ru"]), cfg.brand("halcyon"), START, END, {})
    assert [(r.args["site"], r.args["q"]) for r, _ in httpserver.log] == [
        ("android", "halcyon"), ("android", "halcyonmobile"), ("ru", "halcyon"), ("ru", "halcyonmobile"),
    ]
    assert got.mentions["native_id"].to_list() == ["android:1", "android:2", "ru:1"]
    assert got.mentions["lang_hint"].to_list() == [None, None, "ru"]
    assert got.seen == 3 and got.dropped == {}


def test_key_is_sent_when_set(httpserver, cfg, monkeypatch):
    monkeypatch.setenv("STACKEXCHANGE_KEY", KEY)
    httpserver.expect_request("/search/advanced").respond_with_json(PAGE)
    stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert httpserver.log[0][0].args["key"] == KEY


def test_429_with_retry_after_is_retried(httpserver, cfg):
    httpserver.expect_ordered_request("/search/advanced").respond_with_data("Too Many Requests", status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request("/search/advanced").respond_with_json(PAGE)
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["android:123"]
    assert got.stats.retries >= 1 and got.complete


def test_500_is_retried(httpserver, cfg):
    httpserver.expect_ordered_request("/search/advanced").respond_with_json({"error_id": 500, "error_message": "internal error", "error_name": "internal_error"}, status=500)
    httpserver.expect_ordered_request("/search/advanced").respond_with_json(PAGE)
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions.height == 1 and got.stats.retries >= 1


def test_backoff_in_the_body_delays_the_next_request(httpserver, cfg):
    page1 = _page([_item(1, _at(1))], has_more=True, backoff=1)
    page2 = _page([_item(2, _at(2))])
    httpserver.expect_request("/search/advanced").respond_with_handler(_pages(page1, page2))
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions.height == 2
    assert got.stats.rate_limit_waits >= 1 and got.stats.waited_seconds > 0.5


def test_spent_quota_stops_and_leaves_the_window_incomplete(httpserver, cfg):
    httpserver.expect_request("/search/advanced").respond_with_handler(_pages(_page([_item(1, _at(1))], has_more=True, quota_remaining=0)))
    got = stackexchange.fetch(_source(httpserver, sites=["android", "superuser"]), cfg.brand("halcyon"), START, END, {})
    assert len(httpserver.log) == 1  # neither the next page nor the next site is asked for
    assert got.mentions["native_id"].to_list() == ["android:1"]
    assert not got.complete and "daily quota of 300 requests spent" in got.stats.errors[0]


def test_truncated_page_is_quarantined_and_earlier_pages_kept(httpserver, cfg):
    httpserver.expect_ordered_request("/search/advanced").respond_with_json(_page([_item(1, _at(1))], has_more=True))
    httpserver.expect_ordered_request("/search/advanced").respond_with_data('{"items":[{"question_id":2,"creation_da', content_type="application/json")
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["android:1"]
    assert got.rejects.height == 1 and not got.complete
    assert got.rejects["reason"][0].startswith("page 2: truncated JSON from ")
    assert got.rejects["record"][0] == '{"items":[{"question_id":2,"creation_da'


def test_unmappable_items_are_rejected_one_by_one(httpserver, cfg):
    items = [_item(1, _at(1)), {k: v for k, v in _item(2, _at(2)).items() if k != "question_id"}, _item(3, _at(3), creation_date="later")]
    httpserver.expect_request("/search/advanced").respond_with_json(_page(items))
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["native_id"].to_list() == ["android:1"]
    assert got.rejects["reason"].to_list() == ["android: question without question_id", "android:3: unparseable creation_date 'later'"]
    assert got.seen == got.mentions.height + got.rejects.height == 3 and got.complete


def test_400_fails_with_the_api_message_and_no_key(httpserver, cfg, monkeypatch):
    monkeypatch.setenv("STACKEXCHANGE_KEY", KEY)
    httpserver.expect_request("/search/advanced").respond_with_data((PAYLOADS / "error_400.json").read_text(), status=400, content_type="application/json")
    with pytest.raises(SourceError, match=r"source 'se-test': HTTP 400 from .*/search/advanced: No site found for name `androidd`") as err:
        stackexchange.fetch(_source(httpserver, sites=["androidd"]), cfg.brand("halcyon"), START, END, {})
    assert httpserver.log[0][0].args["key"] == KEY  # it reached the server ...
    assert KEY not in str(err.value) and "key=" not in str(err.value)  # ... and no message
    assert len(httpserver.log) == 1  # not retried


def test_same_window_twice_commits_one_copy(httpserver, cfg, tmp_path):
    httpserver.expect_request("/search/advanced").respond_with_json(_page([_item(1, _at(1)), _item(2, _at(22))]))
    source, brand = _source(httpserver), cfg.brand("halcyon")
    lake = Lake(tmp_path)
    for _ in range(2):
        f = connector("stackexchange").fetch(source, brand, START, END, {})
        lake.merge_window("raw", brand.id, source.name, START, END, f.mentions, "raw")
    back = Lake(tmp_path).read("raw", brand.id, [START.date()], sources=[source.name])
    assert sorted(back["native_id"].to_list()) == ["android:1", "android:2"]


def test_repeated_page_stops_paging(httpserver, cfg):
    # An API that ignores `page` and says has_more forever.
    httpserver.expect_request("/search/advanced").respond_with_json(_page([_item(7, _at(7))], has_more=True))
    got = stackexchange.fetch(_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert len(httpserver.log) == 2
    assert got.mentions["native_id"].to_list() == ["android:7"]
    assert not got.complete and got.stats.errors == ["android 'halcyon': page 2 repeated page 1; stopped paging"]


def test_max_pages_bounds_a_runaway_cursor(httpserver, cfg):
    handler = lambda request: Response(json.dumps(_page([_item(int(request.args["page"]), _at(1))], has_more=True)), content_type="application/json")
    httpserver.expect_request("/search/advanced").respond_with_handler(handler)
    got = stackexchange.fetch(_source(httpserver, max_pages=3), cfg.brand("halcyon"), START, END, {})
    assert len(httpserver.log) == 3 and got.mentions.height == 3
    assert not got.complete and got.stats.errors == ["android 'halcyon': more pages after max_pages=3; stopped paging"]
