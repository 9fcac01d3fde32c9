"""Connectors: one module per source kind, one interface (`Connector` below).

Each connector module owns its settings model (`Settings`, a subclass of
tasks.config.ApiSource or SourceSettings with a `kind` literal), its `fetch`, and its
recorded responses (sample_data/payloads/<kind>/, served by the replay twin in
tasks/sources/replay.py). tasks/sources/registry.py lists the modules: adding a source is
a new module, one line there, and its test.

A connector's `fetch(source, brand, start, end, state)` returns the mentions of one
brand published in [start, end) as canonical raw rows, plus the records it could not
use (as quarantine rows with their reason). `state` is what the connector asked to
keep last time (native cursors, ETags); it returns the new state in `Fetched.state`.
It never writes: the listen flow commits the rows, then the state, and moves the
source's time cursor only when `complete` is true.

Connectors build rows with `mention()` and `reject()` below, and speak HTTP through
`tasks.sources.http.HttpClient`, so mapping, retries and rate limits work one way.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from tasks import schema, secrets
from tasks.errors import ConfigError
from tasks.sources.http import FetchStats

if TYPE_CHECKING:
    from tasks.config import Brand, SourceSettings


@dataclass
class Fetched:
    mentions: pl.DataFrame  # raw schema
    rejects: pl.DataFrame  # quarantine schema
    seen: int  # records the query returned in the window, before any were set aside
    dropped: dict[str, int] = field(default_factory=dict)  # counted, not kept: reason -> rows
    complete: bool = True  # False when a page could not be read: the cursor must not move
    stats: FetchStats = field(default_factory=FetchStats)
    state: dict[str, Any] = field(default_factory=dict)  # kept for the next window (ETags, native cursors)


class Connector(Protocol):
    """A connector module, as the registry sees it."""

    # Its settings in sources.yaml; the `kind` literal names the connector.
    Settings: type[SourceSettings]

    def fetch(self, source: Any, brand: Brand, start: datetime, end: datetime, state: dict[str, Any] | None = None) -> Fetched:
        """The brand's mentions published in [start, end), and what could not be used."""
        ...


def mention(source: str, brand: str, native_id: Any, created_at: datetime, text: str | None, payload: Any, **fields: Any) -> dict:
    """One canonical raw row. `fields` may set url, author_handle, author_reach,
    engagement, title and lang_hint; `payload` is kept whole for audit."""
    native_id = str(native_id)
    row = {
        "mention_id": schema.mention_id(source, native_id),
        "source": source,
        "native_id": native_id,
        "brand": brand,
        "created_at": created_at,
        "date": created_at.date(),
        "text": text or "",
        "raw_payload": payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
    }
    unknown = set(fields) - {"url", "author_handle", "author_reach", "engagement", "title", "lang_hint"}
    if unknown:
        raise TypeError(f"unknown mention fields {sorted(unknown)}")
    return row | fields


def reject(source: str, brand: str, reason: str, record: Any, created_at: datetime | None = None) -> dict:
    """One quarantine row for a record (or a whole page) the connector could not use."""
    return {
        "stage": "listen",
        "disposition": "quarantined",
        "reason": reason,
        "source": source,
        "brand": brand,
        "created_at": created_at,
        "date": created_at.date() if created_at else None,
        "record": record if isinstance(record, str) else json.dumps(record, ensure_ascii=False, sort_keys=True, default=str),
    }


def fetched(
    rows: list[dict], rejects: list[dict], seen: int, *, complete: bool = True, stats: FetchStats | None = None, state: dict[str, Any] | None = None
) -> Fetched:
    """Frames from rows; a post returned twice in one window (overlapping pages) is kept once."""
    mentions = pl.DataFrame(rows, schema=schema.RAW) if rows else schema.empty("raw")
    unique = mentions.unique("mention_id", keep="last", maintain_order=True)
    dropped = {"returned twice in one window": mentions.height - unique.height} if unique.height < mentions.height else {}
    quarantined = pl.DataFrame(rejects, schema=schema.QUARANTINE) if rejects else schema.empty("quarantine")
    return Fetched(unique, quarantined, seen, dropped, complete, stats or FetchStats(), state or {})


TRACKING = re.compile(r"^(?:utm_\w+|ref|ref_source|ref_src|ref_url|share_id|rdt|correlation_id|fbclid|gclid|igshid|si|context)$", re.IGNORECASE)


def clean_url(url: str | None) -> str | None:
    """A link as the platform shows it: tracking parameters (`?ref=search_posts`, utm_*) removed."""
    if not url or "?" not in url:
        return url
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def search_terms(terms: list[str]) -> list[str]:
    """One query per term for a word-based search without OR, dropping a term another
    term already covers ("halcyon mobile" when "halcyon" is searched)."""
    unique = list(dict.fromkeys(t.strip().lower() for t in terms if t.strip()))
    return [t for t in unique if not any(k != t and re.search(rf"(?<!\w){re.escape(k)}(?!\w)", t) for k in unique)]


def quote_term(term: str) -> str:
    """A term for a search box: one word as it is, a phrase in double quotes."""
    term = term.replace('"', "").strip()
    return term if re.fullmatch(r"\w+", term) else f'"{term}"'


def queries(source: Any, brand: Brand) -> list[str]:
    """The source's own query for this brand (config `queries`), else one per brand term."""
    override = source.queries.get(brand.id)
    return [override] if override else search_terms(brand.terms)


def windows(start: datetime, end: datetime, hours: int | None) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into pieces of at most `hours`: APIs cap the hits of one query."""
    step = timedelta(hours=hours) if hours else end - start
    out, lo = [], start
    while lo < end:
        out.append((lo, min(lo + step, end)))
        lo = out[-1][1]
    return out


def epoch_ceil(t: datetime) -> int:
    # APIs filter on whole seconds: t >= ceil(start) and t < ceil(end) is exactly [start, end).
    return math.ceil(t.timestamp())


def as_int(value: Any) -> int | None:
    """A count from a payload, or None if it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value) if isinstance(value, str) and value.strip().lstrip("-").isdigit() else None
    except ValueError:
        return None


# Epoch numbers above these are milliseconds, microseconds, nanoseconds (JavaScript's
# Date.now(), Java's Instant): as seconds they would be after the year 5000.
_EPOCH_UNITS = ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3))


def parse_time(value: Any) -> datetime | None:
    """Epoch seconds (or milliseconds, microseconds, nanoseconds), ISO 8601 or RFC 2822,
    to an aware UTC datetime; None if unparseable."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        if isinstance(value, (int, float)) or re.fullmatch(r"\d+(\.\d+)?", str(value).strip()):
            number = float(value)
            number /= next((div for above, div in _EPOCH_UNITS if number >= above), 1)
            return datetime.fromtimestamp(number, timezone.utc)
        text = str(value).strip()
        try:
            t = datetime.fromisoformat(text)
        except ValueError:
            t = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


REPLAY_CREDENTIAL = "replayed"  # what a replayed source sends where a live one sends its secret


def secret(source: Any, key: str, required: bool = True) -> str | None:
    """A credential from the environment variable the source's `key` setting names; never
    from a file. A replayed source needs none: it runs as a live one with every credential
    set (Mastodon's status search included), and recorded responses ignore them."""
    name = getattr(source, key)
    value = os.environ.get(name) if name else None
    secrets.register(value)  # scrubbed from every message, log line and file from now on
    if getattr(source, "replay", None) is not None:
        return value or REPLAY_CREDENTIAL
    if required and not value:
        raise ConfigError(f"source {source.name!r} needs the environment variable {name} (see README: enabling sources)")
    return value
