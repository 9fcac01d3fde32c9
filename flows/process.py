"""process: clean -> validate -> score -> daily issue board for a range of dates, one
task per stage and brand.

Each task works through its range in batches of whole days (`day_batches`): it reads
a batch's input partitions, transforms them with plain functions from `tasks/`,
passes the result through its quality gate and replaces the batch's output
partitions. Work is date-local (duplicates are collapsed within a day), so
processing a range at once or day by day gives the same partitions, and a large
range needs no more memory than its busiest batch.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.orchestration import (
    IO_RETRIES, artifact_key, day_bounds, markdown_artifact, process_run_name, publish_gate, publish_stages, scheduled_time, task_run_label,
    task_runner,
)
from tasks.board import daily_boards, render_board
from tasks.clean import clean_mentions
from tasks.config import Brand, Config, load_config
from tasks.routing.router import load_models, route_and_stance
from tasks.quarantine import reason_counts, to_quarantine
from tasks.ranges import check_days
from tasks.score import score_sentiment
from tasks.summary import NOT_REPORTED
from tasks.stages import StageStats
from tasks.storage import Lake, write_text
from tasks.validate import row_count_bounds, run_gate


def date_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _gate(df: pl.DataFrame, suite: str, brand: Brand, days: list[date], checked: list[dict], **parameters):
    """Validate a batch of days and publish it with the task's earlier batches (`checked`,
    extended in place); raises on a failed critical check, after publishing it."""
    where = f"{brand.id} {days[0]}..{days[-1]}"
    gate = run_gate(df, suite, parameters)
    checked[:] = publish_gate(gate, where, brand.id, *day_bounds(days[0], days[-1]), earlier=checked)
    gate.raise_if_failed(where)
    return gate


# Raw rows a clean or score task holds at once: enough that a sparse range (the demo's
# five weeks, a backfill) is one batch with one gate per suite, few enough that a busy
# brand's week is worked through a day or two at a time and memory stays bounded.
BATCH_ROWS = 50_000


def day_batches(days: list[date], rows: dict[date, int], limit: int = BATCH_ROWS) -> list[list[date]]:
    """Consecutive days grouped into batches of at most `limit` rows (a day with more is
    a batch alone). Duplicates are collapsed within a day, so any grouping gives the
    same partitions; each batch passes its own gate."""
    batches: list[list[date]] = []
    total = 0
    for day in days:
        if not batches or total + rows.get(day, 0) > limit:
            batches.append([])
            total = 0
        batches[-1].append(day)
        total += rows.get(day, 0)
    return batches


def clean_gate_parameters(lake: Lake, brand: str, batch: list[date]) -> dict:
    """The clean suite's parameters for a batch: its time bounds (never past now) and the
    row count of the period of the same length before it."""
    earliest, latest = day_bounds(batch[0], batch[-1])
    previous = [d - timedelta(days=len(batch)) for d in batch]
    return dict(earliest=earliest, latest=min(latest, datetime.now(timezone.utc)), **row_count_bounds(lake.count_rows("clean", brand, previous)))


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
        check = {
            "expectation": "source still configured", "column": "(source)", "success": False, "severity": "warning", "rows flagged": rows,
            "observed": f"{rows} stored raw mention(s) of {', '.join(removed)} (no longer in sources.yaml) left out of processing; kept in raw/",
        }
        lake.write_gate("sources", brand, *day_bounds(days[0], days[-1]), {"suite": "sources", "where": f"{brand} {days[0]}..{days[-1]}", "checks": [check]})
        get_run_logger().warning(check["observed"])
    else:  # a warning of an earlier run of these days that no longer holds
        lake.gate_path("sources", brand, *day_bounds(days[0], days[-1])).unlink(missing_ok=True)
    return [s for s in present if s in configured]


@task(name="clean", task_run_name=task_run_label("clean"), cache_policy=NO_CACHE, **IO_RETRIES)
def clean_partitions(cfg: Config, brand: Brand, days: list[date]) -> StageStats:
    lake = Lake()
    stats, checked = StageStats("clean", brand.id), []
    sources = processed_sources(cfg, lake, brand.id, days)
    for batch in day_batches(days, {d: lake.count_rows("raw", brand.id, [d], sources) for d in days}):
        t0 = time.time()
        raw = lake.read("raw", brand.id, batch, sources=sources)
        cleaned = clean_mentions(raw, brand, cfg.settings.cleaning)
        gate = _gate(cleaned.mentions, "clean", brand, batch, checked, **clean_gate_parameters(lake, brand.id, batch))
        quarantined = to_quarantine(gate.rejected, "clean", "quarantined")
        lake.replace_partitions("clean", brand.id, batch, gate.passed)
        lake.replace_partitions("quarantine/stage=clean", brand.id, batch, pl.concat([cleaned.dropped, quarantined]))
        stats.add(StageStats(
            "clean", brand.id, rows_in=raw.height, rows_out=gate.passed.height, quarantined=quarantined.height,
            dropped=reason_counts(cleaned.dropped), spans=[(t0, time.time())], warnings=[f"{c.expectation}({c.column})" for c in gate.warnings],
        ))
    return stats


@task(name="score", task_run_name=task_run_label("score"), cache_policy=NO_CACHE, **IO_RETRIES)
def score_partitions(cfg: Config, brand: Brand, days: list[date]) -> StageStats:
    lake = Lake()
    stats, checked = StageStats("score", brand.id), []
    models = load_models(cfg)
    for batch in day_batches(days, {d: lake.count_rows("clean", brand.id, [d]) for d in days}):
        t0 = time.time()
        clean = lake.read("clean", brand.id, batch)
        scored = route_and_stance(clean, cfg, models, lambda df: score_sentiment(df, cfg.settings.sentiment, brand.languages))
        gate = _gate(scored, "scored", brand, batch, checked)
        quarantined = to_quarantine(gate.rejected, "score", "quarantined")
        lake.replace_partitions("scored", brand.id, batch, gate.passed)
        lake.replace_partitions("quarantine/stage=score", brand.id, batch, quarantined)
        stats.add(StageStats(
            "score", brand.id, rows_in=clean.height, rows_out=gate.passed.height, quarantined=quarantined.height,
            spans=[(t0, time.time())], warnings=[f"{c.expectation}({c.column})" for c in gate.warnings],
        ))
    return stats


@task(name="issue-board", task_run_name=task_run_label("issue-board"), cache_policy=NO_CACHE, **IO_RETRIES)
def issue_boards(cfg: Config, brand: Brand, days: list[date]) -> dict[str, str]:
    """A board per day, each compared with the days before it; the last day's board is
    also the brand's `issue-board-<brand>` artifact."""
    lake = Lake()
    paths = {}

    def read_day(day: date) -> pl.DataFrame:
        return lake.read("scored", brand.id, [day], drop=NOT_REPORTED)

    def read_issues(day: date) -> dict | None:
        return lake.read_issues(brand.id, day.isoformat())

    for day, _, model in daily_boards(read_day, brand, days, cfg.taxonomy, cfg.settings.summary, cfg.settings.board, cfg.settings.discovery, read_issues):
        lake.write_issues(brand.id, day.isoformat(), model.pop("discovered"))
        out = lake.board_dir(brand.id, day)
        markdown = render_board(model)
        write_text(markdown, out / "board.md")
        write_text(json.dumps(model, indent=2, ensure_ascii=False, default=str) + "\n", out / "board.json")
        paths[day.isoformat()] = str(out / "board.md")
    markdown_artifact(key=artifact_key("issue-board", brand.id), markdown=markdown, description=f"{brand.name} issue board {days[-1]}")
    return paths


