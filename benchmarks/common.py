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


def measure_in_fresh_process(script: str, data_dir, code=None) -> dict:
    """Run `script --measure --dir data_dir` in a new interpreter (so peak memory and
    imports are its own) and return the JSON it prints. `code`, a folder holding another
    commit's tasks/ and config/ (see `checkout`), is imported instead of this checkout's."""
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    if code is not None:  # ahead of the editable install, which Python asks last
        env.update(PYTHONPATH=os.pathsep.join([str(code), env.get("PYTHONPATH", "")]), PULSE_CONFIG=str(Path(code) / "config"))
    done = subprocess.run([sys.executable, script, "--measure", "--dir", str(data_dir)], check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout)


def checkout(ref: str, into: Path) -> Path | None:
    """`ref`'s tasks/ and config/ (git archive) in `into`: the code a benchmark's baseline
    runs, measured in the same run. None when git cannot name `ref`."""
    import io
    import subprocess
    import tarfile

    done = subprocess.run(["git", "archive", ref, "tasks", "config"], capture_output=True, cwd=Path(__file__).resolve().parents[1])
    if done.returncode:
        return None
    tarfile.open(fileobj=io.BytesIO(done.stdout)).extractall(into, filter="data")
    return into


def run_week_benchmark(script: str, doc: str, weeks, measure, default_n: int = 1_000_000, default_against: str = "main", default_dir: str = "benchmarks/.data") -> dict | None:
    """The command line the one-week benchmarks share: build a week of --n mentions with
    `weeks[--week]` (a builder, or a dict of named builders, the first the default) in
    --dir/<week> (unless --reuse), then time `measure(dir)` in a fresh process, --repeat times
    and alternating with the same measure of --against's code (default main), and return
    the median run (by seconds) of each: {"this": ..., "against": ... or None, "runs": n}.
    Under --measure this *is* that fresh process: it prints the JSON and returns None."""
    import argparse
    import json
    import statistics
    import tempfile
    from pathlib import Path

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    weeks = weeks if isinstance(weeks, dict) else {"week": weeks}
    if len(weeks) > 1:
        parser.add_argument("--week", choices=list(weeks), default=next(iter(weeks)), help="which week to build (default %(default)s)")
    parser.add_argument("--n", type=int, default=default_n, help=f"mentions in the week (default {default_n:,})")
    parser.add_argument("--dir", type=Path, default=Path(default_dir), help=f"where the generated week is kept (default {default_dir})")
    parser.add_argument("--reuse", action="store_true", help="measure the week already in --dir")
    parser.add_argument("--repeat", type=int, default=1, help="fresh-process runs of each; medians are reported")
    parser.add_argument("--against", default=default_against, help=f"git ref whose tasks/ and config/ are the baseline (default {default_against}; '' for none)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.dir)))
        return None
    week = getattr(args, "week", next(iter(weeks)))
    if len(weeks) > 1:
        args.dir = args.dir / week
    args.dir.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        weeks[week](args.n, args.dir)
    with tempfile.TemporaryDirectory() as tmp:
        code = checkout(args.against, Path(tmp)) if args.against else None
        if args.against and code is None:
            print(f"(no baseline: git cannot name {args.against!r})")
        runs: dict[str, list[dict]] = {"this": [], "against": []}
        for _ in range(args.repeat):  # alternating, so a change in the machine's load falls on both
            runs["this"].append(measure_in_fresh_process(script, args.dir))
            if code is not None:
                runs["against"].append(measure_in_fresh_process(script, args.dir, code))

    def median(results: list[dict]) -> dict | None:
        if not results:
            return None
        mid = sorted(results, key=lambda r: r["seconds"])[(len(results) - 1) // 2]
        return {**mid, **{k: statistics.median(r[k] for r in results) for k in ("seconds", "cpu_seconds", "peak_rss_mb") if k in mid}}

    return {"this": median(runs["this"]), "against": median(runs["against"]), "against_ref": args.against, "runs": args.repeat}


def print_against(result: dict, what: str) -> None:
    """One line per code measured, the median of its runs, and the speed-up against the baseline."""
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    for name, r in (("this checkout", result["this"]), (result["against_ref"], result["against"])):
        if r is not None:
            print(f"{what} ({name}): {r['seconds']} s, {r['cpu_seconds']} CPU s, peak memory {r['peak_rss_mb']} MB (whole process; median of {result['runs']})")
    if result["against"] is not None:
        this, old = result["this"], result["against"]
        print(f"  {old['seconds'] / this['seconds']:.2f}x faster, {old['cpu_seconds'] / this['cpu_seconds']:.2f}x less CPU than {result['against_ref']} (load average {load} at the end)")
