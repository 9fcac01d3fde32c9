"""The Parquet data lake: where each stage's partitions live and how they are written.

    <root>/raw/source=<s>/brand=<b>/date=<YYYY-MM-DD>/part.parquet
    <root>/clean/brand=<b>/date=<d>/part.parquet
    <root>/scored/brand=<b>/date=<d>/part.parquet
    <root>/quarantine/stage=<st>/brand=<b>/[source=<s>/]date=<d|__HIVE_DEFAULT_PARTITION__>/part.parquet
    <root>/reports/brand=<b>/week=<YYYY-Www>/summary.{md,html,json}
    <root>/reports/brand=<b>/day=<YYYY-MM-DD>/board.{md,json}
    <root>/issues/brand=<b>/{day=<d>,week=<YYYY-Www>}/issues.json (discovered issues)
    <root>/issues/brand=<b>/day=<d>/{counts.json,phrases.parquet} (a day's counts for later baselines)
    <root>/state/cursors/source=<s>/brand=<b>.json
    <root>/quality/suite=<raw|clean|scored>/[source=<s>/]brand=<b>/<start>--<end>.json

The root is a local folder, or an fsspec URL (`s3://bucket/lake`, `gs://...`,
`az://...`, `memory://` in tests) through universal-pathlib, so every machine of a
scaled-out setup sees one lake; credentials come from the filesystem's usual
environment variables (AWS_ACCESS_KEY_ID, ...).

Every local file is written to a hidden temporary name in its final folder, flushed
to disk and renamed into place, so a reader (or a crash) sees the old file or the new
one, never half of one. On object storage a file is uploaded whole in one request,
which the store makes visible only once complete. Rows are sorted and compression
fixed so the same input gives byte-identical files.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import socket
import signal
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable

import polars as pl

from tasks import schema
from tasks.calendar import days_between
from tasks.errors import CorruptPartition, StorageError
from tasks.locks import partition_lock
from tasks.secrets import scrub, scrub_frame

UNDATED = "__HIVE_DEFAULT_PARTITION__"  # records without a usable timestamp (quarantine only)

SORT_KEYS = ["date", "mention_id"]


def lake_path(location: str | Path) -> Path:
    """A local path, or a universal-pathlib path for an fsspec URL such as s3://bucket/lake."""
    if isinstance(location, str) and "://" in location and not location.startswith("file://"):
        from upath import UPath

        return UPath(location)
    return Path(str(location).removeprefix("file://"))


def is_remote(path: Path) -> bool:
    return not isinstance(path, Path)  # UPath for remote URLs is not a pathlib.Path


def shown(path: str | Path) -> str:
    """A path as a user would paste it: absolute locally, the URL on object storage."""
    return str(path) if "://" in str(path) else str(Path(path).resolve())


def data_dir() -> Path:
    location = os.environ.get("PULSE_DATA_DIR", "data")
    if not location.strip():
        # An empty value would put the lake in whatever folder the command runs from.
        raise StorageError('PULSE_DATA_DIR is set but empty: unset it (the lake is then ./data) or name a folder')
    return lake_path(location)


def read_parquet(path: Path, **kwargs) -> pl.DataFrame:
    """A Parquet file, read as written (a name with `[` or `*` is a name, not a pattern);
    an unreadable file fails naming it, as a deterministic error that no retry fixes."""
    try:
        return pl.read_parquet(path.read_bytes() if is_remote(path) else path, glob=False, **kwargs)
    except FileNotFoundError as e:
        raise StorageError(f"cannot read {path}: {e.strerror or e}") from e
    except (pl.exceptions.PolarsError, OSError, ValueError) as e:
        raise corrupt(path, e) from None


def corrupt(path: Path, error: Exception) -> CorruptPartition:
    first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    fix = (
        "listening to that source and day again replaces it (the unreadable file is kept aside as .part.parquet.corrupt-*)"
        if "/raw/" in str(path) else "running the stage that writes it again replaces it"
    )
    return CorruptPartition(f"{shown(path)} is not a readable Parquet file ({first}); {fix}")


