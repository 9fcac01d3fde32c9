"""Cleaning: from raw mentions to on-topic, unique, readable mentions.

The text VADER scores (`text_for_sentiment`) keeps case, `!!!`, emoticons, emoji,
negations and "but": they carry the sentiment. Matching and de-duplication use
separate normalised columns. Every row that does not go forward is returned with
its reason, so the stage's counts always add up.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import partial

import ftfy
import polars as pl

from tasks import extract, schema
from tasks.config import Brand, CleaningSettings, ParallelSettings
from tasks.dedup import near_duplicate_groups
from tasks.language import identifier
from tasks.parallel import map_distinct
from tasks.privacy import mask_pii
from tasks.quarantine import to_quarantine
from tasks.terms import BrandNames, term_pattern

BLOCK_TAG = re.compile(r"(?i)<\s*/?\s*(?:p|br|div|li|ul|ol|blockquote|h[1-6]|tr|td|th|table|section|article|header|footer|nav)\b[^>]*>")
ANY_TAG = re.compile(r"<[A-Za-z/!][^>]*>")  # "<3" and "a < b" are not tags
# Written with \xhh and \uhhhh escapes, which Python's and polars' regex engines both read.
INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
URL = r"https?://[^\s<>\"']+"
# Bluesky handles are domain names with hyphens (@ferc-cgt.bsky.social); a trailing "." or "-" is punctuation.
HANDLE = r"(?:^|\s)@\w(?:[\w.-]*\w)?(?:@\w(?:[\w.-]*\w)?)?"
HASHTAG = r"(?:^|\s)#\w+"
ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
MOJIBAKE = re.compile(r"[\u00c2\u00c3\u00e2][\u0080-\u00bf\u20ac\u2018-\u201e\u2122]")
SPACES = re.compile(r"[^\S\n]+")  # runs of spaces; line breaks are paragraph breaks and stay
BREAKS = re.compile(r" ?\n\s*")
ASCII_SUSPECT = re.compile("[<&\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # plain ASCII without these needs no repair
# A text with none of these, in NFC already, comes out of _repair as it went in, but for
# its whitespace: most texts, whatever their script or emoji, need no Python at all.
NEEDS_REPAIR = f"[<&]|{INVISIBLE.pattern}|{MOJIBAKE.pattern}"

WORD_OR_EMOJI = r"[^\W\d_]{2,}|\p{Extended_Pictographic}"
DROP_REASONS = {
    "empty": "empty text",
    "spam": "spam or bot boilerplate",
    "link_only": "links, handles or hashtags only",
    "hashtag_stuffed": "hashtag-stuffed",
    "boilerplate": "boilerplate repeated by many authors",
    "off_topic": "brand word used off-topic (matches no term once exclusions are removed)",
}


@dataclass
class Cleaned:
    mentions: pl.DataFrame  # clean schema
    dropped: pl.DataFrame  # quarantine schema, disposition "dropped"


def _repair(value: str | None) -> str | None:
    """Markup, HTML entities, invisible characters, Unicode composition and mojibake,
    repeated until nothing changes: decoding can reveal markup ("&lt;b&gt;"), stripping
    can reveal an entity ("&am<i>p;") and removing a zero-width space can reveal
    mojibake, and cleaning clean text must change nothing."""
    if value is None or (value.isascii() and not ASCII_SUSPECT.search(value)):
        return value
    for _ in range(8):  # real texts settle in one or two rounds
        previous = value
        value = ANY_TAG.sub("", BLOCK_TAG.sub("\n", value))
        if ENTITY.search(value):
            value = html.unescape(value)
        value = unicodedata.normalize("NFC", INVISIBLE.sub("", value))
        if MOJIBAKE.search(value):
            value = ftfy.fix_encoding(value)
        value = squeeze(value)  # ftfy reads context: judge the text as it will be stored
        if value == previous:
            break
    return value


def squeeze(value: str) -> str:
    """Spaces collapsed, one line break between paragraphs, ends stripped."""
    return BREAKS.sub("\n", SPACES.sub(" ", value)).strip()


def squeeze_expr(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"[^\S\n]+", " ").str.replace_all(r" ?\n\s*", "\n").str.strip_chars()


def _repair_chunk(args: tuple[list[str | None]]) -> list[str | None]:
    return [_repair(v) for v in args[0]]


def _repair_series(texts: pl.Series, parallel: ParallelSettings) -> pl.Series:
    needs = (texts.str.contains(NEEDS_REPAIR) | (texts.str.normalize("NFC") != texts)).fill_null(False)
    if not needs.any():
        return texts
    return texts.scatter(needs.arg_true(), map_distinct(texts.filter(needs), _repair_chunk, parallel=parallel))


def readable_text(title: pl.Expr, text: pl.Expr, parallel: ParallelSettings = ParallelSettings()) -> pl.Expr:
    """Title and body as one readable string: markup stripped, entities decoded,
    Unicode normalised, spaces collapsed, one line between paragraphs. Case,
    punctuation and emoji stay."""
    joined = pl.concat_str([title.fill_null(""), text.fill_null("")], separator="\n\n")
    repaired = joined.map_batches(partial(_repair_series, parallel=parallel), return_dtype=pl.String)
    return squeeze_expr(repaired)


@dataclass(frozen=True)
class _BlockRules:
    chrome: re.Pattern | None
    comments: re.Pattern | None
    spam: re.Pattern | None
    phrases: tuple[re.Pattern, ...]


def _rules(settings: CleaningSettings) -> _BlockRules:
    def one(patterns: list[str]) -> re.Pattern | None:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None

    return _BlockRules(one(settings.chrome_patterns + settings.chrome_block_patterns), one(settings.comment_section_patterns), one(settings.spam_patterns),
                       tuple(re.compile(p, re.IGNORECASE) for p in settings.chrome_patterns))


def long_text(title: str | None, body: str | None, rules: _BlockRules) -> str:
    """A page or long post as its own blocks, one per line: the main content of HTML
    (trafilatura), chrome and bot comments removed as blocks, the comment section cut."""
    body = body or ""
    main = extract.main_text(body) if extract.BLOCK_TAGS.search(body) else None
    main = _repair(main if main is not None else body) or ""
    blocks = extract.drop_chrome(extract.blocks_of(main), rules.chrome, rules.comments, rules.spam)
    if title and title.strip():
        blocks = [" ".join((_repair(title) or "").split())] + blocks
    text = "\n".join(blocks)
    for p in rules.phrases:  # what the short-text path cuts, so cleaning twice changes nothing
        text = p.sub(" ", text)
    return squeeze(text)


def _long_chunk(args: tuple[list[tuple[str | None, str | None]], _BlockRules]) -> list[str]:
    rows, rules = args
    return [long_text(t, b, rules) for t, b in rows]


def page_text(df: pl.DataFrame, settings: CleaningSettings, parallel: ParallelSettings = ParallelSettings()) -> pl.Series:
    """`text_for_sentiment` before masking: pages (HTML with page structure) over
    `long_text_chars` and any text over `long_plain_chars` block by block, in Python; the
    rest, nearly every post, in polars."""
    df = df.select("title", "text")  # filtering the raw rows' other columns (payloads) costs as much as cleaning
    length = df.get_column("text").str.len_chars()
    long = (length > settings.long_plain_chars).fill_null(False)
    maybe = ((length > settings.long_text_chars) & ~long).fill_null(False)
    if maybe.any():  # the tag test reads only the few texts that are long enough
        page = df.get_column("text").filter(maybe).str.contains(extract.BLOCK_TAGS.pattern).fill_null(False)
        long = long.scatter(maybe.arg_true(), page)
    if not long.any():
        return df.select(strip_chrome(readable_text(pl.col("title"), pl.col("text"), parallel), settings.chrome_patterns)).to_series()
    short = df.filter(~long).select(strip_chrome(readable_text(pl.col("title"), pl.col("text"), parallel), settings.chrome_patterns)).to_series()
    pages = df.filter(long)
    done = map_distinct_pairs(list(zip(pages.get_column("title").to_list(), pages.get_column("text").to_list())), _rules(settings))
    out = pl.Series("text_for_sentiment", [None] * df.height, dtype=pl.String)
    return out.scatter(long.arg_true(), pl.Series(done, dtype=pl.String)).scatter((~long).arg_true(), short)


def map_distinct_pairs(pairs: list[tuple[str | None, str | None]], rules: _BlockRules) -> list[str]:
    """Each distinct (title, body) once; pages are few, so in this process."""
    done: dict[tuple, str] = {}
    out = []
    for pair in pairs:
        if pair not in done:
            done[pair] = _long_chunk(([pair], rules))[0]
        out.append(done[pair])
    return out


def _tokens(col: pl.Expr, pattern: str, prefix: str) -> pl.Expr:
    return col.str.extract_all(pattern).list.eval(pl.element().str.strip_chars().str.strip_chars_start(prefix).str.to_lowercase())


def _phrase_regex(phrases: list[str]) -> str:
    alts = "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))
    return rf"\b(?:{alts})\b"


def brand_text(texts: pl.Series, brand: Brand, min_chars: int) -> pl.Series:
    """`text_brand`: for texts over `min_chars`, the passages that name the brand (each
    sentence with one sentence of context); null for shorter texts."""
    names = BrandNames(brand.terms, brand.exclude)
    long = (texts.str.len_chars() > min_chars).fill_null(False)
    out = pl.Series("text_brand", [None] * len(texts), dtype=pl.String)
    if not long.any():
        return out
    return out.scatter(long.arg_true(), pl.Series([extract.brand_passages(t, names) for t in texts.filter(long).to_list()], dtype=pl.String))


# The identifier reads this much of a text: plenty to tell languages apart (on the
# benchmark's 45,000 distinct posts 150 and 300 characters gave the same languages), and
# a long post then costs what a short one does.
LANGUAGE_SAMPLE_CHARS = 150
WORD = r"[^\W\d_]{2,}"  # a word of two letters or more, in any script


def _classify_chunk(args: tuple[list[str], str, tuple[str, ...], float]) -> list[str]:
    texts, default, languages, min_confidence = args
    return [lang if prob >= min_confidence else default for lang, prob in identifier(languages).classify(texts)]


def detect_language(texts: pl.Series, default: str, languages: tuple[str, ...], min_confidence: float = 0.9) -> pl.Series:
    """Language code per text. Short or ambiguous texts get the brand's default language:
    a five-word post in English is often mistaken for Italian, rarely the reverse.
    Each distinct opening is classified once, in this process: compiled
    (tasks/language.py), identification costs less than starting workers would."""
    sample = texts.str.slice(0, LANGUAGE_SAMPLE_CHARS)
    readable = (sample.str.count_matches(WORD) >= 4).fill_null(False)
    langs = pl.Series("lang", [default] * len(texts), dtype=pl.String)
    if not readable.any():
        return langs
    return langs.scatter(readable.arg_true(), map_distinct(sample.filter(readable), _classify_chunk, default, languages, min_confidence, parallel=ParallelSettings(workers=1)))


DETECTABLE = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "ja", "zh", "ru", "ar", "tr")


def normalized_text(text: pl.Expr) -> pl.Expr:
    """`text_norm`: lower case, no links, "@" and "#" dropped (their words stay)."""
    return text.str.to_lowercase().str.replace_all(URL, " ").str.replace_all(r"[@#]", "").str.replace_all(r"\s+", " ").str.strip_chars()


def dedup_key(text: pl.Expr) -> pl.Expr:
    """What stays the same when a post is reposted or cross-posted: its words, without
    links, handles, an "RT" prefix, emoji, punctuation, case or spacing."""
    return (
        text.str.to_lowercase().str.replace_all(URL, " ").str.replace_all(HANDLE, " ").str.replace(r"^\s*rt\b:?", " ")
        .str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()
    )


def strip_chrome(text: pl.Expr, patterns: list[str]) -> pl.Expr:
    """Remove page furniture of scraped pages (comment forms, share bars, tickers)."""
    if not patterns:
        return text
    # One pass per pattern: each alone keeps the regex engine's literal search, which
    # their alternation loses (80 times slower on the benchmark's posts).
    for pattern in patterns:
        text = text.str.replace_all(f"(?i){pattern}", " ")
    return squeeze_expr(text)


def clean_mentions(raw: pl.DataFrame, brand: Brand, settings: CleaningSettings, parallel: ParallelSettings = ParallelSettings()) -> Cleaned:
    """Raw rows of one brand to clean rows, plus every dropped row with its reason."""
    raw = schema.conform(raw, "raw")
    text = pl.col("text_for_sentiment")
    readable = pl.lit(page_text(raw, settings, parallel))
    df = raw.with_columns((mask_pii(readable) if settings.mask_pii else readable).alias("text_for_sentiment"))
    df = df.with_columns(
        _tokens(text, URL, "").list.eval(
            # Links as the platform shows them: tracking parameters (?ref=search_posts, utm_*) out.
            pl.element().str.replace_all(r"(?i)([?&])(?:(?:utm_\w+|ref|ref_source|ref_src|share_id|rdt|fbclid|gclid|igshid|si)=[^&#]*(?:&|$))+", "$1").str.strip_chars_end("?&")
        ).alias("urls"),
        _tokens(text, HANDLE, "@").alias("handles"),
        _tokens(text, HASHTAG, "#").alias("hashtags"),
        normalized_text(text).alias("text_norm"),
        dedup_key(text).alias("_dedup_key"),
        # What is left once links, handles and hashtags are gone: the words a person wrote.
        # An emoji counts as a word: "Halcyon 😡😡🔥" says something, and VADER reads it.
        text.str.replace_all(URL, " ").str.replace_all(HANDLE, " ").str.replace_all(HASHTAG, " ").str.count_matches(WORD_OR_EMOJI).alias("_words"),
    )
    relevant_text = pl.col("text_norm")
    if brand.exclude:
        relevant_text = relevant_text.str.replace_all(_phrase_regex(brand.exclude), " ")
    spam = pl.lit(False)
    if settings.spam_patterns:
        spam = text.str.contains("(?i)" + "|".join(f"(?:{p})" for p in settings.spam_patterns))
    # The same linked text from many different authors on one day is a campaign, not
    # customers: retweets ("RT ...") are reposts and are left to de-duplication.
    campaign = (
        (pl.col("author_handle").n_unique().over("date", "_dedup_key") >= settings.boilerplate_min_authors)
        & (pl.col("urls").list.len() > 0)
        & ~text.str.contains(r"^(?i)rt\b")
    )

    df = df.with_columns(
        pl.when(text.str.len_chars() == 0)
        .then(pl.lit("empty"))
        .when(spam)
        .then(pl.lit("spam"))
        .when(pl.col("_words") < settings.min_words)
        .then(pl.lit("link_only"))
        .when((pl.col("hashtags").list.len() >= 5) & (pl.col("hashtags").list.len() * 2 >= pl.col("_words")))
        .then(pl.lit("hashtag_stuffed"))
        .when(campaign)
        .then(pl.lit("boilerplate"))
        .when(~relevant_text.str.contains(term_pattern(brand.terms)))
        .then(pl.lit("off_topic"))
        .otherwise(pl.lit(None, pl.String))
        .alias("_drop")
    )

    # One canonical mention per day and repost group: the earliest copy stands for all.
    kept = df.filter(pl.col("_drop").is_null()).sort("created_at", "mention_id")
    lead = near_duplicate_groups(kept.get_column("_dedup_key"), kept.get_column("date"), settings.near_duplicate_threshold)
    kept = kept.with_columns(pl.col("mention_id").gather(lead).alias("_canonical"))
    groups = kept.group_by("_canonical").agg(
        pl.len().cast(pl.UInt32).alias("dup_count"), pl.col("source").unique().sort().alias("dup_sources")
    )
    canonical = kept.filter(pl.col("mention_id") == pl.col("_canonical")).join(groups, on="_canonical", how="left")
    copies = kept.filter(pl.col("mention_id") != pl.col("_canonical"))

    default_lang = brand.languages[0]
    languages = tuple(sorted(set(DETECTABLE) | set(brand.languages)))
    # The source's own language tag where it gives one; the identifier for the rest.
    lang = canonical.select(pl.col("lang_hint").str.to_lowercase().str.extract(r"^([a-z]{2,3})\b").alias("lang")).to_series()
    unknown = lang.is_null()
    # A tag outside the brand's languages is checked too: Mastodon's `language` is the
    # poster's default, so English toots arrive tagged "ja". The identifier overrules
    # the tag only when it is confident; tags in the brand's languages are trusted,
    # which keeps the check off the busy path. One identification pass for both.
    doubtful = (~unknown & ~lang.is_in(list(brand.languages))).fill_null(False)
    ask = unknown | doubtful
    if ask.any():
        found = detect_language(canonical.filter(ask).get_column("text_for_sentiment"), "", languages)
        fallback = pl.select(pl.when(unknown.filter(ask)).then(pl.lit(default_lang)).otherwise(lang.filter(ask))).to_series()
        lang = lang.scatter(ask.arg_true(), pl.select(pl.when(found == "").then(fallback).otherwise(found)).to_series())
    canonical = canonical.with_columns(lang, brand_text(canonical.get_column("text_for_sentiment"), brand, settings.brand_passage_chars))

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
