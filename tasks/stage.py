"""The one stage loop: batches -> transform -> gate -> quarantine -> write -> counts.

listen, clean and score (flows/listen.py, flows/process.py) and the benchmark
(benchmarks/bench_process.py) all run their work through `run_stage`; only the
transform and where a batch comes from differ. The gate's result goes to the lake
(Lake.write_gate owns its format) before a failed critical check stops the stage,
so the weekly summary lists what stopped it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable

import polars as pl

from tasks.calendar import day_bounds
from tasks.clean import clean_mentions
from tasks.config import Brand, Config
from tasks.quarantine import reason_counts, to_quarantine
from tasks.stages import StageStats
from tasks.storage import Lake
from tasks.validate import Check, GateResult, row_count_bounds, run_gate

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


@dataclass(frozen=True)
class Batch:
    """What one pass of the loop reads and replaces: whole UTC days (`days`), or a
    listen window [start, end) of one source merged into the days it touches."""

    start: datetime
    end: datetime
    where: str  # how the gate's results and errors name the batch
    days: tuple[date, ...] = ()
    source: str | None = None


def batches_of_days(lake: Lake, stage: str, brand: str, days: list[date], sources: list[str] | None = None) -> list[Batch]:
    """The day batches a clean or score task works through, sized by the rows of `stage`
    (its input) on each day."""
    rows = {d: lake.count_rows(stage, brand, [d], sources) for d in days}
    return [Batch(*day_bounds(b[0], b[-1]), f"{brand} {b[0]}..{b[-1]}", tuple(b)) for b in day_batches(days, rows)]


def window_batch(source: str, brand: str, start: datetime, end: datetime) -> Batch:
    return Batch(start, end, f"{source}/{brand} {start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M}", source=source)


@dataclass
class Transformed:
    """What a stage's transform made of a batch, before the gate."""

    mentions: pl.DataFrame  # what goes to the gate
    rows_in: int
    dropped_rows: pl.DataFrame | None = None  # set aside by a rule, with a reason: counted as dropped, by reason
    rejected: pl.DataFrame | None = None  # quarantine rows made before the gate (a connector's unreadable records)
    dropped: dict[str, int] = field(default_factory=dict)  # dropped without a row to keep (counted by the transform)
    findings: list[Check] = field(default_factory=list)  # the transform's own checks, reported with the gate's
    parameters: dict = field(default_factory=dict)  # the gate's run-time values


OnGate = Callable[[GateResult, Batch], None]  # the flows publish each gate as an artifact


@dataclass
class Stage:
    name: str  # listen, clean or score: the stats' stage and quarantine/stage=<name>
    output: str  # the lake stage written: raw, clean or scored
    suite: str  # expectations/<suite>.json


def run_stage(
    stage: Stage,
    brand: str,
    lake: Lake,
    batches: Iterable[Batch],
    transform: Callable[[Batch], Transformed],
    on_gate: OnGate = lambda gate, batch: None,
    timings: dict[str, float] | None = None,
) -> StageStats:
    """Each batch through the transform, its gate and into the lake, in order. `on_gate`
    sees every gate after its results are stored and before a failed critical check
    raises (the flows publish it as an artifact there). `timings`, when given, adds up
    the seconds of each step (the benchmark's figures)."""
    stats = StageStats(stage.name, brand)
    spent = timings if timings is not None else {}
    for batch in batches:
        t0 = time.time()
        tick = time.perf_counter()
        made = transform(batch)
        spent["transform"] = spent.get("transform", 0.0) + time.perf_counter() - tick
        tick = time.perf_counter()
        rejected_before = made.rejected.height if made.rejected is not None else 0
        gate = run_gate(made.mentions, stage.suite, made.parameters, rejected_before=rejected_before, findings=made.findings)
        lake.write_gate(gate.suite, brand, batch.start, batch.end, batch.where, gate.table(), batch.source)
        spent["gate"] = spent.get("gate", 0.0) + time.perf_counter() - tick
        on_gate(gate, batch)
        gate.raise_if_failed(batch.where)
        tick = time.perf_counter()
        quarantined = to_quarantine(gate.rejected, stage.name, "quarantined")
        kept = [f for f in (made.dropped_rows, made.rejected) if f is not None]
        quarantine = pl.concat([*kept, quarantined]) if kept else quarantined
        if batch.days:
            lake.replace_partitions(stage.output, brand, batch.days, gate.passed)
            lake.replace_partitions(f"quarantine/stage={stage.name}", brand, batch.days, quarantine)
        else:
            lake.merge_window(stage.output, brand, batch.source, batch.start, batch.end, gate.passed, kind=stage.output)
            lake.merge_window(f"quarantine/stage={stage.name}", brand, batch.source, batch.start, batch.end, quarantine, kind="quarantine")
        spent["write"] = spent.get("write", 0.0) + time.perf_counter() - tick
        stats.add(StageStats(
            stage.name, brand, batch.source,
            rows_in=made.rows_in, rows_out=gate.passed.height, quarantined=rejected_before + quarantined.height,
            dropped=reason_counts(made.dropped_rows) if made.dropped_rows is not None else dict(made.dropped),
            spans=[(t0, time.time())], warnings=[f"{c.expectation}({c.column})" for c in gate.warnings],
        ))
        stats.source = batch.source
    return stats


def clean_gate_parameters(lake: Lake, brand: str, batch: list[date] | tuple[date, ...]) -> dict:
    """The clean suite's parameters for a batch: its time bounds (never past now) and the
    row count of the period of the same length before it."""
    earliest, latest = day_bounds(batch[0], batch[-1])
    previous = [d - timedelta(days=len(batch)) for d in batch]
    return dict(earliest=earliest, latest=min(latest, datetime.now(timezone.utc)), **row_count_bounds(lake.count_rows("clean", brand, previous)))


# -- the stages -------------------------------------------------------------------
LISTEN = Stage("listen", output="raw", suite="raw")
CLEAN = Stage("clean", output="clean", suite="clean")
SCORE = Stage("score", output="scored", suite="scored")


def clean_stage(cfg: Config, lake: Lake, brand: Brand, days: list[date], sources: list[str], on_gate: OnGate = lambda g, b: None, timings: dict | None = None) -> StageStats:
    """raw -> clean for `days`, reading the raw mentions of `sources`."""

    def clean(batch: Batch) -> Transformed:
        raw = lake.read("raw", brand.id, batch.days, sources=sources)
        cleaned = clean_mentions(raw, brand, cfg.settings.cleaning, cfg.settings.parallel)
        return Transformed(cleaned.mentions, raw.height, dropped_rows=cleaned.dropped, parameters=clean_gate_parameters(lake, brand.id, batch.days))

    return run_stage(CLEAN, brand.id, lake, batches_of_days(lake, "raw", brand.id, days, sources), clean, on_gate, timings)


def score_stage(cfg: Config, lake: Lake, brand: Brand, days: list[date], on_gate: OnGate = lambda g, b: None, timings: dict | None = None) -> StageStats:
    """clean -> scored for `days`: routing, stance and sentiment."""
    from tasks.routing.router import load_models, route_and_stance
    from tasks.score import score_sentiment

    models = load_models(cfg)

    def score(batch: Batch) -> Transformed:
        clean = lake.read("clean", brand.id, batch.days)
        scored = route_and_stance(clean, cfg, models, lambda df: score_sentiment(df, cfg.settings.sentiment, brand.languages, cfg.settings.parallel))
        return Transformed(scored, clean.height)

    return run_stage(SCORE, brand.id, lake, batches_of_days(lake, "clean", brand.id, days), score, on_gate, timings)
