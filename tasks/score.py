"""Sentiment with NLTK's VADER, loaded from files on disk, never downloaded.

NLTK normally downloads its VADER lexicon; the `vadersentiment` wheel ships the same
lexicon and an emoji lexicon. The lexicon is copied (NLTK refuses hard links and
`file:` paths outside its data roots) into a private NLTK data folder, then loaded by
its relative name. NLTK's VADER ignores emoji, so emoji are first replaced by the
words the emoji lexicon gives them. Domain words from config adjust the lexicon.

VADER is pure Python, so threads cannot share the work: large batches of distinct
texts are split across worker processes, each loading the analyzer once. Two thirds
of NLTK's time per text goes to tokenising (it builds every punctuation-word pairing
of the text to strip punctuation off words); `_Vader` does that once per distinct
token instead and leaves the scoring arithmetic to NLTK, with identical results.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import lru_cache
from pathlib import Path

import polars as pl

from tasks.config import ParallelSettings, SentimentSettings
from tasks.parallel import available_workers, map_chunks

LEXICON = "sentiment/vader_lexicon.txt"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\s*\n\s*")  # a line (paragraph, heading, list item, table row) always ends one


def nltk_data_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "social-pulse" / "nltk_data"
    return Path(os.environ.get("PULSE_NLTK_DATA", default))


def _vader_files() -> Path:
    import vaderSentiment

    return Path(vaderSentiment.__file__).parent


def _vader_class():
    from nltk.sentiment.vader import SentimentIntensityAnalyzer, SentiText

    class _Vader(SentimentIntensityAnalyzer):
        """NLTK's VADER with its tokens cached. NLTK replaces a token by its word without
        leading or trailing punctuation ("great!!!" -> "great") when that word, stripped
        of all punctuation, is also a word of the text; it always is (it is the token's
        own), so the replacement depends on the token alone, and NLTK's SentiText of the
        single token gives it. Texts repeat tokens endlessly; each is worked out once.
        The loop below is NLTK's `polarity_scores` (3.10) without the tokenising."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._tokens: dict[str, str] = {}

        def _token(self, token: str) -> str:
            word = self._tokens.get(token)
            if word is None:
                if len(self._tokens) > 500_000:  # an endless stream of new tokens must not grow it for ever
                    self._tokens.clear()
                word = self._tokens[token] = SentiText(token, self.constants.PUNC_LIST, self.constants.REGEX_REMOVE_PUNCTUATION).words_and_emoticons[0]
            return word

        def polarity_scores(self, text):
            words = [self._token(t) for t in text.split() if len(t) > 1]
            sentitext = _Tokens(words, SentiText.allcap_differential(None, words))
            sentiments, first_index, boosters = [], {}, self.constants.BOOSTER_DICT
            for idx, token in enumerate(words):
                first_index.setdefault(token, idx)
            for item in words:
                i = first_index[item]  # NLTK scores a repeated token at its first place
                lowered = item.lower()
                if (i < len(words) - 1 and lowered == "kind" and words[i + 1].lower() == "of") or lowered in boosters:
                    sentiments.append(0)
                    continue
                sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
            sentiments = self._but_check(words, sentiments)
            return self.score_valence(sentiments, text)

    return _Vader


class _Tokens:
    """What NLTK's scoring methods read of a SentiText."""

    __slots__ = ("words_and_emoticons", "is_cap_diff")

    def __init__(self, words: list[str], is_cap_diff: bool):
        self.words_and_emoticons, self.is_cap_diff = words, is_cap_diff


@lru_cache(maxsize=1)
def _base_analyzer():
    import nltk

    shipped = _vader_files() / "vader_lexicon.txt"
    target = nltk_data_dir() / LEXICON
    if not target.is_file() or target.stat().st_size != shipped.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(shipped, tmp)  # a copy, not a link: NLTK refuses hard-linked files
        os.replace(tmp, target)
    if str(target.parents[1]) not in nltk.data.path:
        nltk.data.path.insert(0, str(target.parents[1]))
    return _vader_class()(lexicon_file=LEXICON)


@lru_cache(maxsize=8)
def analyzer(lexicon: tuple[tuple[str, float], ...] = ()):
    """VADER with the domain words applied. Keyed by the (hashable) lexicon so each
    config gets its own analyzer and the shared base stays untouched."""
    import copy

    base = _base_analyzer()
    if not lexicon:
        return base
    sia = copy.copy(base)
    sia.lexicon = {**base.lexicon, **dict(lexicon)}
    sia.constants = base.constants
    return sia


