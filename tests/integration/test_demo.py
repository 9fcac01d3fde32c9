"""The demo flow end to end on the bundled sample data, under a real Prefect server."""

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tasks.stages import totals
from tasks.storage import Lake

pytestmark = pytest.mark.integration


def _hashes(root: Path) -> dict[str, str]:
    """Every partition, report and cursor. Data Docs are left out: they are a log of
    validation runs, stamped with the time each ran."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "data_docs"
    }


@pytest.fixture(scope="module")
def demo_runs(prefect_server, tmp_path_factory):
    import os

    from flows.demo import demo_flow

    data = tmp_path_factory.mktemp("lake")
    old = os.environ.get("PULSE_DATA_DIR")
    os.environ["PULSE_DATA_DIR"] = str(data)
    try:
        first = demo_flow()
        after_first = _hashes(data)
        second = demo_flow()
        after_second = _hashes(data)
    finally:
        if old is None:
            os.environ.pop("PULSE_DATA_DIR", None)
        else:
            os.environ["PULSE_DATA_DIR"] = old
    return data, first, second, after_first, after_second


def test_every_stage_accounts_for_every_row(demo_runs):
    _, first, _, _, _ = demo_runs
    by_stage = {s.stage: s for s in totals(first["stats"])}
    assert list(by_stage) == ["listen", "clean", "score", "summary"]
    for s in first["stats"]:
        assert s.balanced, f"{s.stage}/{s.brand}/{s.source}: {s.rows_in} in != {s.rows_out} out + {s.quarantined} quarantined + {s.dropped}"
    assert by_stage["listen"].rows_in >= 5000
    assert by_stage["listen"].quarantined > 0, "the sample's malformed records are quarantined"
    assert {"duplicate (repost or cross-post)", "spam or bot boilerplate"} <= set(by_stage["clean"].dropped)
    assert by_stage["clean"].rows_out == by_stage["score"].rows_in


def test_quarantine_keeps_what_was_set_aside(demo_runs):
    data, first, _, _, _ = demo_runs
    by_stage = {s.stage: s for s in totals(first["stats"])}
    stored = pl.read_parquet(sorted((data / "quarantine").rglob("*.parquet")))
    clean_rows = stored.filter(pl.col("stage") == "clean")
    assert clean_rows.height == by_stage["clean"].dropped_total + by_stage["clean"].quarantined
    assert stored["record"].null_count() == 0 and stored["reason"].null_count() == 0


def test_second_run_leaves_identical_partitions(demo_runs):
    _, first, second, after_first, after_second = demo_runs
    assert any(k.startswith("scored/") for k in after_first)
    assert after_first == after_second
    assert [(s.stage, s.brand, s.source, s.rows_out) for s in first["stats"]] == [(s.stage, s.brand, s.source, s.rows_out) for s in second["stats"]]


def test_weekly_report_tells_the_storylines(demo_runs):
    data, first, _, _, _ = demo_runs
    week = first["latest_week"]
    assert week == "2026-W47"
    report = Lake(data).report_dir("halcyon", week)
    md = (report / "summary.md").read_text()
    html = (report / "summary.html").read_text()
    assert "Outage / network" in md.split("## By team")[0], "the outage spike is a top issue of W47"
    assert "### After-sales / warranty" in md and "### HR" in md
    assert "Priya" in md.split("### HR")[1].split("###")[0], "praise for the named agent reaches HR"
    assert "<svg" in html and "<script" not in html
    spikes = md.split("## Spikes")[1].split("\n## ")[0]
    assert "**2026-11-18**" in spikes and "unusual volume" in spikes, "the outage day is called out as a spike"
    issue = md.split("### 1. Outage / network")[1].split("\n### ")[0]
    assert "In their words:" in issue and "“outage”" in issue
    assert "Digest, in their words:" in issue


def test_daily_board_of_the_outage_day(demo_runs):
    import json

    data, *_ = demo_runs
    board = json.loads((Lake(data).board_dir("halcyon", date(2026, 11, 18)) / "board.json").read_text())
    assert board["top_issues"][0]["label"] == "Outage / network"
    assert board["top_issues"][0]["trend"] == "growing"
    assert board["emerging"], "the outage brings new wording with it"
    warranty = next(i for i in board["top_issues"] if i["key"] == "warranty_repairs")
    assert warranty["team"] == "after_sales" and warranty["sla_hours"] == 48
    sources = [p["source"] for p in board["top_issues"][0]["posts"]]
    assert len(set(sources)) == len(sources), "representative posts are stratified by source"
