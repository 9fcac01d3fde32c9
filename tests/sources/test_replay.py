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


DEMO_TWINS = [("reddit", "reddit-export"), ("mastodon", "mastodon-export"), ("bluesky", "bluesky-export"), ("reviews", "reviews-export")]


def _live_id(source: str, native_id: str) -> str:
    # Reddit's API names a post by its id; the export keeps the fullname ("t3_" + id).
    return native_id.removeprefix("t3_") if source == "reddit" else native_id


@pytest.mark.parametrize("name, export_name", DEMO_TWINS, ids=[n for n, _ in DEMO_TWINS])
@pytest.mark.parametrize("start, end", [(START, END), (START, datetime(2026, 11, 18, 12, tzinfo=UTC)), (datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))],
                         ids=["a demo day", "half a day", "the demo's span"])
def test_the_demo_hears_each_source_through_its_api_connector(cfg, name, export_name, start, end):
    """The demo's reddit, mastodon, bluesky and reviews sources are the API connectors on
    their recordings (sample_data/record_payloads.py): over a demo-like window each hears
    the export's posts that name the brand, under the ids a live run gives. A search does
    not return what it cannot match (an empty post whose author's handle holds the brand
    word; on Reddit, a post with an excluded phrase), which the export held."""
    from tasks.sources import file_import
    from tasks.sources.registry import connector
    from tasks.terms import BrandNames

    replayed = next(s for s in cfg.enabled_sources() if s.name == name)
    export = next(s for s in cfg.sources if s.name == export_name)
    assert replayed.kind != "file" and replayed.replay is not None and not export.enabled
    total = 0
    for brand in cfg.brands:
        heard = connector(replayed.kind).fetch(replayed, brand, start, end, {})
        exported = file_import.fetch(export, brand, start, end, {})
        assert heard.complete and not heard.stats.errors
        names = BrandNames(brand.terms, brand.exclude if name == "reddit" else [])
        exported_ids = {_live_id(name, i) for i in exported.mentions["native_id"]}
        named = {_live_id(name, r["native_id"]) for r in exported.mentions.iter_rows(named=True)
                 if names.search(f"{r['title'] or ''}\n{r['text']}") and not (name == "reddit" and any(x in f"{r['title']} {r['text']}".lower() for x in brand.exclude))}
        heard_ids = set(heard.mentions["native_id"])
        assert named <= heard_ids <= exported_ids, f"{name}/{brand.id}: missing {sorted(named - heard_ids)[:3]}, unexpected {sorted(heard_ids - exported_ids)[:3]}"
        assert set(heard.mentions["mention_id"]) == {schema.mention_id(name, i) for i in heard_ids}
        assert set(heard.mentions["source"]) <= {name}
        total += len(heard_ids)
    assert total > 5


def test_the_demo_twins_keep_the_exports_malformed_records_for_the_quarantine(cfg):
    """The export's undatable Reddit post and Bluesky post reach the connectors as the API
    would send them, and the connectors quarantine them."""
    from tasks.calendar import day_bounds
    from tasks.sources import bluesky, reddit

    start, end = day_bounds(cfg.settings.demo.start, cfg.settings.demo.end)
    halcyon = cfg.brand("halcyon")
    got = {}
    for module, name in ((reddit, "reddit"), (bluesky, "bluesky")):
        source = next(s for s in cfg.enabled_sources() if s.name == name)
        got[name] = module.fetch(source, halcyon, start, end, {}).rejects["reason"].to_list()
    assert got["reddit"] == ["unparseable created_utc: 'yesterday'"]
    assert len(got["bluesky"]) == 1 and "unparseable record.createdAt ''" in got["bluesky"][0]


def test_a_demo_twin_fails_on_a_request_it_has_no_recording_for(cfg):
    """A query the recorder did not answer (a config `queries` override added later) is a
    clear error naming the request, not an empty result."""
    from tasks.sources import reddit

    source = next(s for s in cfg.enabled_sources() if s.name == "reddit").model_copy(update={"queries": {"halcyon": "halcyon AND 5g"}})
    with pytest.raises(SourceError, match=r"HTTP 404 .*no recorded response for GET /search\?q=halcyon\+AND\+5g"):
        reddit.fetch(source, cfg.brand("halcyon"), START, END, {})


def test_the_demo_sources_never_open_a_network_connection(cfg, monkeypatch):
    """Every source the demo enables is a replayed API connector or a local file: with
    every outgoing connection refused, each one still hears its demo day in full."""
    import socket

    from tasks.sources.registry import connector

    def refuse(*args, **kwargs):
        raise AssertionError(f"the demo opened a network connection: {args[:2]}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    heard = 0
    for source in cfg.enabled_sources():
        assert source.kind == "file" or source.replay is not None, f"{source.name} would listen live"
        for brand in cfg.brands:
            f = connector(source.kind).fetch(source, brand, START, END, {})
            assert f.complete
            heard += f.mentions.height
    assert heard > 50


def test_no_replayed_token_or_placeholder_credential_reaches_the_rows(cfg, monkeypatch):
    """The recorded tokens (Reddit's access token, Bluesky's accessJwt) and the placeholder
    a replayed source sends for its secrets are in no mention or quarantine row."""
    from tasks import secrets
    from tasks.calendar import day_bounds
    from tasks.sources import REPLAY_CREDENTIAL
    from tasks.sources.registry import connector

    for var in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD", "MASTODON_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    start, end = day_bounds(cfg.settings.demo.start, cfg.settings.demo.end)
    session = json.loads((Path(__file__).parents[2] / "sample_data" / "payloads" / "bluesky" / "session.shaped.json").read_text())
    tokens = ["demo-replay-access-token", session["accessJwt"], session["refreshJwt"]]
    for name in ("reddit", "bluesky", "mastodon"):
        source = next(s for s in cfg.enabled_sources() if s.name == name)
        f = connector(source.kind).fetch(source, cfg.brand("halcyon"), start, end, {})
        blob = f.mentions.write_csv() + f.rejects.write_csv()
        assert f.mentions.height > 100
        for token in tokens:
            assert token not in blob
        assert f"Bearer {REPLAY_CREDENTIAL}" not in blob and "Basic " not in blob
    # Once heard, the replayed tokens are scrubbed from every message and log line, as live ones are.
    assert secrets.scrub(f"token {tokens[0]} and {tokens[1]}") == f"token {secrets.MASK} and {secrets.MASK}"
