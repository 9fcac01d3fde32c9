"""TF-IDF of words and word pairs, cut by polars: what scikit-learn's
`TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words=...)` computes, at
the speed of polars' multi-threaded string kernels.

scikit-learn's analyzer runs in Python, text by text: on a week of the million-mention
benchmark (about 400,000 distinct complaints) its transform took 26 of discovery's
40 seconds. Here the words of a chunk of texts are one exploded column, the pairs a
shift of it (of integer word ids when transforming), and the counts a join on the
vocabulary.

The definitions are scikit-learn's: words are `TOKEN` in lower-cased text, stop words
are dropped before pairs are formed (so a pair may span one), a term is kept when in
at least `min_df` texts and at most `max_df` of them, idf = ln((1 + n) / (1 + df)) + 1,
term frequency 1 + ln(count), rows of unit length. One difference: polars' regex counts
combining marks as word characters (Python's does not), so a Hindi or Thai word is not
split at its vowel signs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

# scikit-learn's English stop words (`sklearn.feature_extraction.text.ENGLISH_STOP_WORDS`,
# BSD-3-Clause), held here so that discovery does not import scikit-learn (a second of
# the weekly summary); tests/test_tfidf.py checks the copy against the library's.
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone anything
    anyway anywhere are around as at back be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond bill both bottom but by call can
    cannot cant co con could couldnt cry de describe detail do done down due during each eg
    eight either eleven else elsewhere empty enough etc even ever every everyone everything
    everywhere except few fifteen fifty fill find fire first five for former formerly forty
    found four from front full further get give go had has hasnt have he hence her here
    hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in
    inc indeed interest into is it its itself keep last latter latterly least less ltd made many
    may me meanwhile might mill mine more moreover most mostly move much must my myself name
    namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere
    of off often on once one only onto or other others otherwise our ours ourselves out over own
    part per perhaps please put rather re same see seem seemed seeming seems serious several she
    should show side since sincere six sixty so some somehow someone something sometime
    sometimes somewhere still such system take ten than that the their them themselves then
    thence there thereafter thereby therefore therein thereupon these they thick thin third this
    those though three through throughout thru thus to together too top toward towards twelve
    twenty two un under until up upon us very via was we well were what whatever when whence
    whenever where whereafter whereas whereby wherein whereupon wherever whether which while
    whither who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves
    """.split()
)

# Two or more word characters, the first not an underscore ("4g" and "nächsten" are words).
TOKEN = r"\b[^\W_][\w']+\b"
CHUNK = 100_000  # texts tokenised at once: bounds the exploded columns' memory


def matches(texts: pl.Series, pattern: str) -> pl.Series:
    """`texts.str.extract_all(pattern)`, on every core: the streaming engine splits the
    column (eager polars runs one column's regex on one core; half the time on two)."""
    name = texts.name
    return pl.LazyFrame({name: texts}).select(pl.col(name).str.extract_all(pattern)).collect(engine="streaming").to_series()


def words(texts: pl.Series, stop_words: list[str]) -> pl.DataFrame:
    """(doc, term): each word of each text but stop words, in order; `doc` is the text's
    position in `texts`."""
    return (
        matches(texts.cast(pl.String).fill_null("").str.to_lowercase(), TOKEN).alias("term").to_frame()
        .with_row_index("doc")
        .explode("term")
        .drop_nulls("term")
        .filter(~pl.col("term").is_in(pl.Series(stop_words, dtype=pl.String).implode()))
    )


def terms(texts: pl.Series, stop_words: list[str]) -> pl.DataFrame:
    """(doc, term): every word and word pair of each text, a pair of the words left once
    stop words are out; `doc` is the text's position in `texts`."""
    words_ = words(texts, stop_words)
    pairs = words_.select(
        "doc",
        pl.concat_str([pl.col("term"), pl.col("term").shift(-1)], separator=" ").alias("term"),
        (pl.col("doc").shift(-1) == pl.col("doc")).alias("_same"),
    ).filter("_same").drop("_same")
    return pl.concat([words_, pairs])


def unit_rows(x):
    """`x` (a dense float array or a CSR matrix) with each row scaled to unit length, in
    place; rows of zeros stay zeros (scikit-learn's `normalize`)."""
    if isinstance(x, np.ndarray):
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]  # no squared copy of x (norm makes one)
        norms[norms == 0] = 1
        x /= norms  # a week's vectors are hundreds of megabytes: no copy
        return x
    counts = np.diff(x.indptr)
    # Sums of squares row by row; the 0 appended keeps reduceat's index of an empty last
    # row in range (an empty row's "sum" is its neighbour's, and is not used).
    norms = np.sqrt(np.add.reduceat(np.append(np.square(x.data, dtype=np.float64), 0.0), x.indptr[:-1]))
    norms[(counts == 0) | (norms == 0)] = 1
    x.data /= np.repeat(norms.astype(x.dtype), counts)
    return x


