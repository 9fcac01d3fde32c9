"""Mastodon connector against a local server answering like a Mastodon instance."""

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tasks.sources.mastodon import MastodonSource
from tasks.errors import ConfigError, SourceError
from tasks.sources import mastodon
from tasks.storage import Lake, days_between

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
STATUS = json.loads((Path(__file__).parents[1] / "fixtures" / "payloads" / "mastodon" / "status.json").read_text())
TAG = "/api/v1/timelines/tag/halcyon"
TAG_QS = {"limit": "40", "any[]": "halcyonmobile"}  # the brand's one-word terms, OR-ed
SEARCH = "/api/v2/search"
TOKEN = "masto-secret-token-123"


@pytest.fixture(autouse=True)
def _no_token(monkeypatch):
    monkeypatch.delenv("MASTODON_TOKEN", raising=False)


def status(when: str, n: int = 0, **fields) -> dict:
    """The fixture status at another time, with the snowflake id Mastodon would give it."""
    t = datetime.fromisoformat(when).replace(tzinfo=UTC)
    sid = str((int(t.timestamp() * 1000) << 16) + n)
    s = copy.deepcopy(STATUS)
    s.update(id=sid, created_at=t.strftime("%Y-%m-%dT%H:%M:%S.000Z"), url=f"https://mas.to/@ann/{sid}", uri=f"https://mas.to/users/ann/statuses/{sid}")
    s.update(fields)
    return s


def source(httpserver, **kw) -> MastodonSource:
    kw = {"search": False} | kw
    return MastodonSource(name="masto-test", kind="mastodon", base_url=httpserver.url_for("").rstrip("/"), backoff_seconds=0.01, retries=3, **kw)


def link(httpserver, max_id: str) -> dict:
    url = httpserver.url_for(TAG)
    return {"Link": f'<{url}?any%5B%5D=halcyonmobile&limit=40&max_id={max_id}>; rel="next", <{url}?min_id=1>; rel="prev"'}


def last_page(httpserver, after: dict) -> None:
    """The empty page after `after`: where a walk without Link headers ends."""
    httpserver.expect_request(TAG, query_string=TAG_QS | {"max_id": after["id"]}).respond_with_json([])


def ids(f) -> list[str]:
    return f.mentions["native_id"].to_list()


def test_pages_back_to_the_window_start(httpserver, cfg):
    after, a, b, c, d, before = (status(w) for w in ("2026-11-19T02:00:00", "2026-11-18T20:00:00", "2026-11-18T15:00:00",
                                                      "2026-11-18T10:00:00", "2026-11-18T01:00:00", "2026-11-17T23:00:00"))
    boost = status("2026-11-18T18:00:00", reblog=copy.deepcopy(STATUS), content="")
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS).respond_with_json([after, a, boost, b], headers=link(httpserver, b["id"]))
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS | {"max_id": b["id"]}).respond_with_json([c, d, before], headers=link(httpserver, before["id"]))

    f = mastodon.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})

    httpserver.check_assertions()  # both pages asked for, and no third past the window's start
    assert ids(f) == [a["id"], b["id"], c["id"], d["id"]]
    assert f.seen == 4 and f.complete and f.rejects.is_empty() and f.state == {} and f.stats.pages == 2
    row = f.mentions.row(0, named=True)
    assert row["created_at"] == datetime(2026, 11, 18, 20, tzinfo=UTC)
    assert (row["author_handle"], row["author_reach"], row["engagement"], row["lang_hint"]) == ("ann@mas.to", 216, 4, "en")
    assert row["url"] == f"https://mas.to/@ann/{a['id']}" and row["title"] is None
    assert row["text"] == STATUS["content"]
    assert json.loads(row["raw_payload"]) == a


