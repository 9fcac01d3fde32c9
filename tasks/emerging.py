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
        can could did do does doing during each few for from further had has have having he her here hers him his how
        i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours
        over own same she should so some such than that the their them then there these they this those through to too under
        until up very was we were what when where which while who whom why will with would you your yours im ive dont cant
        its it's i'm i've don't can't won't isn't wasn't didn't doesn't get got still even also really like one via rt amp""".split()
    )
)
# ("down" and "out" are not among them: they end phrases customers use, "network down".)
# A negation may start a phrase, not end one: "no signal", "not working", "can't connect".
NEGATIONS = ["no", "not", "never", "can't", "cannot", "won't", "didn't", "doesn't", "isn't", "wasn't", "cant", "dont"]


# A word is letters of any script that spaces words, and may hold digits ("4g", "5g",
# "120hz": stripping them made "4G and 5G" read "g and g"; ASCII-only words made
# "nächsten" read "n"). Any other run of non-space characters (punctuation, emoji, and
# scripts written without spaces, whose runs are whole sentences) is a break: a phrase
# never spans one, so "smells. rather" is no phrase.
_UNSPACED = r"\p{Han}--\p{Hiragana}--\p{Katakana}--\p{Thai}"
_LETTER = rf"[\p{{L}}\p{{N}}--{_UNSPACED}]"
WORD = rf"^{_LETTER}"
WORD_OR_BREAK = (  # a quote mark ends a word: 'activating' is activating
    rf"{_LETTER}(?:[\p{{L}}\p{{N}}'--{_UNSPACED}]*{_LETTER})?|[^\s\p{{L}}\p{{N}}]+|[\p{{L}}\p{{N}}]+"
)


def phrase_posts(df: pl.DataFrame, sizes: tuple[int, ...] = (2, 3), text: str = "text_norm", words: int = 150) -> pl.DataFrame:
    """(post, phrase), each pair once: `post` is the row's position in `df`."""
    return _grams(df, sizes, text, words).unique()


def _grams(df: pl.DataFrame, sizes: tuple[int, ...] = (2, 3), text: str = "text_norm", words: int = 150) -> pl.DataFrame:
    """(post, phrase) for each use of a phrase (a pair repeats when a post repeats the
    phrase). A phrase is n whole words of one clause, neither first nor last a function
    word."""
    if df.is_empty():
        return pl.DataFrame(schema={"post": pl.UInt32, "phrase": pl.String})
    tokens = (
        # The first `words` tokens of a post: a pasted log or a long blog post should not
        # outweigh a hundred tweets, and it bounds the work.
        df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("post"), pl.col(text).str.extract_all(WORD_OR_BREAK).list.head(words).alias("tok"))
        .explode("tok")
        .drop_nulls("tok")
    )
    is_word = pl.col("tok").str.contains(WORD)
    tokens = tokens.with_columns(pl.when(is_word).then(pl.col("tok")).alias("tok"))  # a break is a null
    grams = []
    for n in sizes:
        # A plain shift over the exploded words, kept only where all n words come from
        # one mention and one clause: linear, where a per-mention window would group
        # millions of rows.
        parts = [pl.col("tok").shift(-k) for k in range(n)]
        same = pl.col("post").shift(-(n - 1)) == pl.col("post")
        whole = pl.all_horizontal([p.is_not_null() for p in parts])
        grams.append(
            tokens.select(
                "post",
                pl.concat_str(parts, separator=" ").alias("phrase"),
                (same.fill_null(False) & whole & (~parts[0].is_in(STOPWORDS) | (parts[0].is_in(NEGATIONS) & (n > 1))) & ~parts[-1].fill_null("").is_in(STOPWORDS)).alias("keep"),
            )
            .filter("keep")
            .drop("keep")
        )
    return pl.concat(grams)


def phrase_counts(df: pl.DataFrame, sizes: tuple[int, ...] = (2, 3)) -> pl.DataFrame:
    """(phrase, mentions): in how many of `df`'s mentions each phrase occurs."""
    # Mentions per phrase, each counted once however often it repeats the phrase.
    return _grams(df, sizes).group_by("phrase").agg(pl.col("post").n_unique().cast(pl.UInt32).alias("mentions"))


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

    The lift is add-one smoothed on both sides, (mentions + 1) / (expected + 1) with
    `expected` the baseline's count scaled to the current period: a phrase never seen
    before lifts by its own count plus one, not by a division by (almost) zero.
    Phrases of one template sentence ("4g and 5g", "and 5g down", "5g down again"),
    used by nearly the same posts, are one row: the most used, longest first.
    `ignore` holds words that say nothing about an issue (the brand's own terms)."""
    negative = current.filter(pl.col("sentiment_label") == "negative")
    pairs = _grams(negative)
    now = pairs.group_by("phrase").agg(pl.col("post").n_unique().cast(pl.UInt32).alias("mentions"))
    before = baseline.rename({"mentions": "baseline"})
    ignored = {w.lower() for term in ignore for w in term.split()}
    expected = pl.col("baseline") * max(current_days, 1) / max(baseline_days, 1)
    joined = (
        now.filter(pl.col("mentions") >= min_mentions)
        .join(before, on="phrase", how="left")
        .with_columns(pl.col("baseline").fill_null(0))
        .filter(~pl.col("phrase").str.split(" ").list.eval(pl.element().is_in(list(ignored))).list.all())
        .with_columns(((pl.col("mentions") + 1) / (expected + 1)).round(1).alias("lift"))
        .filter(pl.col("lift") >= min_lift)
        .sort(["mentions", pl.col("phrase").str.len_chars(), "lift", "phrase"], descending=[True, True, True, False])
    )
    if joined.is_empty():
        return []
    joined = joined.head(20 * top)  # enough to fill `top` after merging; each needs its posts
    posts = dict(pairs.filter(pl.col("phrase").is_in(joined.get_column("phrase").implode())).group_by("phrase").agg(pl.col("post").unique()).iter_rows())
    kept: list[dict] = []
    kept_posts: list[set] = []
    for row in joined.iter_rows(named=True):
        mine = set(posts[row["phrase"]])
        # Near-identical posts: a phrase whose posts mostly (80 %) are a kept phrase's
        # posts is the same sentence again ("emergency calls" inside "emergency calls
        # still worked", "moment which smells" beside "rather than radio").
        if any(len(mine & other) >= 0.8 * min(len(mine), len(other)) for other in kept_posts):
            continue
        kept.append({"phrase": row["phrase"], "mentions": row["mentions"], "baseline": row["baseline"], "lift": row["lift"]})
        kept_posts.append(mine)
        if len(kept) >= top:
            break
    return kept
