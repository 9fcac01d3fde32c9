"""The weekly summary of one brand over a week of N scored mentions: time and peak memory.

Two weeks to choose from (--week):

- `generated` (the default): the `process` benchmark's week (benchmarks/bench_process.py:
  the sample's generator scaled up, every post with a detail of its own, so nearly every
  text is distinct, as real posts are) of --n raw mentions, cleaned, routed and scored by
  the pipeline's own functions; one brand's scored mentions are summarised (about 45 % of
  the raw ones), and the four weeks before are an eighth of the week each, shifted back;
- `sample`: the bundled sample's scored mentions repeated with fresh ids to --n over the
  week (and --n/2 over the four weeks before). Its texts are the sample's 3,530 distinct
  ones over and over, which flatters whatever works per distinct text (issue discovery,
  phrase cutting): the figures measured before 2026-12-07 were on this week.

Each measurement runs in a fresh process so peak memory is its own.

    .venv/bin/python benchmarks/bench_summary.py [--week generated|sample] [--n 1000000] [--repeat 3] [--against main] [--cut-counts]

As the weekly-summary flow does, the summary is given the negative phrase counts the
daily runs kept for each day of the week and of its baseline (made before the clock
starts); --cut-counts measures it cutting them itself, as it does when a day was never
counted (or the code measured takes no kept counts).

The same week is measured with --against's code (a git ref, default main) in the same
run, alternating, and the medians are compared: seconds and CPU seconds (on a shared
machine the CPU seconds move less with the load).
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from common import peak_rss_mb, print_against, run_week_benchmark, sample_raw

WEEK = "2026-W47"


def build_generated_week(n: int, out: Path) -> None:
    import bench_process

    from tasks.clean import clean_mentions
    from tasks.config import load_config
    from tasks.routing.router import load_models, route_and_stance
    from tasks.score import score_sentiment
    from tasks.storage import Lake

    cfg = load_config()
    brand = cfg.brand("halcyon")
    lake = Lake(out / "lake")
    bench_process.generate_lake(n, 20261123, lake.root)
    models = load_models(cfg)
    days = []
    for day in bench_process.DAYS:  # a day at a time, as `process` batches them
        raw = lake.read("raw", brand.id, [day], sources=lake.sources_present(brand.id))
        clean = clean_mentions(raw, brand, cfg.settings.cleaning, cfg.settings.parallel).mentions
        days.append(route_and_stance(clean, cfg, models, lambda df: score_sentiment(df, cfg.settings.sentiment, brand.languages)))
    week = pl.concat(days, how="diagonal_relaxed")
    week.write_parquet(out / "week.parquet")
    bench_process.weeks_before(week).write_parquet(out / "before.parquet")


def build_sample_week(n: int, out: Path) -> None:
    from tasks.clean import clean_mentions
    from tasks.config import load_config
    from tasks.routing.router import load_models, route_and_stance
    from tasks.score import score_sentiment

    cfg = load_config()
    brand = cfg.brand("halcyon")
    raw = sample_raw([brand.id])
    clean = clean_mentions(raw, brand, cfg.settings.cleaning).mentions
    scored = route_and_stance(clean, cfg, load_models(cfg), lambda df: score_sentiment(df, cfg.settings.sentiment, brand.languages))
    # n rows in the week, n/2 spread over the four weeks before (the baseline).
    monday = date(2026, 11, 16)
    for name, rows, first, days in (("week", n, monday, 7), ("before", n // 2, monday - timedelta(days=28), 28)):
        reps = scored.sample(rows, with_replacement=True, seed=7)
        reps = reps.with_columns(
            pl.format("{}{}", pl.lit(name[0]), pl.int_range(rows)).alias("mention_id"),
            (pl.lit(first) + pl.duration(days=pl.int_range(rows) % days)).cast(pl.Date).alias("date"),
        )
        reps.write_parquet(out / f"{name}.parquet")


WEEKS = {"generated": build_generated_week, "sample": build_sample_week}


def measure(folder: Path) -> dict:
    from tasks.config import load_config
    from tasks.reports.render import render_html, render_markdown
    from tasks.reports.weekly import build_summary

    cfg = load_config()
    from tasks.schema import NOT_REPORTED

    # Read as the weekly-summary flow reads the lake: without the columns it never shows.
    this_week, before = (pl.scan_parquet(folder / f"{name}.parquet").drop(NOT_REPORTED).collect() for name in ("week", "before"))
    # And with the phrase counts the daily boards kept of each day (summed, they are the
    # period's), as the flow passes them, when the code measured takes them.
    kept = _kept_counts(build_summary, this_week, before)
    t0, c0 = time.perf_counter(), time.process_time()
    model = build_summary(
        cfg.brand("halcyon"), WEEK, this_week, before, {"brightwave": 250_000}, pl.DataFrame(schema={"stage": pl.String, "disposition": pl.String, "reason": pl.String}),
        cfg.taxonomy, cfg.settings.summary, **kept,
    )
    render_markdown(model), render_html(model)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"mentions": this_week.height, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mb": peak_rss_mb(), "kept_counts": sorted(kept)}


def _kept_counts(build_summary, this_week: pl.DataFrame, before: pl.DataFrame) -> dict:
    """The kept phrase counts `build_summary` takes (none before 2026-12-07), made outside
    the time measured: the daily runs counted them. --cut-counts: none, cut in the summary."""
    import inspect
    import os

    from tasks.emerging import negative_phrase_counts

    takes = inspect.signature(build_summary).parameters
    if os.environ.get("BENCH_CUT_COUNTS"):
        return {}
    return {k: negative_phrase_counts(rows) for k, rows in (("baseline_phrases", before), ("week_phrases", this_week)) if k in takes}


def main() -> None:
    import os
    import sys

    if "--cut-counts" in sys.argv:  # passed to the measuring processes by the environment
        sys.argv.remove("--cut-counts")
        os.environ["BENCH_CUT_COUNTS"] = "1"
    result = run_week_benchmark(__file__, __doc__, WEEKS, measure)
    if result is None:
        return
    print_against(result, f"weekly summary of {result['this']['mentions']:,} scored mentions")
    for name, r in (("this checkout", result["this"]), (result["against_ref"], result["against"])):
        if r is not None:
            print(f"  {name}: phrase counts kept by the daily runs: {', '.join(r.get('kept_counts') or []) or 'none (cut in the summary)'}")


if __name__ == "__main__":
    main()
