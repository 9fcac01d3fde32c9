"""What the Prefect UI lists: flow and task runs named after what they do."""

from datetime import date, datetime, timezone

import pytest

from flows import orchestration as o
from tasks.config import Brand


@pytest.mark.parametrize(
    "start, end, label",
    [
        (date(2026, 11, 16), date(2026, 11, 22), "2026-11-16..22"),
        (date(2026, 10, 30), date(2026, 11, 2), "2026-10-30..11-02"),
        (date(2026, 12, 28), date(2027, 1, 3), "2026-12-28..2027-01-03"),
        ("2026-11-18", "2026-11-18", "2026-11-18"),  # as a deployment passes them: JSON strings
    ],
)
def test_days_label(start, end, label):
    assert o.days_label(start, end) == label


def test_window_label_is_utc_to_the_minute():
    assert o.window_label("2026-11-18T00:00:00Z", "2026-11-19T01:00:00+01:00") == "2026-11-18T00:00..2026-11-19T00:00"
    assert o.window_label(None, datetime(2026, 11, 19, 0, 15, 30, tzinfo=timezone.utc)) == "cursor..2026-11-19T00:15"


def _in_run(monkeypatch, flow_name, **parameters):
    import prefect.runtime.flow_run as flow_run

    monkeypatch.setitem(flow_run.FIELDS, "parameters", lambda: parameters)
    monkeypatch.setitem(flow_run.FIELDS, "flow_name", lambda: flow_name)
    monkeypatch.setitem(flow_run.FIELDS, "scheduled_start_time", lambda: datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc))


def test_flow_run_names(monkeypatch):
    _in_run(monkeypatch, "listen", start="2026-11-18T00:00:00Z", end="2026-11-19T00:00:00Z")
    assert o.listen_run_name() == "listen 2026-11-18T00:00..2026-11-19T00:00"
    _in_run(monkeypatch, "listen", sources=["reddit"], brands=["halcyon"])  # a scheduled run: cursor to its time
    assert o.listen_run_name() == "listen reddit/halcyon cursor..2026-11-23T08:00"
    _in_run(monkeypatch, "process", start=date(2026, 11, 16), end=date(2026, 11, 22), brands=["halcyon"])
    assert o.process_run_name() == "process halcyon 2026-11-16..22"
    _in_run(monkeypatch, "process")  # after-listen: its scheduled day and the look-back before it
    assert o.process_run_name() == "process 2026-11-22..23"
    _in_run(monkeypatch, "weekly-summary", brand="halcyon", week="2026-W47")
    assert o.weekly_summary_run_name() == "weekly-summary halcyon 2026-W47"
    _in_run(monkeypatch, "weekly-summary", brand="halcyon")  # Monday's schedule: the week before
    assert o.weekly_summary_run_name() == "weekly-summary halcyon 2026-W47"
    _in_run(monkeypatch, "backfill", start="2026-10-19", end="2026-11-22")
    assert o.range_run_name() == "backfill 2026-10-19..11-22"


def test_task_run_names_come_from_the_task_so_every_flow_shows_the_same(cfg):
    from flows.listen import listen_window
    from flows.process import clean_partitions
    from flows.weekly_summary import build_report

    brand = cfg.brand("halcyon")
    source = cfg.enabled_sources(None)[0]
    days = [date(2026, 11, 16), date(2026, 11, 22)]
    assert clean_partitions.task_run_name(parameters={"cfg": cfg, "brand": brand, "days": days}) == "clean halcyon 2026-11-16..22"
    assert build_report.task_run_name(parameters={"cfg": cfg, "brand_id": "halcyon", "week": "2026-W47"}) == "weekly-summary halcyon 2026-W47"
    end = datetime(2026, 11, 19, tzinfo=timezone.utc)
    assert listen_window.task_run_name(parameters={"source": source, "brand": brand, "start": None, "end": end}) == f"listen {source.name}/halcyon cursor..2026-11-19T00:00"
    assert isinstance(brand, Brand)
