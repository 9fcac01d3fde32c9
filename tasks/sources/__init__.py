"""Connectors: one module per source kind, one interface.

A connector's `fetch(source, brand, start, end)` returns the mentions of one brand
published in [start, end) as canonical raw rows, plus the records it could not use
(as quarantine rows with their reason). It never writes: the listen flow commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import polars as pl

from tasks.config import Brand, FileSource


@dataclass
class Fetched:
    mentions: pl.DataFrame  # raw schema
    rejects: pl.DataFrame  # quarantine schema
    seen: int  # records the query returned in the window, before any were set aside
    dropped: dict[str, int] = field(default_factory=dict)  # counted, not kept: reason -> rows


Fetch = Callable[[FileSource, Brand, datetime, datetime], Fetched]


def connector(kind: str) -> Fetch:
    from tasks.sources import file_import

    return {"file": file_import.fetch}[kind]