@flow(name="process", flow_run_name=process_run_name, log_prints=True, task_runner=task_runner())
def process_flow(start: date | None = None, end: date | None = None, brands: list[str] | None = None) -> list[StageStats]:
    """Clean, validate and score every brand's mentions published from `start` to `end`
    (inclusive, UTC dates). Default: the day of the run's scheduled time and the
    `deployments.process_lookback_days` before it, where late posts still arrive."""
    cfg = load_config()
    end = end or scheduled_time().date()
    start = start or end - timedelta(days=cfg.settings.deployments.process_lookback_days)
    check_days(start, end, "start", "end")
    days = date_range(start, end)
    chosen = [cfg.brand(b) for b in brands] if brands else cfg.brands
    cleaned = {b.id: clean_partitions.submit(cfg, b, days) for b in chosen}
    scored = {
        b.id: score_partitions.submit(cfg, b, days, wait_for=[cleaned[b.id]])
        for b in chosen
    }
    boards = {
        b.id: issue_boards.submit(cfg, b, days, wait_for=[scored[b.id]])
        for b in chosen
    }
    stats = [f.result() for f in cleaned.values()] + [f.result() for f in scored.values()]
    for f in boards.values():
        f.result()
    publish_stages(stats, "process-stages", f"What processing did, {start} to {end}")
    return stats
