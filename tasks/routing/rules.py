"""Taxonomy phrases as precise rules.

A category matches when one of its phrases appears as whole words in the routed text
and not every occurrence is negated ("no problem with the battery life" is not a
battery complaint). The rules are *sure* of a mention's team when every category it
matches belongs to that one team; otherwise the learned router decides.
"""

from __future__ import annotations

import re

import polars as pl

from tasks.config import TaxonomyFile

NEGATORS = r"(?:no|not|never|without|zero|nothing|isn't|wasn't|aren't|don't|didn't|doesn't|haven't|hasn't|can't)"


def _alternation(phrases: list[str]) -> str:
    return "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))


def category_strength(phrases: list[str], text: pl.Expr | None = None) -> pl.Expr:
    """How many times the category's phrases are said and not negated."""
    text = pl.col("text_norm") if text is None else text
    alts = _alternation(phrases)
    said = text.str.count_matches(rf"\b(?:{alts})\b")
    # "no issues with the delivery", "never had a billing problem": up to three words between.
    # Words in between, not across a comma or a full stop: "not come, now a warranty claim".
    negated = text.str.count_matches(rf"\b{NEGATORS}\s+(?:[^\s.,;:!?]+\s+){{0,3}}?(?:{alts})\b")
    return (said.cast(pl.Int32) - negated.cast(pl.Int32)).clip(lower_bound=0)


def category_expr(phrases: list[str], text: pl.Expr | None = None) -> pl.Expr:
    return category_strength(phrases, text) > 0


def categories(df: pl.DataFrame, taxonomy: TaxonomyFile, text: pl.Expr | None = None) -> pl.DataFrame:
    """Adds `categories` (sorted category keys) and `rule_teams` (sorted team keys they belong to)."""
    keys = sorted(taxonomy.categories)
    if df.is_empty():
        return df.with_columns(pl.lit([], pl.List(pl.String)).alias("categories"), pl.lit([], pl.List(pl.String)).alias("rule_teams"))
    flags = [pl.when(category_expr(taxonomy.categories[k].phrases, text)).then(pl.lit(k)) for k in keys]
    team_of = {k: taxonomy.categories[k].team for k in keys}
    return df.with_columns(pl.concat_list(flags).list.drop_nulls().alias("categories")).with_columns(
        pl.col("categories").list.eval(pl.element().replace_strict(team_of, return_dtype=pl.String)).list.unique().list.sort().alias("rule_teams")
    )


def primary_category(df: pl.DataFrame, taxonomy: TaxonomyFile) -> pl.Series:
    """The one category a mention is most about (most phrases said), or null."""
    keys = list(taxonomy.categories)  # config order breaks ties
    strengths = df.select([category_strength(taxonomy.categories[k].phrases).alias(k) for k in keys])
    best = strengths.select(
        pl.when(pl.max_horizontal(keys) > 0).then(pl.concat_list(keys).list.arg_max()).otherwise(None).alias("i")
    ).get_column("i")
    return best.replace_strict(dict(enumerate(keys)), default=None, return_dtype=pl.String).alias("primary_category")
