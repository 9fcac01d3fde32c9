"""Taxonomy phrases as precise rules.

A category matches when one of its phrases appears as whole words in the routed text
and not every occurrence is negated ("no problem with the battery life" is not a
battery complaint). The rules are *sure* of a mention's team when every category it
matches belongs to that one team; otherwise the learned router decides.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from tasks.config import TaxonomyFile

NEGATORS = r"(?:no|not|never|without|zero|nothing|isn't|wasn't|aren't|don't|didn't|doesn't|haven't|hasn't|can't)"


def _alternation(phrases: list[str]) -> str:
    return "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))


def _said(phrases: list[str]) -> str:
    return rf"\b(?:{_alternation(phrases)})\b"


def _negated(phrases: list[str]) -> str:
    # "no issues with the delivery", "never had a billing problem": up to three words between.
    # Words in between, not across a comma or a full stop: "not come, now a warranty claim".
    return rf"\b{NEGATORS}\s+(?:[^\s.,;:!?]+\s+){{0,3}}?(?:{_alternation(phrases)})\b"


def category_strength(phrases: list[str], text: pl.Expr | None = None) -> pl.Expr:
    """How many times the category's phrases are said and not negated."""
    text = pl.col("text_norm") if text is None else text
    said = text.str.count_matches(_said(phrases))
    negated = text.str.count_matches(_negated(phrases))
    return (said.cast(pl.Int32) - negated.cast(pl.Int32)).clip(lower_bound=0)


def category_expr(phrases: list[str], text: pl.Expr | None = None) -> pl.Expr:
    return category_strength(phrases, text) > 0


def _found(texts: pl.Series, taxonomy: TaxonomyFile, keys: list[str]) -> np.ndarray:
    """(len(texts), len(keys)) booleans: `category_expr` of each category, computed only
    where it can be true. One regex of every phrase finds the texts that say any (about
    half of them); a category's phrases are counted only in those, and its negated
    phrases only where the category is said and a negator is present (the negation
    pattern, which starts at every short word, is the slow one)."""
    found = np.zeros((len(texts), len(keys)), dtype=bool)
    # ASCII word boundaries here: the phrases begin and end with ASCII letters, so this
    # finds every text the Unicode-aware patterns below can match (and a few more),
    # ten times faster, because Unicode boundaries make the regex engine give up its
    # fast path on non-ASCII text.
    every = _alternation([p for k in keys for p in taxonomy.categories[k].phrases])
    rows = texts.str.contains(rf"(?-u:\b)(?:{every})(?-u:\b)").fill_null(False).arg_true()
    if not len(rows):
        return found
    sub = texts.gather(rows)
    negator = sub.str.contains(rf"\b{NEGATORS}\s").fill_null(False).to_numpy()
    for j, k in enumerate(keys):
        phrases = taxonomy.categories[k].phrases
        strength = sub.str.count_matches(_said(phrases)).fill_null(0).to_numpy().astype(np.int32)
        maybe = np.flatnonzero((strength > 0) & negator)
        if len(maybe):
            strength[maybe] -= sub.gather(maybe).str.count_matches(_negated(phrases)).to_numpy().astype(np.int32)
        found[rows.to_numpy(), j] = strength > 0
    return found


def categories(df: pl.DataFrame, taxonomy: TaxonomyFile, text: pl.Expr | None = None) -> pl.DataFrame:
    """Adds `categories` (sorted category keys) and `rule_teams` (sorted team keys they belong to)."""
    keys = sorted(taxonomy.categories)
    if df.is_empty():
        return df.with_columns(pl.lit([], pl.List(pl.String)).alias("categories"), pl.lit([], pl.List(pl.String)).alias("rule_teams"))
    texts = df.select(pl.col("text_norm") if text is None else text).to_series()
    found = _found(texts, taxonomy, keys)
    # Few distinct sets of categories: each row's set is an index into them.
    sets, which = np.unique(np.packbits(found, axis=1, bitorder="little"), axis=0, return_inverse=True)
    names = [[k for k, f in zip(keys, s) if f] for s in np.unpackbits(sets, axis=1, count=len(keys), bitorder="little").astype(bool)]
    teams = [sorted({taxonomy.categories[k].team for k in n}) for n in names]
    which = pl.Series(which.reshape(-1).astype(np.uint32))
    return df.with_columns(
        pl.Series("categories", names, dtype=pl.List(pl.String)).gather(which),
        pl.Series("rule_teams", teams, dtype=pl.List(pl.String)).gather(which),
    )


def primary_category(df: pl.DataFrame, taxonomy: TaxonomyFile) -> pl.Series:
    """The one category a mention is most about (most phrases said), or null."""
    keys = list(taxonomy.categories)  # config order breaks ties
    strengths = df.select([category_strength(taxonomy.categories[k].phrases).alias(k) for k in keys])
    best = strengths.select(
        pl.when(pl.max_horizontal(keys) > 0).then(pl.concat_list(keys).list.arg_max()).otherwise(None).alias("i")
    ).get_column("i")
    return best.replace_strict(dict(enumerate(keys)), default=None, return_dtype=pl.String).alias("primary_category")
