"""Dates, days and ISO weeks: the one home of the calendar arithmetic the stages,
reports and flows share."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import polars as pl

from tasks.errors import ConfigError

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def date_range(start: date, end: date) -> list[date]:
    """Every date from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in UTC: whole days, end inclusive."""
    return datetime.combine(start, time(), timezone.utc), datetime.combine(end + timedelta(days=1), time(), timezone.utc)


def days_between(start: datetime, end: datetime) -> list[date]:
    """UTC dates that the window [start, end) touches."""
    last = (end - timedelta(microseconds=1)).date()
    return pl.date_range(start.date(), last, eager=True).to_list() if end > start else []


def parse_week(week: str) -> date:
    """Monday of an ISO week label such as 2026-W47."""
    m = WEEK.match(week or "")
    if not m:
        raise ConfigError(f"week {week!r}: expected an ISO week such as 2026-W47")
    try:
        return date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise ConfigError(f"week {week!r}: {m[1]} has no week {int(m[2])}") from None


def week_label(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def week_days(week: str) -> list[date]:
    monday = parse_week(week)
    return [monday + timedelta(days=i) for i in range(7)]


def days_before(week: str, weeks: int) -> list[date]:
    """The `weeks` whole weeks of days before `week`'s Monday, oldest first."""
    monday = parse_week(week)
    return [monday - timedelta(days=i) for i in range(7 * weeks, 0, -1)]


def week_before(week: str) -> str:
    """The ISO week before `week`: 2026-W46 for 2026-W47, 2026-W53 for 2027-W01."""
    return week_label(parse_week(week) - timedelta(days=7))
