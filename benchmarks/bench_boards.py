"""The daily issue boards of a scheduled `process` run: the last day's boards of every
brand, with the days before it read from their kept counts (tasks/reports/daily.py
kept_counts) against reading and cutting those days again, in the same run.

It needs a lake that `process` has run over (the `process` benchmark leaves one:
benchmarks/.data/process/n=<N>/flow). The first pass builds the boards of every day
before the last, which keeps their counts; then the last day's boards are timed,
--repeat times each way, alternating, and the medians printed.

    .venv/bin/python benchmarks/bench_boards.py --lake benchmarks/.data/process/n=1000000/flow
        [--first 2026-11-16] [--last 2026-11-22] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lake", type=Path, required=True, help="a lake `process` has run over")
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--last", type=date.fromisoformat, default=date(2026, 11, 22))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["PULSE_DATA_DIR"] = str(args.lake)

    from tasks.config import load_config
    from tasks.reports.daily import lake_boards
    from tasks.storage import Lake

    cfg, lake = load_config(), Lake(args.lake)

    def boards(days: list[date], keep: bool) -> float:
        t0 = time.perf_counter()
        for b in cfg.brands:
            for day, _, model in lake_boards(lake, b, days, cfg, keep_counts=keep):
                lake.write_issues(b.id, day.isoformat(), model.pop("discovered"))
        return time.perf_counter() - t0

    before = [args.first + timedelta(days=i) for i in range((args.last - args.first).days)]
    print(f"boards of {before[0]}..{before[-1]}, keeping their counts: {boards(before, True):.1f} s")
    runs: dict[str, list[float]] = {"kept counts": [], "days read again": []}
    for _ in range(args.repeat):
        runs["kept counts"].append(boards([args.last], True))
        runs["days read again"].append(boards([args.last], False))
    medians = {k: statistics.median(v) for k, v in runs.items()}
    for name, seconds in medians.items():
        print(f"{args.last} boards, {name}: {seconds:.2f} s (median of {args.repeat}; runs {', '.join(f'{s:.2f}' for s in runs[name])})")
    print(f"  {medians['days read again'] / medians['kept counts']:.2f}x faster with kept counts")


if __name__ == "__main__":
    main()
