"""Helpers the benchmarks share: the bundled sample as raw mentions, timing a call,
and reading a process's peak memory."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import polars as pl


def sample_raw(brand_ids: list[str] | None = None) -> pl.DataFrame:
    """The bundled sample's raw mentions of the given brands (default all), read by each
    enabled source's connector over the demo's span the way `listen` reads them: file
    imports, and API connectors answered by their replay twins. The live API sources in
    config are disabled and would need the network."""
    from tasks.calendar import day_bounds
    from tasks.config import load_config
    from tasks.sources.registry import connector

    cfg = load_config()
    brands = [cfg.brand(b) for b in brand_ids] if brand_ids else cfg.brands
    start, end = day_bounds(cfg.settings.demo.start, cfg.settings.demo.end)
    return pl.concat([connector(s.kind).fetch(s, b, start, end, {}).mentions for s in cfg.enabled_sources() for b in brands], how="diagonal_relaxed")


def nltk_vader():
    """NLTK's own VADER, as one would call it by hand, on the lexicon the pipeline keeps
    offline: what naive baselines score with (the pipeline's analyzer is faster)."""
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    from tasks.score import LEXICON, analyzer

    analyzer()  # copies the lexicon to where NLTK looks
    return SentimentIntensityAnalyzer(lexicon_file=LEXICON)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def peak_rss_mb() -> int:
    """This process's peak resident memory. VmHWM starts afresh at exec, unlike
    ru_maxrss, which a child inherits from the process that forked it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def print_medians(contenders: dict, n: int, repeat: int, against: str) -> None:
    """Time each contender `repeat` times and print its median, rate over `n` items and
    ratio to the first contender (the baseline), one row each."""
    import statistics

    medians = {name: statistics.median(timed(fn) for _ in range(repeat)) for name, fn in contenders.items()}
    baseline = next(iter(medians.values()))
    width = max(len(name) for name in medians) + 2
    print(f"{'contender':<{width}} {'seconds':>8} {'mentions/s':>11} {'vs ' + against:>12}")
    for name, secs in medians.items():
        print(f"{name:<{width}} {secs:>8.2f} {n / secs:>11,.0f} {baseline / secs:>11.2f}x")


def measure_in_fresh_process(script: str, data_dir) -> dict:
    """Run `script --measure --dir data_dir` in a new interpreter (so peak memory and
    imports are its own) and return the JSON it prints."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, script, "--measure", "--dir", str(data_dir)], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def run_week_benchmark(script: str, doc: str, build_week, measure) -> dict | None:
    """The command line the one-week benchmarks share: build a week of --n scored mentions
    in --dir (unless --reuse), then time `measure(dir)` in a fresh process and return its
    result. Under --measure this *is* that fresh process: it prints the JSON and returns None."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="scored mentions in the week (default 1,000,000)")
    parser.add_argument("--dir", type=Path, default=Path("benchmarks/.data"), help="where the generated week is kept")
    parser.add_argument("--reuse", action="store_true", help="measure the week already in --dir")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.dir)))
        return None
    args.dir.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        build_week(args.n, args.dir)
    return measure_in_fresh_process(script, args.dir)
