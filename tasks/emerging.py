"""Emerging issues: phrases whose use among negative mentions jumps against the brand's
recent baseline, reported in the customers' own words.

Phrases are word n-grams (two and three words) counted once per mention. A phrase is
emerging when it is used in at least `min_mentions` negative mentions of the period
and its daily rate is at least `min_lift` times its (add-one smoothed) baseline rate.
"""

from __future__ import annotations

import threading

import numpy as np
import polars as pl

from tasks.tfidf import matches

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
    return PhraseCut().pairs(df.get_column(text), sizes, words)


def _cut(texts: pl.Series, sizes: tuple[int, ...], words: int) -> pl.DataFrame:
    """(post, phrase, size, start) for each use of a phrase in `texts` (`post` the text's
    position; a pair repeats when a text repeats the phrase; `start` the position of its
    first word among the text's tokens). A phrase is n whole words of one clause, neither
    first nor last a function word."""
    schema = {"post": pl.UInt32, "phrase": pl.String, "size": pl.UInt8, "start": pl.UInt32}
    if texts.is_empty():
        return pl.DataFrame(schema=schema)
    tok = matches(texts, WORD_OR_BREAK).list.head(words)
    tokens = (
        # The first `words` tokens of a post: a pasted log or a long blog post should not
        # outweigh a hundred tweets, and it bounds the work.
        pl.DataFrame({"post": pl.int_range(len(texts), dtype=pl.UInt32, eager=True), "tok": tok})
        .with_columns(pl.int_ranges(0, pl.col("tok").list.len(), dtype=pl.UInt32).alias("start"))
        .explode("tok", "start")
        .drop_nulls("tok")
    )
    is_word = pl.col("tok").str.contains(WORD)
    tokens = tokens.with_columns(pl.when(is_word).then(pl.col("tok")).alias("tok"))  # a break is a null
    # Whether each token may start or end a phrase, once: phrases are then joined only
    # where they are kept, not built for every position and mostly thrown away.
    tokens = tokens.with_columns(
        pl.col("tok").is_in(STOPWORDS).fill_null(True).alias("_stop"), pl.col("tok").is_in(NEGATIONS).fill_null(False).alias("_neg"),
    )
    grams = []
    for n in sizes:
        # A plain shift over the exploded words, kept only where all n words come from
        # one mention and one clause: linear, where a per-mention window would group
        # millions of rows.
        parts = [pl.col("tok").shift(-k) for k in range(n)]
        same = pl.col("post").shift(-(n - 1)) == pl.col("post")
        whole = pl.all_horizontal([p.is_not_null() for p in parts])
        keep = same.fill_null(False) & whole & (~pl.col("_stop") | (pl.col("_neg") & (n > 1))) & ~pl.col("_stop").shift(-(n - 1)).fill_null(True)
        grams.append(
            tokens.select("post", "start", *[p.alias(f"_t{k}") for k, p in enumerate(parts)], keep.alias("_keep"))
            .filter("_keep")
            .select("post", pl.concat_str([f"_t{k}" for k in range(n)], separator=" ").alias("phrase"), pl.lit(n, dtype=pl.UInt8).alias("size"), "start")
        )
    return pl.concat(grams)


def distinct_texts(texts: pl.Series) -> pl.DataFrame:
    """(text, copies) of each distinct text, in order of first use: deterministic,
    without sorting a week of long strings."""
    return texts.to_frame("text").group_by("text", maintain_order=True).agg(pl.len().cast(pl.UInt32).alias("copies"))


class PhraseCut:
    """Each distinct text's phrases, cut once and kept for whoever asks next.

    A week's negative posts are cut for the emerging phrases, the weeks before them for
    their baseline, and the complaints again for the discovered issues' labels; reposts
    and templates are one text. So the work grows with the distinct texts asked for
    (all of a week's and its baseline's once, however many copies each has), not with
    mentions. Phrases are cut up to `sizes` words from the first `words` tokens;
    `pairs` hands out any fewer (a phrase within the first 80 tokens is the phrase
    a cut of 80 would give)."""

    def __init__(self, sizes: tuple[int, ...] = (1, 2, 3), words: int = 150):
        self.sizes, self.words = tuple(sizes), words
        self._ids = pl.DataFrame(schema={"text": pl.String, "text_id": pl.UInt32})
        self._grams = pl.DataFrame(schema={"text_id": pl.UInt32, "phrase": pl.String, "size": pl.UInt8, "start": pl.UInt32})
        # A period's complaints and praise are discovered on two threads sharing one cut:
        # ids are handed out and the kept phrases extended by one reader at a time.
        self._lock = threading.Lock()

    @property
    def texts_cut(self) -> int:
        """Distinct texts cut so far."""
        return self._ids.height

    def pairs(self, texts: pl.Series, sizes: tuple[int, ...] = (2, 3), words: int = 150) -> pl.DataFrame:
        """(post, phrase), each pair once, as a cut of `texts` would give: `post` is the
        text's position in `texts`."""
        if not set(sizes) <= set(self.sizes) or words > self.words:
            raise ValueError(f"phrases of {sizes} words within {words} tokens: this cut holds {self.sizes} within {self.words}")
        asked = pl.DataFrame({"text": texts.cast(pl.String)}).with_row_index("post")
        with self._lock:
            new = asked.select("text").drop_nulls().unique().join(self._ids, on="text", how="anti")
            if new.height:
                offset = self._ids.height
                new = new.with_row_index("text_id", offset=offset)
                grams = _cut(new.get_column("text"), self.sizes, self.words)
                self._ids = pl.concat([self._ids, new.select("text", "text_id")])
                self._grams = pl.concat([self._grams, grams.select((pl.col("post") + offset).alias("text_id"), "phrase", "size", "start")])
            ids, grams = self._ids, self._grams
        wanted = grams.filter(pl.col("size").is_in(list(sizes)) & (pl.col("start") + pl.col("size") <= words))
        return asked.join(ids, on="text").join(wanted, on="text_id").select("post", "phrase").unique()

    def posts(self, df: pl.DataFrame, text: str = "text_norm", sizes: tuple[int, ...] = (2, 3)) -> tuple[pl.DataFrame, pl.DataFrame]:
        """`df`'s distinct texts as (post, copies), and their (post, phrase) pairs: a
        phrase's mentions are the copies of the posts using it."""
        distinct = distinct_texts(df.get_column(text)).with_row_index("post")
        return distinct.select("post", "copies"), self.pairs(distinct.get_column("text"), sizes)