@lru_cache(maxsize=1)
def emoji_words() -> tuple[list[str], list[str]]:
    """(emoji, " description ") pairs from vaderSentiment's emoji lexicon."""
    pairs = []
    for line in (_vader_files() / "emoji_utf8_lexicon.txt").read_text(encoding="utf-8").splitlines():
        emoji, _, words = line.partition("\t")
        if emoji and words:
            pairs.append((emoji, f" {words.strip()} "))
    pairs.sort(key=lambda p: len(p[0]), reverse=True)  # longest first: sequences before their parts
    return [p[0] for p in pairs], [p[1] for p in pairs]


def emoji_to_words(texts: pl.Expr) -> pl.Expr:
    emoji, words = emoji_words()
    return texts.str.replace_many(emoji, words)


def compound(text: str, split_chars: int, lexicon: tuple[tuple[str, float], ...] = ()) -> float:
    """VADER compound score; long texts are scored per sentence and averaged, because
    VADER's normalisation saturates towards +/-1 on long texts."""
    sia = analyzer(lexicon)
    if len(text) <= split_chars:
        return sia.polarity_scores(text)["compound"]
    sentences = [s for s in SENTENCE_END.split(text) if s.strip()]
    scores = [sia.polarity_scores(s)["compound"] for s in sentences]
    return sum(scores) / len(scores) if scores else 0.0


def _score_chunk(args: tuple[list[str], int, tuple[tuple[str, float], ...]]) -> list[float]:
    texts, split_chars, lexicon = args
    return [compound(t, split_chars, lexicon) for t in texts]


def score_texts(texts: list[str], settings: SentimentSettings, workers: int | None = None, parallel: ParallelSettings = ParallelSettings()) -> list[float]:
    """Compound scores of `texts`, in order, on `workers` processes (config's `parallel` by default)."""
    lexicon = tuple(sorted(settings.lexicon.items()))
    workers = available_workers(parallel.workers) if workers is None else workers
    return map_chunks(_score_chunk, texts, settings.sentence_split_chars, lexicon, workers=workers, min_items=parallel.min_items)


def score_sentiment(df: pl.DataFrame, settings: SentimentSettings, scored_languages: list[str], parallel: ParallelSettings = ParallelSettings()) -> pl.DataFrame:
    """Adds `sentiment` and `sentiment_label`. Each distinct text is scored once;
    languages VADER's English lexicon cannot read are left unscored."""
    to_score = pl.col("lang").is_in(scored_languages)
    # Long posts are judged on what they say about the brand; the whole text is scored beside it.
    brand_text = pl.col("text_brand") if "text_brand" in df.columns else pl.lit(None, pl.String)
    df = df.with_columns(
        emoji_to_words(pl.coalesce(brand_text, pl.col("text_for_sentiment"))).alias("_vader_text"),
        emoji_to_words(pl.col("text_for_sentiment")).alias("_vader_whole"),
    )
    wanted = df.filter(to_score)
    texts = pl.concat([wanted.select(pl.col("_vader_text")), wanted.select(pl.col("_vader_whole").alias("_vader_text"))]).unique().sort("_vader_text")
    texts = texts.with_columns(pl.Series("sentiment", score_texts(texts.get_column("_vader_text").to_list(), settings, parallel=parallel), dtype=pl.Float64))
    s = pl.col("sentiment")
    return (
        df.join(texts, on="_vader_text", how="left")
        .join(texts.rename({"_vader_text": "_vader_whole", "sentiment": "sentiment_whole"}), on="_vader_whole", how="left")
        .drop("_vader_text", "_vader_whole")
        .with_columns(
            pl.when(to_score).then(s).otherwise(None).alias("sentiment"),
            pl.when(to_score).then(pl.col("sentiment_whole")).otherwise(None).alias("sentiment_whole"),
        )
        .with_columns(
            pl.when(s.is_null())
            .then(pl.lit("unscored"))
            .when(s >= settings.positive_threshold)
            .then(pl.lit("positive"))
            .when(s <= settings.negative_threshold)
            .then(pl.lit("negative"))
            .otherwise(pl.lit("neutral"))
            .alias("sentiment_label")
        )
    )
