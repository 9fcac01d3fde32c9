"""The canonical mention schema: every stage's columns, types and meaning, in one place.

The README's schema table is generated from this module (`pulse schema`) and a test
keeps the two in step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

UTC_TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    meaning: str


RAW_COLUMNS: list[Column] = [
    Column("mention_id", pl.String(), "Stable id: first 20 hex digits of sha256(`source:native_id`)."),
    Column("source", pl.String(), "Source name from `config/sources.yaml` (hackernews, reddit, ...)."),
    Column("native_id", pl.String(), "The post's id in its source."),
    Column("brand", pl.String(), "Brand id whose query matched the mention."),
    Column("created_at", UTC_TIME, "When the post was published (UTC)."),
    Column("date", pl.Date(), "UTC date of `created_at`; the partition key."),
    Column("url", pl.String(), "Link to the post, when known."),
    Column("author_handle", pl.String(), "Author's handle in the source."),
    Column("author_reach", pl.Int64(), "Followers, karma or reputation, when the source gives it."),
    Column("engagement", pl.Int64(), "Likes + reposts, points or score, when the source gives it."),
    Column("title", pl.String(), "Post or story title, when there is one."),
    Column("text", pl.String(), "Body text exactly as the source sent it (may hold HTML); over `max_text_chars`, its brand passages only (`text_cut`)."),
    Column("lang_hint", pl.String(), "Language code the source declared, if any."),
    Column("raw_payload", pl.String(), "The original record as JSON, for audit."),
    Column("text_cut", pl.Boolean(), "True when the body was over `cleaning.max_text_chars` and listen kept only the passages naming the brand (`raw_payload` holds it whole)."),
]

CLEAN_EXTRA: list[Column] = [
    Column("text_for_sentiment", pl.String(), "Title + text, unescaped and de-marked-up (pages: their main content without chrome or comments), one line per paragraph; case, punctuation, emoticons and emoji kept."),
    Column("text_brand", pl.String(), "For texts over `brand_passage_chars`: the sentences naming the brand with a sentence of context, one passage per line (original case); null for shorter texts. Scoring and routing read `coalesce(text_brand, text_for_sentiment)`."),
    Column("text_norm", pl.String(), "Lower-cased `text_for_sentiment` without URLs: for matching."),
    Column("urls", pl.List(pl.String()), "URLs found in the text."),
    Column("handles", pl.List(pl.String()), "@handles found in the text (lower-cased)."),
    Column("hashtags", pl.List(pl.String()), "#hashtags found in the text (lower-cased)."),
    Column("lang", pl.String(), "Language: the source's hint, else detected."),
    Column("dup_count", pl.UInt32(), "How many copies (reposts, cross-posts) this canonical mention stands for, itself included."),
    Column("dup_sources", pl.List(pl.String()), "Sources the copies came from."),
]

SCORED_EXTRA: list[Column] = [
    Column("sentiment", pl.Float64(), "VADER compound score in [-1, 1] of `text_brand` (else the whole text); null when the language is not scored."),
    Column("sentiment_whole", pl.Float64(), "VADER compound score of the whole `text_for_sentiment`; equals `sentiment` for short texts."),
    Column("sentiment_label", pl.String(), "positive / neutral / negative by the thresholds in config, or unscored."),
    Column("categories", pl.List(pl.String()), "Issue categories from `config/taxonomy.yaml` the mention raises."),
    Column("team", pl.String(), "The owning team: a sure taxonomy rule, else the learned router, else an analyst's correction."),
    Column("team_confidence", pl.Float64(), "How sure the router is of `team`, 0 to 1."),
    Column("teams", pl.List(pl.String()), "`team`, and a second team only when the evidence for it is strong."),
    Column("routed_by", pl.String(), "rule, model or correction."),
    Column("needs_triage", pl.Boolean(), "Confidence below routing.triage_below: waits in the triage queue."),
    Column("stance", pl.String(), "complaint, praise (the stance model is sure and no complaint cue) or neutral."),
]

QUARANTINE_COLUMNS: list[Column] = [
    Column("stage", pl.String(), "Stage that set the row aside: listen, clean or score."),
    Column("disposition", pl.String(), "`quarantined` (malformed or failed a check) or `dropped` (spam, duplicate, off-topic, empty)."),
    Column("reason", pl.String(), "Why, in words: the failed expectation or the filter's rule."),
    Column("mention_id", pl.String(), "The mention's id when it has one."),
    Column("source", pl.String(), "Source of the record."),
    Column("brand", pl.String(), "Brand whose partition it came from."),
    Column("created_at", UTC_TIME, "Publication time when known."),
    Column("date", pl.Date(), "Partition date; null when the record had no usable timestamp."),
    Column("record", pl.String(), "The whole record as JSON, so nothing is lost."),
]

RAW = {c.name: c.dtype for c in RAW_COLUMNS}
CLEAN = {c.name: c.dtype for c in RAW_COLUMNS if c.name != "raw_payload"} | {c.name: c.dtype for c in CLEAN_EXTRA}
SCORED = CLEAN | {c.name: c.dtype for c in SCORED_EXTRA}
QUARANTINE = {c.name: c.dtype for c in QUARANTINE_COLUMNS}

SCHEMAS: dict[str, dict[str, pl.DataType]] = {"raw": RAW, "clean": CLEAN, "scored": SCORED, "quarantine": QUARANTINE}


# Scored columns no report or board shows: the raw post and ids, a third of a week's
# bytes, which the flows then do not read.
NOT_REPORTED = ("title", "text", "native_id", "lang_hint", "urls", "handles", "hashtags", "dup_sources")


def mention_id(source: str, native_id: str) -> str:
    """The same post always gets the same id, whichever run or window fetched it."""
    return hashlib.sha256(f"{source}:{native_id}".encode()).hexdigest()[:20]


def empty(stage: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[stage])


def conform(df: pl.DataFrame, stage: str) -> pl.DataFrame:
    """Select and cast to the stage's schema, in its column order; missing columns are null."""
    schema = SCHEMAS[stage]
    return df.select(
        [
            (pl.col(name) if name in df.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )


def markdown_table() -> str:
    """The schema as the README shows it."""
    lines = ["| stage | column | type | meaning |", "|---|---|---|---|"]
    for stage, cols in (("raw", RAW_COLUMNS), ("clean", CLEAN_EXTRA), ("scored", SCORED_EXTRA), ("quarantine", QUARANTINE_COLUMNS)):
        for c in cols:
            lines.append(f"| {stage} | `{c.name}` | {c.dtype} | {c.meaning} |")
    return "\n".join(lines)
