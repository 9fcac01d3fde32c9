"""The replay twin: a real connector answered from recorded files, never the network,
with the same mention ids and cursors a live run gives and the same retry and
rate-limit handling."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tasks import schema
from tasks.errors import ConfigError, SourceError
from tasks.sources import hackernews, mastodon
from tasks.sources.hackernews import HackerNewsSource
from tasks.sources.mastodon import MastodonSource

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "payloads"
PAGE = json.loads((FIXTURES / "hackernews" / "search_by_date.json").read_text())
STATUS = json.loads((FIXTURES / "mastodon" / "status.json").read_text())
NOWHERE = "https://replay.invalid/api/v1"  # a host that cannot resolve: any network use fails


def cassette(folder: Path, *interactions: dict, name: str = "recorded") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.cassette.json").write_text(json.dumps({"interactions": list(interactions)}))
    return folder


def hn(query: dict, body: dict, status: int = 200, headers: dict | None = None) -> dict:
    return {"request": {"method": "GET", "path": "/api/v1/search_by_date", "query": query},
            "response": {"status": status, "headers": headers or {"Content-Type": "application/json"}, "json": body}}


def hn_source(**kw) -> HackerNewsSource:
    return HackerNewsSource(name="hackernews", kind="hackernews", queries={"halcyon": "halcyon"}, backoff_seconds=0.01, **kw)


def test_replay_and_live_give_the_same_mentions(httpserver, tmp_path, cfg):
    brand = cfg.brand("halcyon")
    httpserver.expect_request("/api/v1/search_by_date").respond_with_json(PAGE)
    live = hackernews.fetch(hn_source(base_url=httpserver.url_for("/api/v1")), brand, START, END, {})

    folder = cassette(tmp_path / "hackernews", hn({"query": "halcyon", "page": "0"}, PAGE))
    replayed = hackernews.fetch(hn_source(base_url=NOWHERE, replay=folder), brand, START, END, {})

    assert replayed.mentions["mention_id"].to_list() == live.mentions["mention_id"].to_list()
    assert live.mentions.height == 2
    assert replayed.mentions.drop("raw_payload").equals(live.mentions.drop("raw_payload"))
    assert (replayed.seen, replayed.complete, replayed.stats.pages) == (live.seen, live.complete, live.stats.pages) == (2, True, 1)


def test_paging_follows_the_recorded_cursor(tmp_path, cfg):
    """Mastodon's max_id cursor comes from the Link header of the recorded page."""
    brand = cfg.brand("halcyon")

    def status(sid: str, when: str) -> dict:
        return STATUS | {"id": sid, "created_at": when, "url": f"https://mas.to/@ann/{sid}", "reblog": None}

    first = [status("1002", "2026-11-18T15:00:00.000Z"), status("1001", "2026-11-18T10:00:00.000Z")]
    second = [status("1000", "2026-11-18T05:00:00.000Z"), status("999", "2026-11-17T23:00:00.000Z")]
    link = '<https://mas.to/api/v1/timelines/tag/halcyon?max_id=1001>; rel="next"'
    folder = cassette(
        tmp_path / "mastodon",
        {"request": {"path": "/api/v1/timelines/tag/halcyon", "query": {}},
         "response": {"headers": {"Link": link, "Content-Type": "application/json"}, "json": first}},
        {"request": {"path": "/api/v1/timelines/tag/halcyon", "query": {"max_id": "1001"}},
         "response": {"headers": {"Content-Type": "application/json"}, "json": second}},
    )
    source = MastodonSource(name="mastodon", kind="mastodon", base_url="https://mas.invalid", search=False, replay=folder)
    f = mastodon.fetch(source, brand, START, END, {})
    assert f.mentions["native_id"].to_list() == ["1002", "1001", "1000"]  # 999 is before the window: the walk stops there
    assert f.stats.pages == 2


def test_a_recorded_429_is_retried_after_its_retry_after_without_sleeping(tmp_path, cfg):
    folder = cassette(
        tmp_path / "hn",
        hn({"query": "halcyon"}, {"message": "slow down"}, status=429, headers={"Retry-After": "30"}),
        hn({"query": "halcyon"}, PAGE, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "120"}),
    )
    t0 = datetime.now()
    f = hackernews.fetch(hn_source(base_url=NOWHERE, replay=folder), cfg.brand("halcyon"), START, END, {})
    assert (datetime.now() - t0).total_seconds() < 5  # the 30 s were counted, not slept
    assert f.mentions.height == 2
    assert f.stats.retries == 1
    assert f.stats.waited_seconds >= 30