def _safe(value: str) -> str:
    # Ids are validated as slugs in config; this guards every other way a value reaches a path.
    if not value or "/" in value or "\\" in value or value.startswith(".") or "\x00" in value:
        raise StorageError(f"refusing to use {value!r} as a partition name")
    return value


_writes = 0  # files written by this process, for the crash tests' fault injection


def _crash_point() -> None:
    """Fault injection for the crash and outage tests, at the N-th file written by this
    process, after its temporary copy is written and before it is renamed into place:
    PULSE_CRASH_AT_WRITE=N kills the process (SIGKILL, no clean-up);
    PULSE_PAUSE_AT_WRITE=N:<file> creates <file> and pauses 3 s, so a test can take a
    service away mid-run."""
    global _writes
    _writes += 1
    if os.environ.get("PULSE_CRASH_AT_WRITE") == str(_writes):
        os.kill(os.getpid(), signal.SIGKILL)
    at, _, marker = os.environ.get("PULSE_PAUSE_AT_WRITE", "").partition(":")
    if at == str(_writes) and marker:
        Path(marker).touch()
        time.sleep(3)


_HOST = socket.gethostname().replace(".", "_").replace("/", "_")


def _abandoned(tmp: Path) -> bool:
    """A temporary file whose writer is gone: from this machine, by a process that no
    longer runs; from another machine, an hour untouched."""
    host, _, pid = tmp.name.split(".")[-3].rpartition("-") if tmp.name.count(".") >= 3 else ("", "", "")
    if host == _HOST and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    try:
        return time.time() - tmp.stat().st_mtime > 3600
    except OSError:
        return False


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (os.umask can
    only be read by setting it, which would race with threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, write) -> None:
    """Call write(tmp_path), fsync it, then rename onto `path`. The temporary name is
    hidden (leading dot) so globbing readers never pick it up, and names its writer
    (host and pid): one left by a crashed writer is removed by the next write of the
    same file, one a live writer is still filling is left alone."""
    if is_remote(path):
        return _upload(path, write)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            if _abandoned(stale):
                stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_HOST}-{os.getpid()}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise StorageError(f"cannot write under {path.parent}: {e.strerror or e}") from e
    try:
        write(Path(tmp))
        # mkstemp creates 0600 whatever the umask: give the file the mode open() would,
        # so reports on a shared lake or behind a web server can be read by others.
        os.chmod(tmp, 0o666 & ~_umask())
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        _crash_point()
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            hint = " (disk full)" if e.errno == errno.ENOSPC else ""
            raise StorageError(f"cannot write {path}{hint}: {e.strerror or e}") from e
        raise


def _upload(path: Path, write) -> None:
    """Write locally, then upload in one request: the object appears whole or not at all."""
    with tempfile.TemporaryDirectory(prefix="pulse-upload-") as scratch:
        tmp = Path(scratch) / path.name
        write(tmp)
        _crash_point()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tmp.read_bytes())
        except OSError as e:
            raise StorageError(f"cannot write {path}: {e.strerror or e}") from e


def write_parquet(df: pl.DataFrame, path: Path) -> None:
    df = scrub_frame(df)  # an API that echoed a token into a record or a post
    atomic_write_bytes(path, lambda tmp: df.write_parquet(tmp, compression="zstd", compression_level=3, statistics=True))


