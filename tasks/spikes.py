"""Spikes: days whose volume or negative share rose far above the brand's recent baseline.

Each day is compared with the `baseline_days` before it by a robust z-score,
(value - median) / (1.4826 * MAD), so one earlier spike does not hide the next. A day
is a spike when either score reaches `z` and the day has at least `min_mentions`.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation


def _robust_z(value: float, history: list[float]) -> float | None:
    if len(history) < 7:
        return None  # too little history to call anything unusual
    s = pl.Series(history, dtype=pl.Float64)
    median = s.median()
    mad = (s - median).abs().median()
    spread = MAD_TO_SIGMA * mad if mad else max(abs(median) * 0.1, 1e-9)  # a flat history still has a scale
    return (value - median) / spread


def daily_counts(df: pl.DataFrame) -> pl.DataFrame:
    """(date, mentions, negative_share) per day."""
    return (
        df.group_by("date")
        .agg(pl.len().alias("mentions"), (pl.col("sentiment_label") == "negative").mean().alias("negative_share"))
        .sort("date")
    )


def find_spikes(history: pl.DataFrame, days: list[date], baseline_days: int, z: float, min_mentions: int) -> list[dict]:
    """Spike days among `days`; `history` holds scored mentions of `days` and the
    `baseline_days` before them."""
    counts = {r["date"]: r for r in daily_counts(history).iter_rows(named=True)}
    if not counts:
        return []
    first = min(counts)  # days before the data begins are unknown, not quiet
    spikes = []
    for day in days:
        today = counts.get(day)
        if not today or today["mentions"] < min_mentions:
            continue
        before = [d for i in range(baseline_days, 0, -1) if (d := day - timedelta(days=i)) >= first]
        volumes = [counts[d]["mentions"] if d in counts else 0 for d in before]
        shares = [counts[d]["negative_share"] for d in before if d in counts]
        z_volume = _robust_z(today["mentions"], volumes)
        z_negative = _robust_z(today["negative_share"], shares)
        why = [w for w, zz in (("volume", z_volume), ("negative share", z_negative)) if zz is not None and zz >= z]
        if why:
            spikes.append(
                {
                    "date": day.isoformat(),
                    "mentions": today["mentions"],
                    "usual_mentions": round(float(pl.Series(volumes).median())),
                    "negative_share_pct": round(100 * today["negative_share"], 1),
                    "usual_negative_share_pct": round(100 * float(pl.Series(shares).median()), 1) if shares else None,
                    "why": why,
                    "z_volume": round(z_volume, 1) if z_volume is not None else None,
                    "z_negative": round(z_negative, 1) if z_negative is not None else None,
                }
            )
    return spikes


def spike_events(brand_id: str, brand_name: str, week: str, spikes: list[dict]) -> list[dict]:
    """One Prefect event per spike (`social-pulse.spike`, resource = the brand), the
    keyword arguments of `prefect.events.emit_event`: automations/spikes.yaml turns
    them into notifications."""
    return [
        {
            "event": "social-pulse.spike",
            "resource": {"prefect.resource.id": f"social-pulse.brand.{brand_id}", "prefect.resource.name": brand_name},
            "payload": {"week": week, **{k: spike[k] for k in ("date", "mentions", "usual_mentions", "negative_share_pct", "usual_negative_share_pct", "why")}},
        }
        for spike in spikes
    ]
