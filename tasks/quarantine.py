"""Quarantine rows: every record a stage did not pass on, with the reason and the whole record."""

from __future__ import annotations

import polars as pl

from tasks import schema


def to_quarantine(rows: pl.DataFrame, stage: str, disposition: str) -> pl.DataFrame:
    """Rows of any stage, with a `reason` column, as quarantine rows keeping the whole record."""
    if rows.is_empty():
        return schema.empty("quarantine")
    record_cols = [c for c in rows.columns if not c.startswith("_") and c != "reason"]
    record = pl.col("raw_payload") if "raw_payload" in rows.columns else pl.struct(record_cols).struct.json_encode()
    return schema.conform(
        rows.with_columns(pl.lit(stage).alias("stage"), pl.lit(disposition).alias("disposition"), record.alias("record")),
        "quarantine",
    )


def reason_counts(quarantine: pl.DataFrame) -> dict[str, int]:
    """Rows per reason, duplicates counted under one heading."""
    reasons = quarantine.get_column("reason").str.replace(r"^duplicate of .*", "duplicate (repost or cross-post)")
    return dict(sorted(reasons.value_counts().iter_rows()))
