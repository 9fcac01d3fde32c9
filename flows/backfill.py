"""backfill: listen and process a past range again, one day at a time, so each day
is its own pair of subflow runs in the UI and a failure names its day."""

from __future__ import annotations

from datetime import date

from prefect import flow
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from flows.listen import listen_flow
from flows.orchestration import publish_stages, range_run_name, resolve
from flows.process import process_flow
from tasks.calendar import date_range, day_bounds
from tasks.ranges import check_days
from tasks.stages import StageStats


@flow(name="backfill", flow_run_name=range_run_name, log_prints=True)
def backfill_flow(
    start: date, end: date, brands: list[str] | None = None, listen: bool = True, data_dir: str | None = None, config_path: str | None = None,
) -> list[StageStats]:
    """Re-listen (unless listen=False) and re-process every day from `start` to `end`.
    `data_dir` and `config_path` default to $PULSE_DATA_DIR and $PULSE_CONFIG."""
    check_days(start, end, "start", "end")
    cfg, lake = resolve(config_path, data_dir)
    where = dict(data_dir=str(lake.root), config_path=str(cfg.root))  # the subflows use what this run resolved
    days = date_range(start, end)
    stats: list[StageStats] = []
    columns = [TextColumn("backfill {task.fields[day]}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns) as progress:
        bar = progress.add_task("days", total=len(days), day="")
        for day in days:
            progress.update(bar, day=day.isoformat())
            if listen:
                lo, hi = day_bounds(day, day)
                stats += listen_flow(start=lo, end=hi, brands=brands, **where)
            stats += process_flow(start=day, end=day, brands=brands, **where)
            progress.advance(bar)
    publish_stages(stats, "backfill-stages", f"What the backfill did, {start} to {end}")
    return stats
