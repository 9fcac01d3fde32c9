"""Numbers the daily board and the weekly summary both report: net sentiment, category
counts, week-over-week change and the issues ranked by category with their posts,
phrases and authors."""

from __future__ import annotations

import re

import polars as pl

from tasks.config import SummarySettings, TaxonomyFile
from tasks.discovery import ranked
from tasks.extract import quote
from tasks.links import safe_url
from tasks.privacy import mask_text


def net_sentiment(df: pl.DataFrame) -> float | None:
    labels = df.get_column("sentiment_label")
    scored = int((labels != "unscored").sum())
    if not scored:
        return None
    pos, neg = int((labels == "positive").sum()), int((labels == "negative").sum())
    return round(100 * (pos - neg) / scored, 1)


def change_of(now: float | int | None, before: float | int | None, relative: bool) -> float | None:
    if now is None or before is None:
        return None
    if not relative:
        return round(now - before, 1)
    return None if before == 0 else round(100 * (now - before) / before, 1)


def _trend(now: float, before: float) -> str:
    if before == 0:
        return "new" if now else "none"
    if now == 0:
        return "resolved"
    ratio = now / before
    return "growing" if ratio >= 1.25 else "fading" if ratio <= 0.8 else "steady"


def sample_posts(df: pl.DataFrame, n: int, mask: bool = True) -> list[dict]:
    """A sample stratified by source: each source's most seen post (by copies,
    engagement and reach) in turn, then each source's second, and so on; each text once."""
    # Ranked by the sort keys and a hash of each text, then only the n posts shown are
    # fetched whole: a spike's day may hold a hundred thousand long posts.
    order = (
        df.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_at"), "source",
            pl.col("dup_count"), pl.col("engagement").fill_null(0), pl.col("author_reach").fill_null(0), pl.col("mention_id"),
            pl.col("text_for_sentiment").hash(seed=0).alias("_text"),
        )
        .sort(["dup_count", "engagement", "author_reach", "mention_id"], descending=[True, True, True, False])
        .unique("_text", keep="first", maintain_order=True)
        .with_row_index("_overall")
        .with_columns(pl.int_range(pl.len()).over("source").alias("_in_source"))
        .sort("_in_source", "_overall")
        .head(n)
    )
    ranked = df[order.get_column("_at")]
    shown = mask_text if mask else (lambda t: t)
    return [
        {
            # Long posts are quoted from the passage that names the brand, in whole sentences.
            "text": shown(quote(r.get("text_brand") or r["text_for_sentiment"])),
            "mention_id": r["mention_id"],
            "source": r["source"],
            "author": shown(r["author_handle"]) or "unknown",
            "reach": r["author_reach"],
            "url": safe_url(r["url"]),  # http(s) only: no javascript: link in any report
            "sentiment": r["sentiment"],
            "copies": r["dup_count"],
            "date": r["date"].isoformat(),
        }
        for r in ranked.head(n).iter_rows(named=True)
    ]


def _phrases(df: pl.DataFrame, phrases: list[str], n: int = 5) -> list[dict]:
    """The taxonomy phrases these posts use most, each counted once per post (one regex pass)."""
    alts = "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))
    found = (
        df.select("mention_id", pl.col("text_norm").str.extract_all(rf"\b(?:{alts})\b").alias("phrase"))
        .explode("phrase")
        .drop_nulls("phrase")
        .unique()
        .group_by("phrase")
        .agg(pl.len().alias("mentions"))
        .sort(["mentions", "phrase"], descending=[True, False])
    )
    return found.head(n).to_dicts()


def _authors(df: pl.DataFrame, n: int = 5) -> list[dict]:
    by = (
        df.filter(pl.col("author_handle").is_not_null())
        .group_by("author_handle", "source")
        .agg(pl.len().alias("mentions"), pl.col("author_reach").max().alias("reach"))
        .sort(["reach", "mentions", "author_handle", "source"], descending=[True, True, False, False], nulls_last=True)
    )
    return by.head(n).to_dicts()


def category_counts(df: pl.DataFrame) -> dict[str, int]:
    return dict(df.select(pl.col("categories").explode()).drop_nulls().group_by("categories").len().iter_rows())


def praise_by_category(df: pl.DataFrame, expected: dict[str, float], taxonomy: TaxonomyFile, settings: SummarySettings) -> list[dict]:
    """Praise by category, most praised first. (Complaints are no longer ranked by
    category: the reports list discovered issues, tasks.discovery.)

    `expected` is each category's volume in the comparison period (last week, or the
    baseline's rate scaled to this period), for the trend."""
    praise = []
    # A category's mentions are counted without the texts shown, which are fetched for
    # its praise alone.
    counted = df.select("categories", "stance", "sentiment_label", "text_norm", "mention_id", "author_handle", "source", "author_reach")
    # Praise boxes never show a mention VADER reads negative, whatever the stance model says.
    praising = df.select((pl.col("stance") == "praise") & (pl.col("sentiment_label") != "negative")).to_series()
    for key, cat in taxonomy.categories.items():
        in_category = df.get_column("categories").list.contains(key)
        rows = counted.filter(in_category)
        volume = int((in_category & praising).sum())
        if not volume:
            continue
        praised = df.filter(in_category & praising)
        negative = rows.filter(pl.col("sentiment_label") == "negative")
        before = expected.get(key, 0)
        praise.append({
            "key": key,
            "label": cat.label,
            "team": cat.team,
            "team_name": taxonomy.teams[cat.team],
            "sla_hours": cat.sla_hours,
            "playbook": cat.playbook,
            "volume": volume,
            "negative": negative.height,
            "negative_share": round(100 * negative.height / rows.height, 1),
            "previous_volume": round(before),  # mentions, though scaled from a baseline: a count
            "trend": _trend(rows.height, before),
            "phrases": _phrases(rows, cat.phrases),
            "posts": sample_posts(praised, 2, settings.mask_pii)[: settings.posts_per_issue],
            "authors": _authors(negative if not negative.is_empty() else rows),
        })
    praise.sort(key=lambda p: (-p["volume"], p["key"]))
    return praise
