"""Emerging issues: phrases whose use among negative mentions jumps against the brand's
recent baseline, reported in the customers' own words.

Phrases are word n-grams (two and three words) counted once per mention. A phrase is
emerging when it is used in at least `min_mentions` negative mentions of the period
and its daily rate is at least `min_lift` times its (add-one smoothed) baseline rate.
"""

from __future__ import annotations

import polars as pl

# Short English function words: a phrase may not start or end with one ("the network").
STOPWORDS = sorted(
    set(
        """a about above after again all am an and any are as at be because been before being below between both but by
        can could did do does doing down during each few for from further had has have having he her here hers him his how
        i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours out
        over own same she should so some such than that the their them then there these they this those through to too under
        until up very was we were what when where which while who whom why will with would you your yours im ive dont cant
        its it's i'm i've don't can't won't isn't wasn't didn't doesn't get got still even also really like one via rt amp""".split()
    )
)


def phrase_counts(df: pl.DataFrame, sizes: tuple[int, ...] = (2, 3)) -> pl.DataFrame:
    """(phrase, mentions): in how many of `df`'s mentions each phrase occurs."""
    if df.is_empty():
        return pl.DataFrame(schema={"phrase": pl.String, "mentions": pl.UInt32})
    tokens = (
        # The first 150 words of a post: a pasted log or a long blog post should not
        # outweigh a hundred tweets, and it bounds the work.
        df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("post"), pl.col("text_norm").str.extract_all(r"[a-z][a-z0-9']*").list.head(150).alias("tok"))
        .explode("tok")
        .drop_nulls("tok")
    )
    grams = []
    for n in sizes:
        # A plain shift over the exploded words, kept only where all n words come from
        # one mention: linear, where a per-mention window would group millions of rows.
        parts = [pl.col("tok").shift(-k) for k in range(n)]
        same = pl.col("post").shift(-(n - 1)) == pl.col("post")
        grams.append(
            tokens.select(
                "post",
                pl.concat_str(parts, separator=" ").alias("phrase"),
                (same.fill_null(False) & ~parts[0].is_in(STOPWORDS) & ~parts[-1].fill_null("").is_in(STOPWORDS)).alias("keep"),
            )
            .filter("keep")
            .drop("keep")
        )
    # Mentions per phrase, each counted once however often it repeats the phrase.
    return pl.concat(grams).group_by("phrase").agg(pl.col("post").n_unique().cast(pl.UInt32).alias("mentions"))


def negative_phrase_counts(df: pl.DataFrame) -> pl.DataFrame:
    """phrase_counts of the negative mentions: a baseline for emerging_phrases. Counts of
    disjoint sets of mentions (days, say) add up."""
    return phrase_counts(df.filter(pl.col("sentiment_label") == "negative"))


def emerging_phrases(
    current: pl.DataFrame,
    baseline: pl.DataFrame,
    current_days: int,
    baseline_days: int,
    ignore: list[str],
    min_mentions: int = 3,
    min_lift: float = 3.0,
    top: int = 10,
) -> list[dict]:
    """Phrases rising among the negative mentions of `current` against `baseline`, the
    negative_phrase_counts of the baseline period.

    `ignore` holds words that say nothing about an issue (the brand's own terms)."""
    now = negative_phrase_counts(current)
    before = baseline.rename({"mentions": "baseline"})
    ignored = {w.lower() for term in ignore for w in term.split()}
    joined = (
        now.join(before, on="phrase", how="left")
        .with_columns(pl.col("baseline").fill_null(0))
        .filter(~pl.col("phrase").str.split(" ").list.eval(pl.element().is_in(list(ignored))).list.all())
        .with_columns(
            ((pl.col("mentions") / max(current_days, 1)) / ((pl.col("baseline") + 1) / max(baseline_days, 1))).round(1).alias("lift")
        )
        .filter((pl.col("mentions") >= min_mentions) & (pl.col("lift") >= min_lift))
        .sort(["mentions", "lift", "phrase"], descending=[True, True, False])
    )
    # "emergency calls still worked" and "emergency calls" in the same posts: keep the longer.
    kept: list[dict] = []
    for row in joined.iter_rows(named=True):
        if any(row["phrase"] in k["phrase"] and k["mentions"] >= 0.8 * row["mentions"] for k in kept):
            continue
        kept = [k for k in kept if not (k["phrase"] in row["phrase"] and row["mentions"] >= 0.8 * k["mentions"])]
        kept.append({"phrase": row["phrase"], "mentions": row["mentions"], "baseline": row["baseline"], "lift": row["lift"]})
        if len(kept) >= top:
            break
    return kept
