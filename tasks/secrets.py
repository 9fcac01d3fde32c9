"""One scrubber for every secret the pipeline knows, wherever text leaves it.

APIs echo requests in their errors (a token in a 401 body, a key in an HTML page
served with 200), and libraries log URLs (urllib3's retry warning prints the query
string). Rather than trust every connector to scrub its own, every secret is
registered here when it is read: each environment variable that config names
(`*_env`, the webhook's `webhook_url_env`) when config loads, and tokens a connector
obtains at run time (OAuth access tokens, session JWTs). Then one `scrub` takes
them out of

- every log record, whatever the logger (a log-record factory, so Prefect's API
  handler, the console and pytest's capture all receive scrubbed text),
- every `PulseError` message (so Prefect state messages and events),
- every file the lake writes (text and Parquet string columns: quarantined records,
  gate results, reports), and every Prefect artifact the flows publish.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

MASK = "[secret]"
# Shorter values ("1", "yes") would mask ordinary words; no real credential is this short.
MIN_LENGTH = 6

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern | None = None


def register(value: str | None) -> None:
    """Scrub `value` (and its URL-encoded forms, as it appears in query strings) from now on."""
    if not value or len(value.strip()) < MIN_LENGTH:
        return
    forms = {value, value.strip(), quote(value, safe=""), quote_plus(value), quote(value)}
    if "://" in value:  # a webhook URL: its path (and query) is the secret part
        parts = urlsplit(value)
        forms |= {parts.path, parts.path.lstrip("/"), parts.query}
    forms = {f for f in forms if len(f) >= MIN_LENGTH}
    global _pattern
    with _lock:
        if forms <= _values:
            return
        _values.update(forms)
        _pattern = re.compile("|".join(re.escape(v) for v in sorted(_values, key=len, reverse=True)))
    install_logging()


def register_env(name: str | None) -> None:
    if name:
        register(os.environ.get(name))


def forget_all() -> None:
    """For tests: start again with no secrets."""
    global _pattern
    with _lock:
        _values.clear()
        _pattern = None


def scrub(text: Any) -> Any:
    """`text` with every registered secret replaced by [secret]; non-strings unchanged."""
    pattern = _pattern
    if pattern is None or not isinstance(text, str):
        return text
    return pattern.sub(MASK, text)


def scrub_data(value: Any) -> Any:
    """Scrub the strings inside lists, tuples and dicts (artifact tables, JSON models)."""
    if _pattern is None:
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub_data(k): scrub_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_data(v) for v in value)
    return value


def scrub_frame(df):
    """A polars frame with secrets scrubbed from its String columns (a no-op, without
    copying, when no secret is registered or none occurs)."""
    import polars as pl

    pattern = _pattern
    if pattern is None or df.is_empty():
        return df
    values = sorted(_values, key=len, reverse=True)
    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            for v in values:
                col = col.str.replace_all(v, MASK, literal=True)
            exprs.append(col)
    if not exprs:
        return df
    hit = df.select(pl.any_horizontal([pl.col(e.meta.output_name()).str.contains(v, literal=True) for e in exprs for v in values]).any()).item()
    return df.with_columns(exprs) if hit else df


_installed = False


def install_logging() -> None:
    """Scrub every log record as it is created, before any handler or formatter sees it."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()
    formatter = logging.Formatter()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        if _pattern is None:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to the handler to report
            return record
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)
