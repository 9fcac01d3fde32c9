"""Cleaning against the commit before long-form support, in the same run.

Long-form support (content extraction, block-wise chrome removal, brand passages,
Unicode-aware terms, language tags checked) made cleaning do more; the promise is that
posts which are neither HTML pages nor long pay next to nothing for it. This checks the
promise on the `process` benchmark's generated lake (benchmarks/bench_process.py: the
sample's generator scaled to one week, five sources, two brands): the raw mentions are
generated once into --dir, then `clean_mentions` of this checkout and of --against's
tasks/ and config/ (default 9db47a7^, before long-form support) clean them day by day,
alternately, each in a fresh process (benchmarks/common.py), after one warm-up call
(imports, worker pool, language model); the gate and the writes are not timed.

Printed for each: median wall seconds, CPU seconds (the process's and its pool
workers', the steadier figure on a shared machine), peak memory, and rows kept.

    .venv/bin/python benchmarks/bench_clean.py [--n 50000] [--repeat 3] [--against 9db47a7^] [--reuse]
"""

from __future__ import annotations

import inspect
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from common import peak_rss_mb, print_against, run_week_benchmark

BEFORE_LONG_FORM = "9db47a7^"
DAYS = [date(2026, 11, 16) + timedelta(days=i) for i in range(7)]  # bench_process's week


def build_week(n: int, folder: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_process

    bench_process.generate_lake(n, 7, folder)


def cpu_seconds() -> float:
    import psutil

    me = psutil.Process()
    return sum(sum(p.cpu_times()[:2]) for p in [me, *me.children(recursive=True)])


def measure(folder: Path) -> dict:
    from tasks.clean import clean_mentions
    from tasks.config import load_config
    from tasks.storage import Lake

    cfg, lake = load_config(), Lake(folder)
    extra = (cfg.settings.parallel,) if "parallel" in inspect.signature(clean_mentions).parameters else ()
    batches = [(b, lake.read("raw", b.id, [d], sources=lake.sources_present(b.id))) for b in cfg.brands for d in DAYS]
    b, raw = batches[0]
    clean_mentions(raw.head(5000), b, cfg.settings.cleaning, *extra)  # warm-up
    rows_in = rows_out = 0
    c0, t0 = cpu_seconds(), time.perf_counter()
    for b, raw in batches:
        rows_in, rows_out = rows_in + raw.height, rows_out + clean_mentions(raw, b, cfg.settings.cleaning, *extra).mentions.height
    return {"mentions": rows_in, "kept": rows_out, "seconds": round(time.perf_counter() - t0, 2), "cpu_seconds": round(cpu_seconds() - c0, 2), "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    result = run_week_benchmark(__file__, __doc__, build_week, measure, default_n=50_000, default_against=BEFORE_LONG_FORM, default_dir="benchmarks/.data/clean")
    if result is None:
        return
    this = result["this"]
    print_against(result, f"cleaning {this['mentions']:,} raw mentions ({this['kept']:,} kept)")
    if result["against"] is not None and result["against"]["kept"] != this["kept"]:
        print(f"  kept: {this['kept']:,} here, {result['against']['kept']:,} by {result['against_ref']}")


if __name__ == "__main__":
    main()
