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
    """Every partition, report, quality result and cursor."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
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
    top = md.split("## Top issues")[1].split("\n## ")[0]
    first = top.split("### 1. ")[1].split("\n### ")[0]
    assert "category Outage / network" in first and "**new**" in first, "the outage, found by clustering, is new in W47"
    assert "“no signal”" in first and "Digest, in their words:" in first
    esim = next(i for i in top.split("\n### ")[1:] if "esim" in i.split("\n")[0])
    # Found and new; its owner is the learned router's majority (IT on the sample, where
    # the storyline's planted team is product & operations: README, "How good is it?").
    assert "**new**" in esim and "Owned by" in esim, "the eSIM storyline no category names is found, new, with its team"
    assert "Needs attention" in md and "owned by Product & operations" in md.split("## Top issues")[0]


def test_daily_board_of_the_outage_day(demo_runs):
    import json

    data, *_ = demo_runs
    board = json.loads((Lake(data).board_dir("halcyon", date(2026, 11, 18)) / "board.json").read_text())
    outage = board["top_issues"][0]
    assert outage["category"]["key"] == "outage_network" and outage["status"] in ("new", "growing")
    assert outage["team"] == "product_ops" and outage["sla_hours"] == 4
    # Its label is in customers' words but since the learned stance model decides which
    # posts are complaints it no longer always leads with "no signal" (a known weakness of
    # the daily labels, noted in the closing note): check each phrase is used by several of its posts.
    assert outage["phrases"] and all(p["mentions"] >= 3 for p in outage["phrases"]), outage["phrases"]
    assert board["emerging"], "the outage brings new wording with it"
    assert not any(" g " in f" {e['phrase']} " for e in board["emerging"]), "digits stay in words (4g, 5g)"
    issues = json.loads((Lake(data).root / "issues" / "brand=halcyon" / "day=2026-11-18" / "issues.json").read_text())
    esim = next(i for i in issues["issues"] if "esim" in i["label"])
    assert esim["history"][0]["period"] < "2026-11-18" and esim["first_seen"] == esim["history"][0]["period"], "followed from day to day"
