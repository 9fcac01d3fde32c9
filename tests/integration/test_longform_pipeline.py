"""Long-form posts from a feed served on 127.0.0.1, through listen -> process -> weekly
summary: kept, stored without chrome, scored on their brand passages and quoted once."""

import json
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest
import yaml

from tasks.storage import Lake
from tests.fixtures.longform.expected import CHROME

pytestmark = pytest.mark.integration
UTC = timezone.utc
FEED = (Path(__file__).parents[1] / "fixtures" / "payloads" / "rss" / "longform.rss").read_bytes()


def test_long_posts_through_listen_process_and_summary(prefect_server, config_copy, monkeypatch, httpserver):
    from flows.listen import listen_flow
    from flows.process import process_flow
    from flows.weekly_summary import weekly_summary_flow

    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml; charset=UTF-8")
    sources = {"sources": [{"name": "blogs", "kind": "rss", "feeds": [httpserver.url_for("/feed")], "backoff_seconds": 0.01}]}
    (config_copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    monkeypatch.setenv("PULSE_CONFIG", str(config_copy))

    (stats,) = listen_flow(start=datetime(2026, 11, 18, tzinfo=UTC), end=datetime(2026, 11, 19, tzinfo=UTC), brands=["halcyon"])
    # 9 entries: 7 name the brand in the window, one names nothing ("said again"), one is a week old.
    assert (stats.rows_in, stats.rows_out, stats.quarantined) == (9, 7, 0)
    assert stats.dropped == {"names no brand term (title and text as read)": 1, "published outside the window": 1}

    process_flow(start=date(2026, 11, 18), end=date(2026, 11, 18), brands=["halcyon"])
    lake = Lake()
    scored = pl.read_parquet(list((lake.root / "scored").rglob("*.parquet")))
    assert scored.height == 7
    for row in scored.iter_rows(named=True):
        for chrome in sum(CHROME.values(), []):
            assert chrome.lower() not in row["text_for_sentiment"].lower(), (row["title"], chrome)
    essay = scored.filter(pl.col("title").str.starts_with("What seven years")).row(0, named=True)
    assert essay["sentiment_label"] == "negative" and essay["sentiment_whole"] > essay["sentiment"]
    assert essay["url"] == "https://notesfromthecommute.example/2026/11/18/seven-years/", "tracking parameters removed"
    newsletter = scored.filter(pl.col("title").str.starts_with("The Connected Week")).row(0, named=True)
    assert newsletter["author_handle"] == "Jenny Sussin"

    weekly_summary_flow(brand="halcyon", week="2026-W47")
    model = json.loads(next((lake.root / "reports").rglob("summary.json")).read_text())
    quotes = [p["text"] for issue in model["top_issues"] for p in issue["posts"]]
    # Six posts are fewer than a week's discovered issue needs (discovery.min_mentions_week),
    # so the report may quote none; every quote it does make follows the quote rules.
    assert len(quotes) == len(set(quotes)), "a post is quoted under one issue only"
    for q in quotes:
        assert len(q) <= 280 and q[0].isupper() or q[0] in "“\"", q
        assert "#marketing" not in q and "years ago" not in q
    assert not any("@" in a["author_handle"] for i in model["top_issues"] for a in i["authors"] if a["author_handle"])