def write_text(text: str, path: Path) -> None:
    text = scrub(text)  # reports, gate results, state: never a configured secret
    atomic_write_bytes(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


class Lake:
    """Paths and read/replace operations over one data directory."""

    def __init__(self, root: str | Path | None = None):
        self.root = lake_path(root) if root is not None else data_dir()

    # -- paths -------------------------------------------------------------
    def partition(self, stage: str, brand: str, day: date, source: str | None = None) -> Path:
        parts = stage.split("/")
        if source is not None:
            parts.append(f"source={_safe(source)}")
        parts += [f"brand={_safe(brand)}", f"date={day.isoformat()}", "part.parquet"]
        return self.root.joinpath(*parts)

    def quarantine(self, stage: str, brand: str, day: date | None, source: str | None = None) -> Path:
        path = self.partition(f"quarantine/stage={_safe(stage)}", brand, day or date.min, source)
        # Hive's name for a null partition value: hive-partitioned readers (polars, pyarrow,
        # Spark) read it as a null date, where "undated" failed to parse as one.
        return path.parent.with_name(f"date={UNDATED}") / path.name if day is None else path

    def report_dir(self, brand: str, week: str) -> Path:
        return self.root / "reports" / f"brand={_safe(brand)}" / f"week={_safe(week)}"

    def board_dir(self, brand: str, day: date) -> Path:
        return self.root / "reports" / f"brand={_safe(brand)}" / f"day={day.isoformat()}"

    def issues_path(self, brand: str, period: str) -> Path:
        """A day's (2026-11-22) or a week's (2026-W47) discovered issues."""
        kind = "week" if "W" in period else "day"
        return self.root / "issues" / f"brand={_safe(brand)}" / f"{kind}={_safe(period)}" / "issues.json"

    def read_issues(self, brand: str, period: str) -> dict | None:
        path = self.issues_path(brand, period)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def write_issues(self, brand: str, period: str, issues: dict) -> None:
        write_text(json.dumps(issues, ensure_ascii=False, default=str) + "\n", self.issues_path(brand, period))

    def _scored_stamp(self, brand: str, day: date) -> str:
        """What says a day's scored partition is the one some counts were made from: a
        hash of its bytes (the same rows give the same file, so the same hash)."""
        path = self.partition("scored", brand, day)
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""

    def write_day_counts(self, brand: str, day: date, counts: dict, phrases: pl.DataFrame, version: int) -> None:
        """A day's counts (`counts`: plain JSON) and its negative phrase counts, beside its
        issues, stamped with the scored partition they were counted from."""
        stamp = self._scored_stamp(brand, day)
        folder = self.issues_path(brand, day.isoformat()).parent
        write_parquet(phrases.sort("phrase"), folder / "phrases.parquet")
        # Written last: its stamp vouches for the phrases written before it.
        write_text(json.dumps({"version": version, "scored": stamp, **counts}, sort_keys=True) + "\n", folder / "counts.json")

    def read_day_counts(self, brand: str, day: date, version: int) -> tuple[dict, pl.DataFrame] | None:
        """write_day_counts' counts and phrases, or None when there are none, they are of
        another version, or the day's scored partition has changed since."""
        folder = self.issues_path(brand, day.isoformat()).parent
        try:
            meta = json.loads((folder / "counts.json").read_text(encoding="utf-8"))
            if meta.get("version") != version or meta.get("scored") != self._scored_stamp(brand, day):
                return None
            return meta, read_parquet(folder / "phrases.parquet")
        except (OSError, ValueError, CorruptPartition, StorageError):  # none, or damaged: counted again
            return None

    def delivery_receipt(self, brand: str, week: str) -> Path:
        return self.root / "state" / "deliveries" / f"brand={_safe(brand)}" / f"week={_safe(week)}.json"

    def source_state_path(self, source: str, brand: str) -> Path:
        return self.root / "state" / "sources" / f"source={_safe(source)}" / f"brand={_safe(brand)}.json"

    def read_source_state(self, source: str, brand: str) -> dict:
        path = self.source_state_path(source, brand)
        return json.loads(path.read_text()) if path.is_file() else {}

    def write_source_state(self, source: str, brand: str, state: dict) -> None:
        write_text(json.dumps(state, sort_keys=True, default=str) + "\n", self.source_state_path(source, brand))

    def cursor_path(self, source: str, brand: str) -> Path:
        return self.root / "state" / "cursors" / f"source={_safe(source)}" / f"brand={_safe(brand)}.json"

    # -- reading -----------------------------------------------------------
    def read(self, stage: str, brand: str, days: Iterable[date], sources: Iterable[str] | None = None, drop: Iterable[str] = ()) -> pl.DataFrame:
        """All rows of the given partitions, conformed to the stage's schema, without the
        columns in `drop` (which are then not read at all)."""
        kind = "quarantine" if stage.startswith("quarantine") else stage
        srcs = list(sources) if sources is not None else [None]
        paths = [p for d in days for s in srcs if (p := self.partition(stage, brand, d, s)).is_file()]
        wanted = [c for c in schema.SCHEMAS[kind] if c not in set(drop)]
        if not paths:
            return schema.empty(kind).select(wanted)
        return pl.concat([self._read_file(p, kind, wanted) for p in paths], how="vertical")

    def read_reported(self, brand: str, days: Iterable[date]) -> pl.DataFrame:
        """Scored rows as the board and the weekly summary read them: without the columns
        no report shows (schema.NOT_REPORTED)."""
        return self.read("scored", brand, days, drop=schema.NOT_REPORTED)

    def count_rows(self, stage: str, brand: str, days: Iterable[date], sources: Iterable[str] | None = None) -> int:
        """Rows in those partitions, from the Parquet footers: no data is read."""
        srcs = list(sources) if sources is not None else [None]
        paths = [p for d in days for s in srcs if (p := self.partition(stage, brand, d, s)).is_file()]
        if paths and is_remote(self.root):
            import pyarrow.parquet as pq

            return sum(pq.ParquetFile(p.open("rb")).metadata.num_rows for p in paths)
        if not paths:
            return 0
        try:
            return pl.scan_parquet(paths, glob=False).select(pl.len()).collect().item()
        except pl.exceptions.PolarsError:
            for p in paths:  # which one: the error does not say
                read_parquet(p, n_rows=0)
            raise

    def read_quarantine(self, brand: str, days: Iterable[date]) -> pl.DataFrame:
        """Every quarantined or dropped row of a brand on those days, whatever the stage."""
        wanted = {f"date={d.isoformat()}" for d in days}
        base = self.root / "quarantine"
        paths = sorted(p for p in base.glob(f"stage=*/**/brand={_safe(brand)}/date=*/part.parquet") if p.parent.name in wanted)
        if not paths:
            return schema.empty("quarantine")
        return pl.concat([schema.conform(read_parquet(p), "quarantine") for p in paths], how="vertical")

    def sources_present(self, brand: str) -> list[str]:
        return sorted(p.name.removeprefix("source=") for p in (self.root / "raw").glob("source=*") if (p / f"brand={brand}").is_dir())

    # -- writing -----------------------------------------------------------
    def replace_partitions(self, stage: str, brand: str, days: Iterable[date], df: pl.DataFrame, source: str | None = None) -> list[Path]:
        """Make the partitions of `days` hold exactly `df`'s rows for those days.

        Days with no rows lose their partition, so a re-run never leaves stale data."""
        kind = "quarantine" if stage.startswith("quarantine") else stage
        written = []
        df = schema.conform(df, kind)
        for day in sorted(set(days)):
            part = df.filter(pl.col("date") == day)
            path = self.partition(stage, brand, day, source)
            if part.is_empty() and not path.exists():
                continue
            with partition_lock(path):
                written.append(self._put(path, part))
        return [p for p in written if p]

    def merge_window(self, stage: str, brand: str, source: str, start: datetime, end: datetime, df: pl.DataFrame, kind: str) -> list[Path]:
        """Replace the rows of [start, end) in the (source, brand) date partitions by `df`.

        Rows outside the window stay, so windows of any length tile a day's partition,
        and fetching a window again replaces it instead of appending a copy. Rows with
        no timestamp (quarantine only) are kept in an `undated` partition as a set."""
        df = schema.conform(df, kind)
        written = []
        for day in days_between(start, end):
            path = self.partition(stage, brand, day, source)
            new = df.filter(pl.col("date") == day)
            if new.is_empty() and not path.exists():
                continue
            with partition_lock(path):  # read-modify-write: one writer at a time
                old = self._read_replaceable(path, kind)
                keep = old.filter(~pl.col("created_at").is_between(start, end, closed="left"))
                written.append(self._put(path, pl.concat([keep, new], how="vertical")))
        undated = df.filter(pl.col("date").is_null())
        if not undated.is_empty():
            path = self.quarantine(stage.removeprefix("quarantine/stage="), brand, None, source)
            with partition_lock(path):
                written.append(self._put(path, pl.concat([self._read_replaceable(path, kind), undated], how="vertical")))
        return [p for p in written if p]

    def _read_replaceable(self, path: Path, kind: str) -> pl.DataFrame:
        """The partition a window is merged into; an unreadable one is moved aside (kept
        for inspection as .part.parquet.corrupt-<time>, hidden from readers) so that
        fetching the window again repairs the day instead of failing on it for good."""
        try:
            return self._read_file(path, kind)
        except CorruptPartition as e:
            aside = path.with_name(f".{path.name}.corrupt-{datetime.now().strftime('%Y%m%dT%H%M%S')}")
            path.rename(aside)
            logging.getLogger(__name__).warning("%s; moved aside to %s and replaced by this window's rows (other windows of that day need listening again)", e, shown(aside))
            return schema.empty(kind)

    @staticmethod
    def _read_file(path: Path, kind: str, columns: list[str] | None = None) -> pl.DataFrame:
        # Partitions are written conformed, so every column of the stage's schema is there.
        if not path.is_file():
            return schema.empty(kind).select(columns or pl.all())
        if columns is None:
            return schema.conform(read_parquet(path), kind)
        return read_parquet(path, columns=columns).cast({c: schema.SCHEMAS[kind][c] for c in columns})

    def _put(self, path: Path, df: pl.DataFrame) -> Path | None:
        if df.is_empty():
            if path.exists():
                try:
                    path.unlink()
                except OSError as e:
                    raise StorageError(f"cannot remove stale partition {path}: {e.strerror or e}") from e
            return None
        sort = [c for c in ("date", "created_at", "mention_id", "reason", "record") if c in df.columns]
        write_parquet(df.sort(sort, nulls_last=True).unique(maintain_order=True), path)
        return path

    # -- quality gate results ---------------------------------------------
    def gate_path(self, suite: str, brand: str, start: datetime, end: datetime, source: str | None = None) -> Path:
        parts = ["quality", f"suite={_safe(suite)}"] + ([f"source={_safe(source)}"] if source else [])
        return self.root.joinpath(*parts, f"brand={_safe(brand)}", f"{start:%Y%m%dT%H%M%SZ}--{end:%Y%m%dT%H%M%SZ}.json")

    def write_gate(self, suite: str, brand: str, start: datetime, end: datetime, where: str, checks: list[dict], source: str | None = None) -> None:
        """One file per gate run and window: running the window again replaces it. The
        only writer of the format `read_gates` reads; `checks` are validate.check_rows."""
        body = {"start": start.isoformat(), "end": end.isoformat(), "suite": suite, "where": where, "checks": checks}
        write_text(json.dumps(body, indent=2, default=str, sort_keys=True) + "\n", self.gate_path(suite, brand, start, end, source))

    def remove_gate(self, suite: str, brand: str, start: datetime, end: datetime, source: str | None = None) -> None:
        """An earlier run's result for this window that no longer holds."""
        self.gate_path(suite, brand, start, end, source).unlink(missing_ok=True)

    def read_gates(self, brand: str, start: datetime, end: datetime) -> list[dict]:
        """Gate results of a brand whose window overlaps [start, end)."""
        found = []
        for path in sorted((self.root / "quality").glob(f"suite=*/**/brand={_safe(brand)}/*.json")):
            body = json.loads(path.read_text())
            if datetime.fromisoformat(body["start"]) < end and datetime.fromisoformat(body["end"]) > start:
                found.append(body)
        return found

    # -- cursors -----------------------------------------------------------
    def read_cursor(self, source: str, brand: str) -> datetime | None:
        path = self.cursor_path(source, brand)
        if not path.is_file():
            return None
        return datetime.fromisoformat(json.loads(path.read_text())["until"])

    def advance_cursor(self, source: str, brand: str, until: datetime) -> None:
        """Only ever moves forward: re-listening an old window leaves the cursor where it is."""
        current = self.read_cursor(source, brand)
        if current is None or until > current:
            write_text(json.dumps({"until": until.isoformat()}) + "\n", self.cursor_path(source, brand))