@dataclass(frozen=True)
class Tfidf:
    vocabulary: pl.DataFrame  # term (sorted), col, idf
    stop_words: list[str]

    @classmethod
    def fit(cls, texts: pl.Series, stop_words: list[str], min_df: int = 1, max_df: float = 1.0) -> "Tfidf":
        """Raises ValueError when no term is left, as scikit-learn does."""
        n = len(texts)
        df = terms(texts, stop_words).unique().group_by("term").len("df")
        df = df.filter((pl.col("df") >= min_df) & (pl.col("df") <= max_df * n)).sort("term")
        if df.is_empty():
            raise ValueError("no terms remain: every word is a stop word or outside min_df/max_df")
        vocabulary = df.select(
            "term",
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("col"),
            (((1 + n) / (1 + pl.col("df"))).log() + 1).cast(pl.Float32).alias("idf"),
        )
        return cls(vocabulary, list(stop_words))

    @property
    def feature_names(self) -> np.ndarray:
        return self.vocabulary.get_column("term").to_numpy()

    def transform(self, texts: pl.Series):
        """A scipy CSR matrix, one unit-length row per text (a row of zeros when no term of
        the text is in the vocabulary).

        Words become integers before pairs are formed: a pair is then a sum of two ids
        joined on integers (1.7 times faster than the strings of `terms` on the
        benchmark's week, the same matrix). Only words of the vocabulary's terms get an
        id: a pair with any other word is in no vocabulary, as its document frequency
        is at most that word's."""
        from scipy.sparse import csr_matrix, vstack

        if texts.is_empty():
            return csr_matrix((0, self.vocabulary.height), dtype=np.float32)
        known, pairs = self._lookups()
        width = known.height
        parts = []
        for start in range(0, len(texts), CHUNK):
            chunk = texts.slice(start, CHUNK)
            tokens = (
                words(chunk, self.stop_words)
                .join(known, left_on="term", right_on="word", how="left", maintain_order="left")  # an unknown word: a null id, in no pair
                .select("doc", "wid", "col")
            )
            single = tokens.filter(pl.col("col").is_not_null())
            double = (
                tokens.select("doc", (pl.col("wid") * pl.lit(width, pl.UInt64) + pl.col("wid").shift(-1)).alias("key"), (pl.col("doc").shift(-1) == pl.col("doc")).alias("_same"))
                .filter("_same")
                .join(pairs, on="key", how="inner", maintain_order="left")
            )
            # Rows in document order: each part is a CSR matrix as it stands; their sum adds
            # a text's repeated terms up (the counts, without a group-by).
            tf = self._rows(single, len(chunk)) + self._rows(double, len(chunk))
            tf.sum_duplicates()
            tf.data = (1 + np.log(tf.data)) * self._idf[tf.indices]
            parts.append(unit_rows(tf))
        return parts[0] if len(parts) == 1 else vstack(parts, format="csr")

    @property
    def _idf(self) -> np.ndarray:
        return self.vocabulary.get_column("idf").to_numpy()

    def _lookups(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(word, wid, col): each word of the vocabulary's terms, its id and its own column
        (null when it is no term alone); (key, col): each pair's column by its ids' key."""
        split = self.vocabulary.select(pl.col("term").str.split(" ").alias("w"), "col")
        words = (
            split.select(pl.col("w").list.first()).vstack(split.select(pl.col("w").list.last()))
            .unique().sort("w").select(pl.col("w").alias("word")).with_row_index("wid")
            .with_columns(pl.col("wid").cast(pl.UInt64))
        )
        words = words.join(split.filter(pl.col("w").list.len() == 1).select(pl.col("w").list.first().alias("word"), "col"), on="word", how="left")
        first, second = (words.select(pl.col("word").alias(f"w{k}"), pl.col("wid").alias(f"id{k}")) for k in (0, 1))
        pairs = (
            split.filter(pl.col("w").list.len() == 2)
            .select(pl.col("w").list.first().alias("w0"), pl.col("w").list.last().alias("w1"), "col")
            .join(first, on="w0").join(second, on="w1")
            .select((pl.col("id0") * pl.lit(words.height, pl.UInt64) + pl.col("id1")).alias("key"), "col")
        )
        return words, pairs

    def _rows(self, cells: pl.DataFrame, n: int):
        """A CSR matrix of ones at each (doc, col) of `cells`, which are in doc order."""
        from scipy.sparse import csr_matrix

        docs = cells.get_column("doc").to_numpy()
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(docs, minlength=n), out=indptr[1:])
        cols = cells.get_column("col").to_numpy().astype(np.int32)
        return csr_matrix((np.ones(len(cols), np.float32), cols, indptr), shape=(n, self.vocabulary.height))

