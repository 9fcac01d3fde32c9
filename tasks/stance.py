"""Stance: complaint, praise or neutral, for the report's praise boxes and complaint counts.

VADER alone calls sarcasm praise ("Brilliant. Not.", "thanks for nothing @brand 😠",
"1 star, lovely staff, phone broke in a week"). So a mention is praise only when the
stance model, trained on the labelled corpus, says praise by a clear margin and no
complaint cue (config/settings.yaml `stance.complaint_cues`) is present. It is a
complaint when a cue is present, the model says complaint, or VADER reads it negative
and the model is not sure of praise (VADER calls "zero faults, can't fault them" negative).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tasks.config import StanceSettings
from tasks.routing.model import TextModel


def cue_expr(settings: StanceSettings, text: pl.Expr | None = None) -> pl.Expr:
    text = (pl.col("text_for_sentiment") if text is None else text).str.to_lowercase()
    if not settings.complaint_cues:
        return pl.lit(False)
    return pl.any_horizontal([text.str.contains(c) for c in settings.complaint_cues]).fill_null(False)


def stance(df: pl.DataFrame, settings: StanceSettings, model: TextModel) -> pl.DataFrame:
    """Adds `stance`. Needs `sentiment_label`, `text_norm` and `text_for_sentiment`."""
    if df.is_empty():
        return df.with_columns(pl.lit(None, pl.String).alias("stance"))
    texts = df.get_column("text_norm").unique().sort()
    margins = model.margins(texts.to_list())
    praise_i, complaint_i = model.labels.index("praise"), model.labels.index("complaint")
    others = np.delete(margins, praise_i, axis=1)
    lead = margins[:, praise_i] - others.max(axis=1)
    verdict = pl.DataFrame(
        {"text_norm": texts, "_praise_lead": lead.astype(np.float64), "_model_complaint": (margins.argmax(axis=1) == complaint_i)},
        schema={"text_norm": pl.String, "_praise_lead": pl.Float64, "_model_complaint": pl.Boolean},
    )
    cue = cue_expr(settings)
    return (
        df.join(verdict, on="text_norm", how="left")
        .with_columns(
            pl.when(cue | pl.col("_model_complaint"))
            .then(pl.lit("complaint"))
            .when(pl.col("_praise_lead") >= settings.praise_margin)
            .then(pl.lit("praise"))
            .when(pl.col("sentiment_label") == "negative")
            .then(pl.lit("complaint"))
            .otherwise(pl.lit("neutral"))
            .alias("stance")
        )
        .drop("_praise_lead", "_model_complaint")
    )
