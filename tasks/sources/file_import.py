"""File import: JSONL or CSV exports from other listening tools.

Each record is mapped onto the canonical schema through the source's `fields` in
config. The brand query is applied the way a search API would (any term, case
insensitive, anywhere in the record); cleaning applies the strict relevance rules
later. A record that cannot be parsed or dated is quarantined with its line number.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from tasks.config import Brand, SourceSettings, Strict
from tasks.errors import DeterministicError, SourceError
from tasks.sources import Fetched, fetched, mention, parse_time, reject


FieldSpec = str | list[str]


class FieldMap(Strict):
    """Native field (dotted path, or a list to sum/join) for each canonical column."""

    native_id: str
    created_at: str
    text: FieldSpec
    title: FieldSpec | None = None
    author_handle: str | None = None
    author_reach: FieldSpec | None = None
    engagement: FieldSpec | None = None
    url: str | None = None
    lang: str | None = None


class FileSource(SourceSettings):
    kind: Literal["file"]
    path: Path
    format: Literal["jsonl", "csv"] | None = None  # default: from the file's suffix
    fields: FieldMap
    url_template: str | None = None

    def at(self, root: Path) -> "FileSource":
        return self.model_copy(update={"path": (root / self.path).resolve()})


Settings = FileSource

csv.field_size_limit(10**8)  # exported blog posts and pasted logs are long

# Byte-order marks: Excel's "CSV UTF-8" starts with one, "Unicode text" is UTF-16.
# Read as plain UTF-8, the mark would stick to the first header ("\ufeffid").
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Posts dated outside these bounds are not skipped as "another window's": no window will
# ever hold them. Before 1990 is a zero or missing timestamp (1970-01-01); after
# tomorrow is a wrong unit or a typo. They are quarantined, undated, with their date.
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
FUTURE_SLACK = timedelta(days=1)


class ImportFailed(SourceError, DeterministicError):
    """Every record of the file was rejected: a wrong field map or encoding, which a retry does not fix."""


def encoding(path: Path) -> str:
    """The file's encoding by its byte-order mark; UTF-8 without one."""
    with path.open("rb") as f:
        head = f.read(4)
    return next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8")


@lru_cache(maxsize=16)
def _records(path: Path, fmt: str, mtime_ns: int, size: int) -> tuple[tuple[int, str, dict | None, str | None], ...]:
    """(line number, record text, parsed record or None, parse error) for every record.

    Cached per file version so the per-brand, per-window tasks of one run read it once."""
    out = []
    with path.open(encoding=encoding(path), newline="") as f:
        if fmt == "jsonl":
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    if not isinstance(rec, dict):
                        raise ValueError(f"expected a JSON object, got {type(rec).__name__}")
                    out.append((n, line.rstrip("\n"), rec, None))
                except ValueError as e:
                    out.append((n, line.rstrip("\n"), None, f"invalid JSON: {e}"))
        else:
            reader = csv.DictReader(f)
            for rec in reader:
                n = reader.line_num
                text = json.dumps(rec, ensure_ascii=False, sort_keys=True)
                if None in rec:  # more cells than header columns
                    out.append((n, text, None, "CSV row has more cells than the header"))
                else:
                    out.append((n, text, rec, None))
    return tuple(out)


def _get(rec: dict, path: str) -> Any:
    value: Any = rec
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _combine(rec: dict, spec: str | list[str] | None, numeric: bool) -> Any:
    if spec is None:
        return None
    values = [_get(rec, p) for p in ([spec] if isinstance(spec, str) else spec)]
    values = [v for v in values if v not in (None, "")]
    if not values:
        return None
    if numeric:
        try:
            return sum(int(float(v)) for v in values)
        except (TypeError, ValueError):
            return None
    return "\n\n".join(str(v) for v in values)


def _query(brand: Brand) -> re.Pattern:
    return re.compile("|".join(re.escape(t.lower()) for t in brand.terms))


def map_record(rec: dict, fields: FieldMap, source: FileSource, brand: str) -> tuple[dict | None, str | None]:
    """One source record to one canonical raw row, or (None, reason)."""
    native_id = _get(rec, fields.native_id)
    if native_id in (None, ""):
        return None, f"missing native id field {fields.native_id!r}"
    created = parse_time(_get(rec, fields.created_at))
    if created is None:
        return None, f"unparseable {fields.created_at!r}: {_get(rec, fields.created_at)!r}"
    native_id = str(native_id)
    url = _get(rec, fields.url) if fields.url else None
    if source.url_template:
        url = source.url_template.format(native_id=native_id, url=url or "")
    lang = _get(rec, fields.lang) if fields.lang else None
    return mention(
        source.name, brand, native_id, created, _combine(rec, fields.text, numeric=False), rec,
        url=url,
        author_handle=_get(rec, fields.author_handle) if fields.author_handle else None,
        author_reach=_combine(rec, fields.author_reach, numeric=True),
        engagement=_combine(rec, fields.engagement, numeric=True),
        title=_combine(rec, fields.title, numeric=False),
        lang_hint=re.split(r"[,\s]+", str(lang).strip())[0].lower() or None if lang else None,
    ), None


def fetch(source: FileSource, brand: Brand, start: datetime, end: datetime, state: dict | None = None) -> Fetched:
    fmt = source.format or ("csv" if source.path.suffix.lower() == ".csv" else "jsonl")
    try:
        stat = source.path.stat()
        records = _records(source.path, fmt, stat.st_mtime_ns, stat.st_size)
    except OSError as e:
        raise SourceError(f"source {source.name!r}: cannot read {source.path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise SourceError(f"source {source.name!r}: {source.path} is not UTF-8 (nor UTF-16 with a byte-order mark): {e}; save it as \"CSV UTF-8\"") from e

    query = _query(brand)
    latest = datetime.now(timezone.utc) + FUTURE_SLACK
    rows, rejects, seen, matched, mapped, first_error = [], [], 0, 0, 0, None
    for line_no, text, rec, error in records:
        if not query.search(text.lower()):
            continue
        matched += 1
        row = None
        if error is None:
            row, error = map_record(rec, source.fields, source, brand.id)
        if row is not None:
            mapped += 1
            if not EARLIEST <= row["created_at"] <= latest:
                row, error = None, f"dated {row['created_at']:%Y-%m-%d %H:%M:%S}, {'before 1990' if row['created_at'] < EARLIEST else 'in the future'}"
            elif not (start <= row["created_at"] < end):
                continue
        # Undated rejects belong to no window: every run sees them and they are kept as a set.
        seen += 1
        if row is None:
            first_error = first_error or error
            rejects.append(reject(source.name, brand.id, f"{source.path.name} line {line_no}: {error}", text))
        else:
            rows.append(row)
    if matched and not mapped:
        raise ImportFailed(
            f"source {source.name!r}: none of the {matched} records of {source.path.name} that mention {brand.id!r} could be imported "
            f"(first: {first_error}); check `fields` in sources.yaml against the file's header"
        )
    return fetched(rows, rejects, seen)
