"""Routing throughput: the whole router (taxonomy rules, the learned team model,
confidence and triage, then the stance model) against keyword routing alone (the
taxonomy's phrases, what routing was before the learned router), on the same
mentions in the same run, on one core. Prints medians of --repeat runs.

    .venv/bin/python benchmarks/bench_routing.py [--n 20000] [--repeat 3]

Texts are made distinct, so "each distinct text is routed once" does not do the work.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target is per core

import polars as pl

from bench_scoring import sample_texts
from common import print_medians
from tasks.clean import normalized_text
from tasks.config import load_config
from tasks.routing.router import load_models, route
from tasks.routing.rules import categories
from tasks.stance import stance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="mentions per run (default 20,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the median is reported")
    args = parser.parse_args()

    cfg = load_config()
    models = load_models(cfg)  # trained (or read from the cache) outside the timings
    texts = sample_texts(args.n)
    frame = pl.DataFrame({"text_for_sentiment": texts}).with_columns(
        normalized_text(pl.col("text_for_sentiment")).alias("text_norm"), pl.lit("neutral").alias("sentiment_label")
    )
    contenders = {
        "keyword routing (taxonomy phrases only)": lambda: categories(frame, cfg.taxonomy),
        "router: rules + team model + triage": lambda: route(frame, cfg.taxonomy, cfg.settings.routing, models.team, models.corpus),
        "router + stance model": lambda: stance(route(frame, cfg.taxonomy, cfg.settings.routing, models.team, models.corpus), cfg.settings.stance, models.stance),
    }
    print(f"{args.n:,} distinct mentions, one core, median of {args.repeat} runs")
    print_medians(contenders, args.n, args.repeat, "keywords")


if __name__ == "__main__":
    main()