def test_a_spent_quota_holds_the_next_request_in_the_stats(tmp_path, cfg):
    page0 = PAGE | {"nbPages": 2, "page": 0, "hits": PAGE["hits"][:1]}
    page1 = PAGE | {"nbPages": 2, "page": 1, "hits": PAGE["hits"][1:]}
    folder = cassette(
        tmp_path / "hn",
        hn({"query": "halcyon", "page": "0"}, page0, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "90"}),
        hn({"query": "halcyon", "page": "1"}, page1),
    )
    f = hackernews.fetch(hn_source(base_url=NOWHERE, replay=folder), cfg.brand("halcyon"), START, END, {})
    assert f.mentions.height == 2
    assert f.stats.rate_limit_waits == 1 and 80 < f.stats.waited_seconds <= 90


def test_an_unrecorded_request_fails_naming_it(tmp_path, cfg):
    folder = cassette(tmp_path / "hn", hn({"query": "something else"}, PAGE))
    with pytest.raises(SourceError, match=r"HTTP 404 .*no recorded response for GET /api/v1/search_by_date\?query=halcyon"):
        hackernews.fetch(hn_source(base_url=NOWHERE, replay=folder), cfg.brand("halcyon"), START, END, {})


def test_the_most_specific_recording_wins(tmp_path, cfg):
    other = PAGE | {"hits": PAGE["hits"][:1], "nbHits": 1}
    folder = cassette(tmp_path / "hn", hn({}, other), hn({"query": "halcyon", "page": "0"}, PAGE))
    f = hackernews.fetch(hn_source(base_url=NOWHERE, replay=folder), cfg.brand("halcyon"), START, END, {})
    assert f.mentions.height == 2


def test_a_replayed_source_needs_no_credentials(tmp_path, cfg, monkeypatch):
    monkeypatch.delenv("MASTODON_TOKEN", raising=False)
    folder = cassette(tmp_path / "m", {"request": {"path": "/api/v2/search", "query": {"q": "halcyon"}},
                                       "response": {"json": {"statuses": []}}})
    source = MastodonSource(name="mastodon", kind="mastodon", base_url="https://mas.invalid", hashtags=False, replay=folder,
                            queries={"halcyon": "halcyon"})
    f = mastodon.fetch(source, cfg.brand("halcyon"), START, END, {})
    assert f.stats.pages == 1  # status search ran, as it would with a token


def test_config_resolves_the_replay_folder_and_rejects_a_missing_one(config_copy, cfg):
    from tasks.config import load_config

    (config_copy / "sources.yaml").write_text(
        "sources:\n  - name: hn\n    kind: hackernews\n    replay: ../payloads/hackernews\n"
    )
    loaded = load_config(config_copy)
    assert loaded.sources[0].replay == (config_copy.parent / "payloads" / "hackernews").resolve()
    with pytest.raises(ConfigError, match="replay folder .* not found"):
        hackernews.fetch(loaded.sources[0], cfg.brand("halcyon"), START, END, {})


@pytest.mark.parametrize("start, end", [(START, END), (START, datetime(2026, 11, 18, 12, tzinfo=UTC))], ids=["a demo day", "half a day"])
def test_the_demo_hears_hacker_news_through_the_api_connector(cfg, start, end):
    """The demo's `hackernews` source is the API connector on its recordings: for a demo
    day (recorded exactly) or any other window, it hears the posts of the sample's export."""
    from tasks.sources import file_import

    replayed = next(s for s in cfg.enabled_sources() if s.name == "hackernews")
    export = next(s for s in cfg.sources if s.name == "hackernews-export")
    assert replayed.kind == "hackernews" and replayed.replay is not None
    total = 0
    for brand in cfg.brands:
        heard = hackernews.fetch(replayed, brand, start, end, {})
        exported = file_import.fetch(export, brand, start, end, {})
        total += heard.mentions.height
        assert heard.complete
        assert sorted(heard.mentions["native_id"]) == sorted(exported.mentions["native_id"])
        # The ids a live run gives: the source's name and Algolia's objectID.
        assert set(heard.mentions["mention_id"]) == {schema.mention_id("hackernews", i) for i in exported.mentions["native_id"]}
    assert total > 5
