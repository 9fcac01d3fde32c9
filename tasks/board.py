"""The daily issue board: per brand and day, the issues to act on now, who owns them,
the words customers use and the phrases that are new against the recent baseline."""

from __future__ import annotations

from datetime import date

import polars as pl

from tasks.config import BoardSettings, Brand, SummarySettings, TaxonomyFile
from tasks.emerging import emerging_phrases
from tasks.privacy import pseudonymise_authors
from tasks.summary import category_counts, template_env, net_sentiment, rank_issues


def build_board(
    brand: Brand,
    day: date,
    today: pl.DataFrame,
    baseline: pl.DataFrame,
    baseline_days: int,
    taxonomy: TaxonomyFile,
    summary: SummarySettings,
    board: BoardSettings,
) -> dict:
    """Plain data for one brand and day; `baseline` holds the `baseline_days` before it."""
    if summary.pseudonymise_authors:
        today = pseudonymise_authors(today)
    per_day = {k: n / max(baseline_days, 1) for k, n in category_counts(baseline).items()}
    issues, praise = rank_issues(today, per_day, taxonomy, summary)
    return {
        "brand": brand.id,
        "brand_name": brand.name,
        "day": day.isoformat(),
        "volume": today.height,
        "baseline_daily_volume": round(baseline.height / max(baseline_days, 1), 1),
        "baseline_days": baseline_days,
        "negative": today.filter(pl.col("sentiment_label") == "negative").height,
        "net_sentiment": net_sentiment(today),
        "top_issues": issues[: board.top_issues],
        "emerging": emerging_phrases(
            today, baseline, 1, baseline_days, ignore=[*brand.terms, brand.name],
            min_mentions=board.emerging_min_mentions, min_lift=board.emerging_min_lift,
        ),
        "praise": praise[:3],
    }


def render_board(model: dict) -> str:
    return template_env(autoescape=False).get_template("board.md.j2").render(**model)
