"""Scoring throughput: the pipeline's scoring on 1, 2 and all cores against plain
row-by-row NLTK VADER (a pandas `apply`, as one would write it by hand), on the same
texts in the same run. Prints medians of --repeat runs and the ratios.

    .venv/bin/python benchmarks/bench_scoring.py [--n 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os

import polars as pl

from common import nltk_vader, print_medians, sample_raw
from tasks.clean import readable_text
from tasks.config import load_config
from tasks.score import score_sentiment, score_texts


def sample_texts(n: int) -> list[str]:
    """Texts shaped like the bundled sample (lengths, emoji, long reviews), made distinct
    so the pipeline's 'score each distinct text once' does not do the work for it."""
    base = sample_raw().select(readable_text(pl.col("title"), pl.col("text")).alias("t")).filter(pl.col("t") != "")
    texts = base.get_column("t").to_list()
    return [f"{texts[i % len(texts)]} #{i}" for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="texts per run (default 20,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the median is reported")
    args = parser.parse_args()

    cfg = load_config()
    settings = cfg.settings.sentiment
    parallel = cfg.settings.parallel.model_copy(update={"min_items": 1})
    texts = sample_texts(args.n)
    frame = pl.DataFrame({"text_for_sentiment": texts, "lang": ["en"] * len(texts)})
    cores = os.cpu_count() or 1

    import pandas as pd

    sia = nltk_vader()
    series = pd.Series(texts)
    contenders = {"naive: pandas apply of NLTK VADER, row by row": lambda: series.apply(lambda t: sia.polarity_scores(t)["compound"])}
    for workers in sorted({1, 2, cores}):
        p = parallel.model_copy(update={"workers": workers})
        contenders[f"pipeline scoring, {workers} process(es)"] = lambda p=p: score_sentiment(frame, settings, ["en"], p)
    score_texts(texts[:100], settings, parallel=parallel.model_copy(update={"workers": cores}))  # start the worker pool outside the timings

    print(f"{args.n:,} distinct texts, {cores} cores, median of {args.repeat} runs")
    print_medians(contenders, args.n, args.repeat, "naive")


if __name__ == "__main__":
    main()
