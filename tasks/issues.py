"""Issue categories, owning teams and stance from the taxonomy in config/taxonomy.yaml.

A category matches when one of its phrases appears as whole words in `text_norm`
and not every occurrence is negated ("no problem with the battery life" is not a
battery complaint).
"""

from __future__ import annotations

import re

import polars as pl

from tasks.config import TaxonomyFile

NEGATORS = r"(?:no|not|never|without|zero|nothing|isn't|wasn't|aren't|don't|didn't|doesn't|haven't|hasn't|can't)"


def _alternation(phrases: list[str]) -> str:
    return "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))


def category_strength(phrases: list[str]) -> pl.Expr:
    """How many times the category's phrases are said and not negated."""
    alts = _alternation(phrases)
    said = pl.col("text_norm").str.count_matches(rf"\b(?:{alts})\b")
    # "no issues with the delivery", "never had a billing problem": up to three words between.
    negated = pl.col("text_norm").str.count_matches(rf"\b{NEGATORS}\s+(?:\S+\s+){{0,3}}?(?:{alts})\b")
    return (said.cast(pl.Int32) - negated.cast(pl.Int32)).clip(lower_bound=0)


def category_expr(phrases: list[str]) -> pl.Expr:
    return category_strength(phrases) > 0


def route(df: pl.DataFrame, taxonomy: TaxonomyFile) -> pl.DataFrame:
    """Adds `categories` (sorted category keys) and `teams` (sorted team keys)."""
    keys = sorted(taxonomy.categories)
    if df.is_empty():
        return df.with_columns(pl.lit([], pl.List(pl.String)).alias("categories"), pl.lit([], pl.List(pl.String)).alias("teams"))
    flags = [pl.when(category_expr(taxonomy.categories[k].phrases)).then(pl.lit(k)) for k in keys]
    team_of = {k: taxonomy.categories[k].team for k in keys}
    return df.with_columns(pl.concat_list(flags).list.drop_nulls().alias("categories")).with_columns(
        pl.col("categories").list.eval(pl.element().replace_strict(team_of, return_dtype=pl.String)).list.unique().list.sort().alias("teams")
    )


def stance(df: pl.DataFrame, taxonomy: TaxonomyFile) -> pl.DataFrame:
    """Adds `stance`: complaint (negative), praise (positive, or thanks in a praise
    category whatever the score), or neutral. Needs `sentiment_label` and `categories`."""
    praise_keys = sorted(k for k, c in taxonomy.categories.items() if c.kind == "praise")
    thanked = pl.col("categories").list.set_intersection(pl.lit(praise_keys, pl.List(pl.String))).list.len() > 0
    label = pl.col("sentiment_label")
    return df.with_columns(
        pl.when(label == "negative")
        .then(pl.lit("complaint"))
        .when((label == "positive") | thanked)
        .then(pl.lit("praise"))
        .otherwise(pl.lit("neutral"))
        .alias("stance")
    )


def primary_category(df: pl.DataFrame, taxonomy: TaxonomyFile) -> pl.Series:
    """The one category a mention is most about (most phrases said), or null: for
    measuring routing against single human labels."""
    keys = list(taxonomy.categories)  # config order breaks ties
    strengths = df.select([category_strength(taxonomy.categories[k].phrases).alias(k) for k in keys])
    best = strengths.select(
        pl.when(pl.max_horizontal(keys) > 0).then(pl.concat_list(keys).list.arg_max()).otherwise(None).alias("i")
    ).get_column("i")
    return best.replace_strict(dict(enumerate(keys)), default=None, return_dtype=pl.String).alias("primary_category")