def test_search_with_token_merges_with_the_hashtag_timeline(httpserver, cfg, monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    both, tagged, found = status("2026-11-18T12:00:00"), status("2026-11-18T11:00:00"), status("2026-11-18T09:00:00", spoiler_text="telco rant")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    httpserver.expect_request(TAG, query_string=TAG_QS, headers=auth).respond_with_json([both, tagged])
    last_page(httpserver, tagged)
    # "halcyon mobile", "halcyon one" and "halcyon fiber" are covered by the search for "halcyon".
    for q, hits in (("halcyon", [both, found]), ("halcyonmobile", [])):
        httpserver.expect_request(SEARCH, query_string={"q": q, "type": "statuses", "limit": "40"}, headers=auth).respond_with_json(
            {"accounts": [], "statuses": hits, "hashtags": []}
        )
        if hits:  # the next page, by the last status id
            httpserver.expect_request(SEARCH, query_string={"q": q, "type": "statuses", "limit": "40", "max_id": hits[-1]["id"]},
                                      headers=auth).respond_with_json({"accounts": [], "statuses": [], "hashtags": []})

    f = mastodon.fetch(source(httpserver, search=True), cfg.brand("halcyon"), START, END, {})

    assert sorted(ids(f)) == sorted([both["id"], tagged["id"], found["id"]])
    assert f.dropped == {"returned twice in one window": 1} and f.seen == 4  # in = out + dropped
    assert f.mentions.filter(f.mentions["native_id"] == found["id"])["title"].to_list() == ["telco rant"]
    assert all(TOKEN not in str(r.url) for r, _ in httpserver.log)


def test_unmappable_statuses_are_quarantined_and_the_rest_kept(httpserver, cfg):
    good = status("2026-11-18T10:00:00")
    no_id = status("2026-11-18T09:00:00", id=None)
    bad_time = status("2026-11-18T08:00:00", created_at="last tuesday")
    httpserver.expect_request(TAG, query_string=TAG_QS).respond_with_json([good, no_id, bad_time])
    last_page(httpserver, bad_time)
    f = mastodon.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert ids(f) == [good["id"]]
    assert f.rejects["reason"].to_list() == ["#halcyon #halcyonmobile: status without id", "#halcyon #halcyonmobile: unparseable created_at 'last tuesday'"]
    assert f.seen == 3 and f.complete


def test_429_with_retry_after_then_success(httpserver, cfg):
    s = status("2026-11-18T10:00:00")
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS).respond_with_json({"error": "Too many requests"}, status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS).respond_with_json([s])
    last_page(httpserver, s)
    f = mastodon.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert ids(f) == [s["id"]] and f.stats.retries >= 1 and f.complete


def test_500_then_success(httpserver, cfg):
    s = status("2026-11-18T10:00:00")
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS).respond_with_data("<html>Internal Server Error</html>", status=500)
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS).respond_with_json([s])
    last_page(httpserver, s)
    f = mastodon.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert ids(f) == [s["id"]] and f.stats.retries >= 1


def test_truncated_page_is_quarantined_and_the_window_left_incomplete(httpserver, cfg):
    first = status("2026-11-18T20:00:00")
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS).respond_with_json([first], headers=link(httpserver, first["id"]))
    truncated = json.dumps([status("2026-11-18T10:00:00")])[:150]
    httpserver.expect_ordered_request(TAG, query_string=TAG_QS | {"max_id": first["id"]}).respond_with_data(truncated, content_type="application/json")
    f = mastodon.fetch(source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert ids(f) == [first["id"]] and not f.complete
    (reason,) = f.rejects["reason"].to_list()
    assert reason.startswith("#halcyon #halcyonmobile page 2: truncated JSON")
    assert f.rejects["record"].to_list() == [truncated]


def test_401_fails_with_the_api_message_and_no_token(httpserver, cfg, monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    httpserver.expect_request(SEARCH, headers={"Authorization": f"Bearer {TOKEN}"}).respond_with_json(
        {"error": "The access token is invalid"}, status=401
    )
    with pytest.raises(SourceError, match="HTTP 401 .*The access token is invalid") as e:
        mastodon.fetch(source(httpserver, hashtags=False, search=True), cfg.brand("halcyon"), START, END, {})
    assert TOKEN not in str(e.value) and TOKEN not in repr(e.value)


def test_search_only_source_needs_its_token(httpserver, cfg):
    with pytest.raises(ConfigError, match="MASTODON_TOKEN"):
        mastodon.fetch(source(httpserver, hashtags=False, search=True), cfg.brand("halcyon"), START, END, {})


def test_fetching_a_window_twice_keeps_one_copy(httpserver, cfg, tmp_path):
    statuses = [status("2026-11-18T20:00:00"), status("2026-11-18T03:00:00")]
    httpserver.expect_request(TAG, query_string=TAG_QS).respond_with_json(statuses)
    last_page(httpserver, statuses[-1])
    src, brand = source(httpserver), cfg.brand("halcyon")
    for _ in range(2):
        f = mastodon.fetch(src, brand, START, END, {})
        Lake(tmp_path).merge_window("raw", brand.id, src.name, START, END, f.mentions, "raw")
    back = Lake(tmp_path).read("raw", brand.id, days_between(START, END), sources=[src.name])
    assert sorted(back["native_id"].to_list()) == sorted(s["id"] for s in statuses)


def test_repeated_max_id_stops_paging(httpserver, cfg):
    page = [status("2026-11-18T20:00:00"), status("2026-11-18T12:00:00")]
    httpserver.expect_request(TAG, query_string=TAG_QS).respond_with_json(page, headers=link(httpserver, page[-1]["id"]))
    # An instance that ignores max_id answers the same page, pointing at the same cursor.
    httpserver.expect_request(TAG, query_string=TAG_QS | {"max_id": page[-1]["id"]}).respond_with_json(page, headers=link(httpserver, page[-1]["id"]))
    f = mastodon.fetch(source(httpserver, max_pages=50), cfg.brand("halcyon"), START, END, {})
    assert len(httpserver.log) == 2 and f.stats.pages == 2
    assert sorted(ids(f)) == sorted(s["id"] for s in page)
    assert any("came back twice" in e for e in f.stats.errors)
