"""demo: the whole pipeline over the bundled sample data, as one flow run with
listen and process as subflows and a weekly summary for every brand and week."""

from __future__ import annotations

from datetime import date, timedelta

from prefect import flow

from flows.listen import listen_flow
from flows.orchestration import publish_stages, range_run_name, resolve, retrying
from flows.process import process_flow
from flows.weekly_summary import build_report
from tasks.calendar import day_bounds, week_label
from tasks.stages import StageStats


def weeks_between(start: date, end: date) -> list[str]:
    return sorted({week_label(start + timedelta(days=i)) for i in range((end - start).days + 1)})


@flow(name="demo", flow_run_name=range_run_name, log_prints=True)
def demo_flow(start: date | None = None, end: date | None = None, data_dir: str | None = None, config_path: str | None = None) -> dict:
    """listen -> clean -> validate -> score -> weekly summary over the sample data.
    `data_dir` and `config_path` default to $PULSE_DATA_DIR and $PULSE_CONFIG."""
    cfg, lake = resolve(config_path, data_dir)
    where = dict(data_dir=str(lake.root), config_path=str(cfg.root))  # the subflows use what this run resolved
    start = start or cfg.settings.demo.start
    end = end or cfg.settings.demo.end
    lo, hi = day_bounds(start, end)

    stats: list[StageStats] = list(listen_flow(start=lo, end=hi, **where))
    stats += process_flow(start=start, end=end, **where)
    reports: dict[str, dict[str, dict[str, str]]] = {}
    for week in weeks_between(start, end):
        for brand in cfg.brands:
            s, paths = retrying(build_report, cfg.settings.retries.task)(cfg, lake, brand.id, week)
            stats.append(s)
            reports.setdefault(brand.id, {})[week] = paths
    publish_stages(stats, "demo-stages", f"What the demo did, {start} to {end}")
    return {"stats": stats, "reports": reports, "latest_week": weeks_between(start, end)[-1]}
