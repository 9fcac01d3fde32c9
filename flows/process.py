"""process: clean -> validate -> score -> daily issue board for a range of dates, one
task per stage and brand.

Each task runs its stage through tasks/stage.py in batches of whole days: it reads
a batch's input partitions, transforms them with plain functions from `tasks/`,
passes the result through its quality gate and replaces the batch's output
partitions. Work is date-local (duplicates are collapsed within a day), so
processing a range at once or day by day gives the same partitions, and a large
range needs no more memory than its busiest batch.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.orchestration import (
    IO_RETRIES, artifact_key, markdown_artifact, process_run_name, publish_gate, publish_stages, resolve, retrying, scheduled_time, task_run_label,
    task_runner,
)
from tasks.reports.daily import lake_boards, render_board
from tasks.calendar import date_range, day_bounds
from tasks.config import Brand, Config
from tasks.ranges import check_days
from tasks.stage import Batch, clean_stage, score_stage
from tasks.stages import StageStats
from tasks.storage import Lake, write_text
from tasks.validate import Check, GateResult, check_rows



def processed_sources(cfg: Config, lake: Lake, brand: str, days: list[date]) -> list[str]:
    """The sources whose stored raw mentions are processed: those in sources.yaml,
    enabled or not (disabling stops listening, not reporting what was heard). A source
    removed from sources.yaml keeps its raw partitions (deleting them is the operator's
    call) but is left out from then on; when it has rows in these days, a warning
    says so in the quality results, which the weekly summary lists."""
    configured = {s.name for s in cfg.sources}
    present = lake.sources_present(brand)
    removed = [s for s in present if s not in configured and lake.count_rows("raw", brand, days, [s])]
    if removed:
        rows = lake.count_rows("raw", brand, days, removed)
        observed = f"{rows} stored raw mention(s) of {', '.join(removed)} (no longer in sources.yaml) left out of processing; kept in raw/"
        check = Check("source still configured", "(source)", False, False, rows, observed)
        lake.write_gate("sources", brand, *day_bounds(days[0], days[-1]), f"{brand} {days[0]}..{days[-1]}", check_rows([check]))
        get_run_logger().warning(observed)
    else:  # a warning of an earlier run of these days that no longer holds
        lake.remove_gate("sources", brand, *day_bounds(days[0], days[-1]))
    return [s for s in present if s in configured]


def _publish_gates(brand: Brand):
    """The task's gate artifact, showing every batch it gated so far."""
    checked: list[dict] = []

    def publish(gate: GateResult, batch: Batch) -> None:
        checked[:] = publish_gate(gate, batch, brand.id, earlier=checked)

    return publish


@task(name="clean", task_run_name=task_run_label("clean"), cache_policy=NO_CACHE, **IO_RETRIES)
def clean_partitions(cfg: Config, lake: Lake, brand: Brand, days: list[date]) -> StageStats:
    return clean_stage(cfg, lake, brand, days, processed_sources(cfg, lake, brand.id, days), _publish_gates(brand))


@task(name="score", task_run_name=task_run_label("score"), cache_policy=NO_CACHE, **IO_RETRIES)
def score_partitions(cfg: Config, lake: Lake, brand: Brand, days: list[date]) -> StageStats:
    return score_stage(cfg, lake, brand, days, _publish_gates(brand))


@task(name="issue-board", task_run_name=task_run_label("issue-board"), cache_policy=NO_CACHE, **IO_RETRIES)
def issue_boards(cfg: Config, lake: Lake, brand: Brand, days: list[date]) -> dict[str, str]:
    """A board per day, each compared with the days before it; the last day's board is
    also the brand's `issue-board-<brand>` artifact."""
    paths = {}
    for day, _, model in lake_boards(lake, brand, days, cfg):
        lake.write_issues(brand.id, day.isoformat(), model.pop("discovered"))
        out = lake.board_dir(brand.id, day)
        markdown = render_board(model)
        write_text(markdown, out / "board.md")
        write_text(json.dumps(model, indent=2, ensure_ascii=False, default=str) + "\n", out / "board.json")
        paths[day.isoformat()] = str(out / "board.md")
    markdown_artifact(key=artifact_key("issue-board", brand.id), markdown=markdown, description=f"{brand.name} issue board {days[-1]}")
    return paths


@flow(name="process", flow_run_name=process_run_name, log_prints=True, task_runner=task_runner())
def process_flow(
    start: date | None = None,
    end: date | None = None,
    brands: list[str] | None = None,
    data_dir: str | None = None,
    config_path: str | None = None,
) -> list[StageStats]:
    """Clean, validate and score every brand's mentions published from `start` to `end`
    (inclusive, UTC dates). Default: the day of the run's scheduled time and the
    `deployments.process_lookback_days` before it, where late posts still arrive.
    `data_dir` and `config_path` default to $PULSE_DATA_DIR and $PULSE_CONFIG."""
    cfg, lake = resolve(config_path, data_dir)
    end = end or scheduled_time().date()
    start = start or end - timedelta(days=cfg.settings.deployments.process_lookback_days)
    check_days(start, end, "start", "end")
    days = date_range(start, end)
    chosen = [cfg.brand(b) for b in brands] if brands else cfg.brands
    policy = cfg.settings.retries.task
    cleaned = {b.id: retrying(clean_partitions, policy).submit(cfg, lake, b, days) for b in chosen}
    scored = {
        b.id: retrying(score_partitions, policy).submit(cfg, lake, b, days, wait_for=[cleaned[b.id]])
        for b in chosen
    }
    boards = {
        b.id: retrying(issue_boards, policy).submit(cfg, lake, b, days, wait_for=[scored[b.id]])
        for b in chosen
    }
    stats = [f.result() for f in cleaned.values()] + [f.result() for f in scored.values()]
    for f in boards.values():
        f.result()
    publish_stages(stats, "process-stages", f"What processing did, {start} to {end}")
    return stats
