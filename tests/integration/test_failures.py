"""What a user sees when a stage cannot go on: one failing source, one failed gate."""

import json
from datetime import date, datetime, timezone

import polars as pl
import pytest
import yaml

from tasks import schema
from tasks.errors import QualityGateFailed, SourceError
from tasks.storage import Lake
from tests.conftest import raw_frame, raw_row

pytestmark = pytest.mark.integration
UTC = timezone.utc


def test_a_failing_source_does_not_take_the_others_down(prefect_server, config_copy, monkeypatch, tmp_path):
    from flows.listen import listen_flow

    sources = yaml.safe_load((config_copy / "sources.yaml").read_text())
    sources["sources"][0]["replay"] = str(tmp_path / "missing-recordings")  # hackernews
    (config_copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    settings = yaml.safe_load((config_copy / "settings.yaml").read_text())
    settings["retries"]["window"]["retries"] = 0
    (config_copy / "settings.yaml").write_text(yaml.safe_dump(settings))
    monkeypatch.setenv("PULSE_CONFIG", str(config_copy))

    with pytest.raises(SourceError) as err:
        listen_flow(start=datetime(2026, 11, 18, tzinfo=UTC), end=datetime(2026, 11, 19, tzinfo=UTC), brands=["halcyon"])
    assert "1 source window(s) failed, the others were committed: hackernews/halcyon" in str(err.value)
    assert "missing-recordings" in str(err.value)
    lake = Lake()
    assert lake.sources_present("halcyon") == ["bluesky", "mastodon", "reddit", "reviews"]
    assert lake.read_cursor("hackernews", "halcyon") is None, "the failed source's cursor did not move"
    assert lake.read_cursor("reddit", "halcyon") == datetime(2026, 11, 19, tzinfo=UTC)
    (failure,) = [g for g in lake.read_gates("halcyon", datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)) if g["suite"] == "source"]
    assert "missing-recordings" in failure["checks"][0]["observed"], "the weekly summary's data quality will list the failed source"

    # What the UI shows: the listen-sources table names the cause, in five columns.
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["listen-sources"])), sort=ArtifactSort.CREATED_DESC, limit=1)
    rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    assert all(len(r) <= 5 for r in rows)
    (failed,) = [r for r in rows if r["source"] == "hackernews/halcyon"]
    assert failed["complete"] == "false" and "missing-recordings" in failed["error"] and not failed["error"].startswith("Task run")
    assert {r["complete"] for r in rows if r is not failed} == {"true"}


def test_a_critical_gate_stops_the_flow_before_the_next_stage(prefect_server):
    from flows.process import process_flow

    lake = Lake()
    day = date(2026, 11, 18)
    # The same mention reached raw twice (two exports mapped to one id): cleaning cannot
    # tell which is right, and the clean gate's unique-id expectation is critical.
    twice = raw_frame(raw_row("1", "Halcyon outage in Leeds"), raw_row("2", "Halcyon is fine"))
    twice = twice.with_columns(pl.lit(schema.mention_id("reddit", "1")).alias("mention_id"))
    lake.replace_partitions("raw", "halcyon", [day], twice, source="reddit")

    with pytest.raises(QualityGateFailed) as err:
        process_flow(start=day, end=day, brands=["halcyon"])
    assert str(err.value).startswith("quality gate 'clean' failed for halcyon 2026-11-18..2026-11-18: expect_column_values_to_be_unique(mention_id)")
    assert not lake.partition("clean", "halcyon", day).exists(), "nothing committed past the failed gate"
    assert not lake.partition("scored", "halcyon", day).exists(), "the score stage never read the data"
    failed = [c for g in lake.read_gates("halcyon", datetime(2026, 11, 18, tzinfo=timezone.utc), datetime(2026, 11, 19, tzinfo=timezone.utc)) if g["suite"] == "clean" for c in g["checks"] if not c["success"]]
    assert [c["expectation"] for c in failed] == ["expect_column_values_to_be_unique"], "the failed check is kept for the quality page"


def test_an_unreadable_page_keeps_the_cursor_and_quarantines_the_body(prefect_server, config_copy, monkeypatch, httpserver):
    from flows.listen import listen_flow

    # A captive portal or login page where the feed should be: no feed, nothing to date.
    httpserver.expect_request("/feed.xml").respond_with_data("<html><body><p>Please sign in to Halcyon reviews", content_type="text/html")
    sources = {"sources": [{"name": "blog", "kind": "rss", "feeds": [httpserver.url_for("/feed.xml")], "backoff_seconds": 0.01}]}
    (config_copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    monkeypatch.setenv("PULSE_CONFIG", str(config_copy))

    start, end = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)
    (stats,) = listen_flow(start=start, end=end, brands=["halcyon"])
    assert stats.detail["complete"] is False and stats.quarantined == 1
    raw_gate = Lake().read_gates("halcyon", start, end)[0]
    assert any(c["expectation"] == "window fetched completely" and not c["success"] for c in raw_gate["checks"])
    lake = Lake()
    assert lake.read_cursor("blog", "halcyon") is None, "the window will be fetched again"
    quarantined = pl.read_parquet(list((lake.root / "quarantine" / "stage=listen").rglob("*.parquet")))
    assert quarantined["record"].item().startswith("<html><body>")
    assert "feed" in quarantined["reason"].item().lower()


def test_a_validation_outage_fails_the_run_clearly_and_a_rerun_completes(prefect_server, monkeypatch):
    from flows.process import process_flow
    from tasks import validate

    lake = Lake()
    day = date(2026, 11, 18)
    lake.replace_partitions("raw", "halcyon", [day], raw_frame(raw_row("1", "Halcyon outage in Leeds, no signal")), source="reddit")

    def down(suite_name):
        raise RuntimeError("validation service unavailable")

    with monkeypatch.context() as outage:
        outage.setattr(validate, "_validation", down)
        with pytest.raises(RuntimeError, match="validation service unavailable"):
            process_flow(start=day, end=day, brands=["halcyon"])
    assert not lake.partition("clean", "halcyon", day).exists()
    (clean, score) = process_flow(start=day, end=day, brands=["halcyon"])
    assert clean.rows_out == 1 and score.rows_out == 1
    assert lake.partition("scored", "halcyon", day).is_file()
