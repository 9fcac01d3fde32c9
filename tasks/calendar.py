"""Dates, days and ISO weeks: the one home of the calendar arithmetic the stages,
reports and flows share."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone


def date_range(start: date, end: date) -> list[date]:
    """Every date from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in UTC: whole days, end inclusive."""
    return datetime.combine(start, time(), timezone.utc), datetime.combine(end + timedelta(days=1), time(), timezone.utc)