def phrase_counts(df: pl.DataFrame, sizes: tuple[int, ...] = (2, 3), cut: PhraseCut | None = None) -> pl.DataFrame:
    """(phrase, mentions): in how many of `df`'s mentions each phrase occurs."""
    # Mentions per phrase, each counted once however often it repeats the phrase.
    copies, pairs = (cut or PhraseCut()).posts(df, sizes=sizes)
    return pairs.join(copies, on="post").group_by("phrase").agg(pl.col("copies").sum().cast(pl.UInt32).alias("mentions"))


def negative_phrase_counts(df: pl.DataFrame, cut: PhraseCut | None = None) -> pl.DataFrame:
    """phrase_counts of the negative mentions: a baseline for emerging_phrases. Counts of
    disjoint sets of mentions (days, say) add up."""
    return phrase_counts(df.filter(pl.col("sentiment_label") == "negative"), cut=cut)


def summed_counts(counts: list[pl.DataFrame]) -> pl.DataFrame:
    """negative_phrase_counts of disjoint periods (days) as one period's."""
    return pl.concat(counts).group_by("phrase").agg(pl.col("mentions").sum())


def emerging_phrases(
    current: pl.DataFrame,
    baseline: pl.DataFrame,
    current_days: int,
    baseline_days: int,
    ignore: list[str],
    min_mentions: int = 3,
    min_lift: float = 3.0,
    top: int = 10,
    cut: PhraseCut | None = None,
    counts: pl.DataFrame | None = None,
) -> list[dict]:
    """Phrases rising among the negative mentions of `current` against `baseline`, the
    negative_phrase_counts of the baseline period.

    The lift is add-one smoothed on both sides, (mentions + 1) / (expected + 1) with
    `expected` the baseline's count scaled to the current period: a phrase never seen
    before lifts by its own count plus one, not by a division by (almost) zero.
    Phrases of one template sentence ("4g and 5g", "and 5g down", "5g down again"),
    used by nearly the same posts, are one row: the most used, longest first.
    `ignore` holds words that say nothing about an issue (the brand's own terms);
    `counts` the negative_phrase_counts of `current` when known (the daily boards keep
    them per day), else cut here, with `cut` the phrases already cut of its texts."""
    negative = current.filter(pl.col("sentiment_label") == "negative")
    now = phrase_counts(negative, cut=cut) if counts is None else counts
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
    copies, posts = _posts_holding(negative.get_column("text_norm"), joined.get_column("phrase").to_list())
    kept: list[dict] = []
    kept_posts: list[np.ndarray] = []

    def mentions(posts: np.ndarray) -> int:
        return int(copies[posts].sum())

    for row in joined.iter_rows(named=True):
        mine = posts.get(row["phrase"], np.empty(0, np.int64))
        # Near-identical posts: a phrase whose mentions mostly (80 %) are a kept phrase's
        # mentions is the same sentence again ("emergency calls" inside "emergency calls
        # still worked", "moment which smells" beside "rather than radio"). A post stands
        # for its copies.
        if len(mine) and any(
            mentions(np.intersect1d(mine, other, assume_unique=True)) >= 0.8 * min(mentions(mine), mentions(other)) for other in kept_posts
        ):
            continue
        kept.append({"phrase": row["phrase"], "mentions": row["mentions"], "baseline": row["baseline"], "lift": row["lift"]})
        kept_posts.append(mine)
        if len(kept) >= top:
            break
    return kept


def _posts_holding(texts: pl.Series, phrases: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The copies of each distinct text of `texts`, and for each phrase the (sorted)
    positions of the distinct texts holding it: one Aho-Corasick pass over the texts for
    all phrases, where cutting a week of a million mentions into phrases again took
    seconds. A phrase is held as a substring ("no signal" in "no signals" too): close
    enough to tell posts of one template apart from others."""
    distinct = distinct_texts(texts)
    found = (
        distinct.lazy()
        .select(pl.int_range(pl.len(), dtype=pl.Int64).alias("post"), pl.col("text").str.extract_many(phrases, overlapping=True).alias("phrase"))
        .explode("phrase")
        .drop_nulls("phrase")
        .unique(["phrase", "post"])
        .group_by("phrase")
        .agg(pl.col("post").sort())
        .collect(engine="streaming")
    )
    return distinct.get_column("copies").to_numpy(), {p: np.asarray(ps, dtype=np.int64) for p, ps in found.iter_rows()}
