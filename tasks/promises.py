"""The expectation-experience gap: for each promise in a brand's config, how many posts
of the week talk about it unhappily (not met) or happily (met), with examples."""

from __future__ import annotations

import re

import polars as pl

from tasks.config import Promise


def promise_gap(df: pl.DataFrame, promises: list[Promise], examples: int = 2) -> list[dict]:
    """Promises sorted by how often customers said they were broken."""
    out = []
    for promise in promises:
        alts = "|".join(re.escape(p.lower()) for p in sorted(promise.phrases, key=len, reverse=True))
        about = df.filter(pl.col("text_norm").str.contains(rf"\b(?:{alts})\b"))
        if about.is_empty():
            continue
        broken = about.filter(pl.col("stance") == "complaint").sort(["dup_count", "mention_id"], descending=[True, False])
        out.append(
            {
                "promise": promise.name,
                "mentions": about.height,
                "not_met": broken.height,
                "met": about.filter(pl.col("stance") == "praise").height,
                "examples": [t if len(t) <= 280 else t[:277] + "..." for t in broken.get_column("text_for_sentiment").head(examples).to_list()],
            }
        )
    return sorted(out, key=lambda p: (-p["not_met"], p["promise"]))
