"""Cleaning: from raw mentions to on-topic, unique, readable mentions.

The text VADER scores (`text_for_sentiment`) keeps case, `!!!`, emoticons, emoji,
negations and "but": they carry the sentiment. Matching and de-duplication use
separate normalised columns. Every row that does not go forward is returned with
its reason, so the stage's counts always add up.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

import ftfy
import polars as pl

from tasks import schema
from tasks.config import Brand, CleaningSettings
from tasks.quarantine import to_quarantine

BLOCK_TAG = r"(?i)<\s*/?\s*(?:p|br|div|li|ul|ol|blockquote|h[1-6])\b[^>]*>"
ANY_TAG = r"<[A-Za-z/!][^>]*>"  # "<3" and "a < b" are not tags
INVISIBLE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
URL = r"https?://[^\s<>\"']+"
HANDLE = r"(?:^|\s)@[\w.]+(?:@[\w.-]+)?"
HASHTAG = r"(?:^|\s)#\w+"
ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
MOJIBAKE = re.compile("[ÂÃâ][\u0080-\u00bf\u20ac\u2018-\u201e\u2122]")

DROP_ORDER = ["empty", "spam", "link_only", "hashtag_stuffed", "off_topic"]
DROP_REASONS = {
    "empty": "empty text",
    "spam": "spam or bot boilerplate",
    "link_only": "links, handles or hashtags only",
    "hashtag_stuffed": "hashtag-stuffed",
    "off_topic": "brand word used off-topic (matches no term once exclusions are removed)",
}


@dataclass
class Cleaned:
    mentions: pl.DataFrame  # clean schema
    dropped: pl.DataFrame  # quarantine schema, disposition "dropped"


def _repair(value: str | None) -> str | None:
    """HTML entities and mojibake, the two text faults polars cannot fix by itself."""
    if value is None:
        return None
    for _ in range(2):  # Reddit and some exports escape twice ("&amp;lt;3")
        if "&" not in value or not ENTITY.search(value):
            break
        value = html.unescape(value)
    if MOJIBAKE.search(value):
        value = ftfy.fix_encoding(value)
    return value


def readable_text(title: pl.Expr, text: pl.Expr) -> pl.Expr:
    """Title and body as one readable string: markup stripped, entities decoded,
    Unicode normalised, whitespace collapsed. Case, punctuation and emoji stay."""
    joined = pl.concat_str([title.fill_null(""), text.fill_null("")], separator="\n\n")
    no_markup = joined.str.replace_all(BLOCK_TAG, "\n").str.replace_all(ANY_TAG, "")
    repaired = no_markup.map_batches(lambda s: pl.Series([_repair(v) for v in s], dtype=pl.String), return_dtype=pl.String)
    return repaired.str.normalize("NFC").str.replace_all(INVISIBLE, "").str.replace_all(r"\s+", " ").str.strip_chars()


def _tokens(col: pl.Expr, pattern: str, prefix: str) -> pl.Expr:
    return col.str.extract_all(pattern).list.eval(pl.element().str.strip_chars().str.strip_chars_start(prefix).str.to_lowercase())


def _phrase_regex(phrases: list[str]) -> str:
    alts = "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))
    return rf"\b(?:{alts})\b"


@lru_cache(maxsize=4)
def _language_identifier(languages: tuple[str, ...]):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(languages))
    return ident


def detect_language(texts: pl.Series, default: str, languages: tuple[str, ...], min_confidence: float = 0.9) -> pl.Series:
    """Language code per text. Short or ambiguous texts get the brand's default language:
    a five-word post in English is often mistaken for Italian, rarely the reverse."""
    ident = _language_identifier(languages)
    out = []
    for text in texts:
        if not text or len(re.findall(r"[^\W\d_]{2,}", text)) < 4:
            out.append(default)
            continue
        lang, prob = ident.classify(text)
        out.append(lang if prob >= min_confidence else default)
    return pl.Series(out, dtype=pl.String)


DETECTABLE = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "ja", "zh", "ru", "ar", "tr")


def clean_mentions(raw: pl.DataFrame, brand: Brand, settings: CleaningSettings) -> Cleaned:
    """Raw rows of one brand to clean rows, plus every dropped row with its reason."""
    raw = schema.conform(raw, "raw")
    text = pl.col("text_for_sentiment")
    df = raw.with_columns(readable_text(pl.col("title"), pl.col("text")).alias("text_for_sentiment"))
    df = df.with_columns(
        _tokens(text, URL, "").alias("urls"),
        _tokens(text, HANDLE, "@").alias("handles"),
        _tokens(text, HASHTAG, "#").alias("hashtags"),
        text.str.to_lowercase().str.replace_all(URL, " ").str.replace_all(r"[@#]", "").str.replace_all(r"\s+", " ").str.strip_chars().alias("text_norm"),
    )
    # What is left once links, handles and hashtags are gone: the words a person wrote.
    words = text.str.replace_all(URL, " ").str.replace_all(HANDLE, " ").str.replace_all(HASHTAG, " ").str.count_matches(r"[^\W\d_]{2,}")
    # Reposts differ by links, handles, an "RT" prefix, emoji, punctuation or spacing.
    dedup_key = (
        text.str.to_lowercase().str.replace_all(URL, " ").str.replace_all(HANDLE, " ").str.replace(r"^\s*rt\b:?", " ")
        .str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()
    )
    relevant_text = pl.col("text_norm")
    if brand.exclude:
        relevant_text = relevant_text.str.replace_all(_phrase_regex(brand.exclude), " ")
    spam = pl.lit(False)
    if settings.spam_patterns:
        spam = text.str.contains("(?i)" + "|".join(f"(?:{p})" for p in settings.spam_patterns))

    df = df.with_columns(words.alias("_words"), dedup_key.alias("_dedup_key")).with_columns(
        pl.when(text.str.len_chars() == 0)
        .then(pl.lit("empty"))
        .when(spam)
        .then(pl.lit("spam"))
        .when(pl.col("_words") < settings.min_words)
        .then(pl.lit("link_only"))
        .when((pl.col("hashtags").list.len() >= 5) & (pl.col("hashtags").list.len() * 2 >= pl.col("_words")))
        .then(pl.lit("hashtag_stuffed"))
        .when(~relevant_text.str.contains(_phrase_regex(brand.terms)))
        .then(pl.lit("off_topic"))
        .otherwise(pl.lit(None, pl.String))
        .alias("_drop")
    )

    kept = df.filter(pl.col("_drop").is_null()).sort("created_at", "mention_id")
    # One canonical mention per day and repost group: the earliest copy stands for all.
    group = ["date", "_dedup_key"]
    kept = kept.with_columns(
        pl.col("mention_id").first().over(group).alias("_canonical"),
        pl.len().over(group).cast(pl.UInt32).alias("dup_count"),
    )
    sources = kept.group_by(group).agg(pl.col("source").unique().sort().alias("dup_sources"))
    canonical = kept.filter(pl.col("mention_id") == pl.col("_canonical")).join(sources, on=group, how="left")
    copies = kept.filter(pl.col("mention_id") != pl.col("_canonical"))

    default_lang = brand.languages[0]
    languages = tuple(sorted(set(DETECTABLE) | set(brand.languages)))
    canonical = canonical.with_columns(
        pl.coalesce(
            pl.col("lang_hint").str.to_lowercase().str.extract(r"^([a-z]{2,3})\b"),
            pl.col("text_for_sentiment").map_batches(lambda s: detect_language(s, default_lang, languages), return_dtype=pl.String),
        ).alias("lang")
    )

    dropped = pl.concat(
        [
            df.filter(pl.col("_drop").is_not_null()).with_columns(
                pl.col("_drop").replace_strict(DROP_REASONS, return_dtype=pl.String).alias("reason")
            ),
            copies.with_columns(pl.format("duplicate of {}", pl.col("_canonical")).alias("reason")),
        ],
        how="diagonal_relaxed",
    )
    return Cleaned(schema.conform(canonical, "clean"), to_quarantine(dropped, "clean", "dropped"))
