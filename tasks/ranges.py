"""Checks of the date ranges and time windows a user or a deployment asks for, made
before any work starts (the CLI calls them before it starts a Prefect server; the flows
call them too, for deployments and subflows)."""

from __future__ import annotations

from datetime import date, datetime

from tasks.errors import UsageError

# A range longer than this is likely a typo (2024 for 2026): the CLI asks before
# writing a partition and a board per brand for every day of it.
CONFIRM_DAYS = 92


def check_days(start: date, end: date, first: str = "--from", last: str = "--to") -> int:
    """Days in [start, end], both inclusive; a range that ends before it starts is an error."""
    if end < start:
        raise UsageError(f"{first} {start} is after {last} {end}: the range is empty")
    return (end - start).days + 1


def check_window(start: datetime | None, end: datetime | None, first: str = "--from", last: str = "--to") -> None:
    """A listening window [start, end) must not end before (or when) it starts."""
    if start is not None and end is not None and end <= start:
        raise UsageError(f"{first} {start.isoformat()} is not before {last} {end.isoformat()}: the window is empty")
