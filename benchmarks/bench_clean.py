"""Cleaning against an earlier commit's cleaning, in the same run.

Long-form support (content extraction, block-wise chrome removal, brand passages,
Unicode-aware terms) made cleaning do more; the promise is that posts which are neither
HTML pages nor long pay nothing for it. This checks the promise on the `process`
benchmark's generated lake (benchmarks/bench_process.py: the sample's generator scaled
to one week, five sources, two brands): it generates the raw mentions once, checks the
baseline commit out into a temporary git worktree, then runs each checkout's own
cleaning with its own config alternately, baseline first, each in a fresh process.
Each times its `clean_mentions` over the batches `process` would make, after one
warm-up call (imports, worker pool, models), without the gate or the writes.

Reported per contender: the median over --repeat runs of the cleaning's wall time and
of its CPU time (user + system, the process's and its pool workers'), which on a shared
machine is the steadier figure; the ratio is this checkout's over the baseline's, and
rows out are printed so a difference in what is kept shows.

    .venv/bin/python benchmarks/bench_clean.py [--n 50000] [--repeat 3] [--baseline 9db47a7^]

The default baseline is the commit before long-form support. Its code runs on this
checkout's virtual environment.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BEFORE_LONG_FORM = "9db47a7^"

# Run inside a checkout. CPU time is this process's plus its live pool workers'
# (language identification and repair fan out to them).
CHILD = '''
import inspect, json, sys, time
import psutil
sys.path[:0] = ["benchmarks", "."]
import bench_process
from tasks.clean import clean_mentions


def cpu():
    me = psutil.Process()
    return sum(sum(p.cpu_times()[:2]) for p in [me, *me.children(recursive=True)])


def run():
    cfg, lake = bench_process._pipeline()
    extra = (cfg.settings.parallel,) if "parallel" in inspect.signature(clean_mentions).parameters else ()
    batches = []
    for b in cfg.brands:
        sources = lake.sources_present(b.id)
        batches += [(b, lake.read("raw", b.id, list(days), sources=sources)) for days in bench_process._batches(lake, "raw", b, sources)]
    b, raw = batches[0]
    clean_mentions(raw.head(5000), b, cfg.settings.cleaning, *extra)
    rows_in = rows_out = 0
    c0, t0 = cpu(), time.perf_counter()
    for b, raw in batches:
        out = clean_mentions(raw, b, cfg.settings.cleaning, *extra)
        rows_in, rows_out = rows_in + raw.height, rows_out + out.mentions.height
    print("RESULT " + json.dumps({"seconds": time.perf_counter() - t0, "cpu": cpu() - c0, "rows_in": rows_in, "rows_out": rows_out}))


if __name__ == "__main__":
    run()
'''


def _env(lake: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PULSE_"))}
    env.update(PULSE_DATA_DIR=str(lake), PREFECT_SERVER_ANALYTICS_ENABLED="false", GX_ANALYTICS_ENABLED="false")
    return env


def generate(n: int, seed: int, lake: Path) -> None:
    code = f"import sys; sys.path.insert(0, 'benchmarks'); import bench_process, pathlib; bench_process.generate_lake({n}, {seed}, pathlib.Path({str(lake)!r}))"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=_env(lake), check=True, stdout=subprocess.DEVNULL)


def clean_once(checkout: Path, lake: Path, script: Path) -> dict:
    out = subprocess.run([sys.executable, str(script)], cwd=checkout, env=_env(lake), check=True, capture_output=True, text=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    return {"clean_s": r["seconds"], "cpu_s": r["cpu"], "rows_in": r["rows_in"], "rows_out": r["rows_out"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="generated mentions (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (default 3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", default=BEFORE_LONG_FORM, help=f"git revision to compare with (default {BEFORE_LONG_FORM}, before long-form support)")
    args = parser.parse_args()

    rev = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-clean-") as tmp:
        tmp = Path(tmp)
        print(f"generating {args.n:,} mentions ...", flush=True)
        generate(args.n, args.seed, tmp / "lake")
        script = tmp / "child.py"
        script.write_text(CHILD)
        baseline = tmp / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(baseline), rev], cwd=REPO, check=True)
        try:
            contenders = {f"baseline {rev}": baseline, "this checkout": REPO}
            runs: dict[str, list[dict]] = {name: [] for name in contenders}
            for i in range(args.repeat):
                for name, checkout in contenders.items():
                    r = clean_once(checkout, tmp / "lake", script)
                    runs[name].append(r)
                    print(f"  run {i + 1} {name}: {r['clean_s']:.1f} s, CPU {r['cpu_s']:.1f} s, rows {r['rows_in']:,} -> {r['rows_out']:,}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=REPO, check=False)

    first = next(iter(runs.values()))[0]
    print(f"\nclean_mentions on {first['rows_in']:,} raw mentions, medians of {args.repeat} (load average {os.getloadavg()[0]:.1f})")
    print(f"{'contender':<22} {'wall s':>8} {'CPU s':>8} {'rows out':>10}")
    med = {}
    for name, rs in runs.items():
        med[name] = {k: statistics.median(r[k] for r in rs) for k in ("clean_s", "cpu_s", "rows_out")}
        print(f"{name:<22} {med[name]['clean_s']:>8.1f} {med[name]['cpu_s']:>8.1f} {med[name]['rows_out']:>10,.0f}")
    base, this = med[f"baseline {rev}"], med["this checkout"]
    print(f"ratio this / baseline: wall {this['clean_s'] / base['clean_s']:.2f}x, CPU {this['cpu_s'] / base['cpu_s']:.2f}x")


if __name__ == "__main__":
    main()
