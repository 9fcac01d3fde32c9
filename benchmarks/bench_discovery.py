"""Issue discovery over a week of N scored mentions: time and peak memory.

The week is one of bench_summary.py's (--week generated, the default: the `process`
benchmark's generated week of --n raw mentions, nearly every text distinct, cleaned,
routed and scored by the pipeline's own functions; or --week sample, the bundled
sample's scored mentions repeated to --n; shared with bench_summary in benchmarks/.data),
and discovery runs as the weekly summary runs it: complaints and praise, each followed
from last week's issues. Measured in a fresh process so peak memory is its own.

    .venv/bin/python benchmarks/bench_discovery.py [--week generated|sample] [--n 1000000] [--repeat 3] [--against main]
"""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl

from bench_summary import WEEK, WEEKS
from common import peak_rss_mb, print_against, run_week_benchmark


def measure(folder: Path) -> dict:
    from tasks.config import load_config
    from tasks.discovery import period_issues, stored
    from tasks.schema import NOT_REPORTED

    cfg = load_config()
    brand, settings = cfg.brand("halcyon"), cfg.settings.discovery
    this_week, before = (pl.scan_parquet(folder / f"{name}.parquet").drop(NOT_REPORTED).collect() for name in ("week", "before"))
    args = (settings, cfg.taxonomy, [*brand.terms, brand.name], settings.min_mentions_week, cfg.settings.summary.mask_pii)
    # As the weekly summary runs it: complaints and praise on two threads (code from
    # before 2026-12-07's fourth session takes no `threads`, and ran them one after the other).
    import inspect

    threads = {"threads": 2} if "threads" in inspect.signature(period_issues).parameters else {}
    t0 = time.perf_counter()
    last_week = stored(period_issues(before.filter(pl.col("date") >= pl.date(2026, 11, 9)), None, "2026-W46", *args, **threads))
    t1, c1 = time.perf_counter(), time.process_time()
    found = period_issues(this_week, last_week, WEEK, *args, **threads)
    seconds, cpu = time.perf_counter() - t1, time.process_time() - c1
    return {
        "mentions": this_week.height,
        "complaints": this_week.filter(pl.col("stance") == "complaint").height,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "last_week_seconds": round(t1 - t0, 2),
        "issues": sum(i["status"] != "resolved" for i in found["issues"]),
        "labels": [i["label"] for i in found["issues"][:5]],
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    result = run_week_benchmark(__file__, __doc__, WEEKS, measure)
    if result is None:
        return
    this = result["this"]
    print_against(result, f"issue discovery over a week of {this['mentions']:,} scored mentions ({this['complaints']:,} complaints)")
    for name, r in (("this checkout", this), (result["against_ref"], result["against"])):
        if r is not None:
            print(f"  {name}: {r['issues']} issues (last week's, found first, took {r['last_week_seconds']} s)")
            for label in r["labels"]:
                print(f"    {label}")


if __name__ == "__main__":
    main()
