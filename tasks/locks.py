"""One writer at a time per lake partition, whatever the Prefect server.

A partition is rewritten by reading it, changing some rows and writing it whole
(`Lake.merge_window` keeps the rows outside its window). Two writers of one partition
at once (two listen windows of one day, a manual run beside a scheduled one on a
temporary server, where Prefect's concurrency slots do not exist) would each write
what they read plus their own rows, and the later rename would lose the other's.
So each read-modify-write holds an exclusive lock on a hidden file next to the
partition (`.part.parquet.lock`, `filelock`: `flock` on POSIX, which the kernel
releases when its holder dies, so a `kill -9` never leaves a partition locked).

Object storage has no locks: for a lake at `s3://...` the lock file lives on the
local disk, which serialises writers on one machine only. Writers on several
machines are kept apart by the source's Prefect concurrency slot on a long-lived
server (listen) and by `process/after-listen` running one at a time; two machines
running `pulse process` by hand on the same brand and days at once are not
(README: Reliability).
"""

from __future__ import annotations

import hashlib
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from tasks.errors import StorageError

# Rewriting one partition takes seconds; a writer that waits this long is stuck, not queued.
TIMEOUT_SECONDS = 600.0


def lock_path(path: Path) -> Path:
    if isinstance(path, Path):  # a local lake (UPath for object storage is not a pathlib.Path)
        return path.parent / f".{path.name}.lock"
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:32]
    return Path(tempfile.gettempdir()) / "pulse-locks" / f"{digest}.lock"


@contextmanager
def partition_lock(path: Path, timeout: float = TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the exclusive lock of the partition at `path` (created with its folder)."""
    lock_file = lock_path(path)
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"cannot write under {lock_file.parent}: {e.strerror or e}") from e
    # thread_local=False: a Prefect thread may hand the lock's context to no one else;
    # a new FileLock per call means two threads of one process also exclude each other.
    lock = FileLock(str(lock_file), timeout=timeout, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise StorageError(f"{path}: another writer has held {lock_file} for over {timeout:.0f} s") from None
    except OSError as e:
        raise StorageError(f"cannot lock {lock_file}: {e.strerror or e}") from e
    try:
        yield
    finally:
        lock.release()
