"""One partition lock (tasks/locks.py): two writers of one raw partition, in two
processes and without any Prefect server, keep every row of both; a live writer's
temporary file is never taken for a crashed one's."""

import multiprocessing
import os
import socket
from datetime import datetime, timedelta, timezone

import polars as pl

from tasks.storage import Lake, read_parquet
from tests.conftest import raw_frame, raw_row

DAY = datetime(2026, 11, 18, tzinfo=timezone.utc)


def _rows(start: datetime, n: int, tag: str) -> pl.DataFrame:
    return raw_frame(*[raw_row(f"{tag}{i}", f"Halcyon post {tag}{i}", when=(start + timedelta(minutes=10 * i)).isoformat()[:19]) for i in range(n)])


def _write_half(root: str, half: int, go) -> None:
    lo = DAY + timedelta(hours=12 * half)
    df = _rows(lo, 72, f"h{half}-")
    go.wait()
    for _ in range(3):  # each window written three times: more chances to interleave
        Lake(root).merge_window("raw", "halcyon", "reddit", lo, lo + timedelta(hours=12), df, kind="raw")


def test_two_processes_writing_adjacent_windows_of_one_day_keep_every_row(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    for attempt in range(4):
        root = tmp_path / f"lake{attempt}"
        go = ctx.Event()
        writers = [ctx.Process(target=_write_half, args=(str(root), half, go)) for half in (0, 1)]
        for w in writers:
            w.start()
        go.set()
        for w in writers:
            w.join(120)
        assert [w.exitcode for w in writers] == [0, 0], "no writer failed (a deleted temporary file, a lost rename)"
        kept = read_parquet(Lake(root).partition("raw", "halcyon", DAY.date(), "reddit"))
        assert kept.height == 144 and kept["mention_id"].n_unique() == 144, f"attempt {attempt}: {kept.height} of 144 rows kept"


def test_a_live_writers_temporary_file_is_left_alone_and_a_dead_ones_removed(tmp_path):
    lake = Lake(tmp_path)
    path = lake.partition("raw", "halcyon", DAY.date(), "reddit")
    path.parent.mkdir(parents=True)
    host = socket.gethostname().replace(".", "_").replace("/", "_")
    dead = multiprocessing.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    live_tmp = path.parent / f".part.parquet.{host}-{os.getppid()}.abc.tmp"
    dead_tmp = path.parent / f".part.parquet.{host}-{dead.pid}.def.tmp"
    live_tmp.write_bytes(b"half written")
    dead_tmp.write_bytes(b"left by a crash")
    lake.merge_window("raw", "halcyon", "reddit", DAY, DAY + timedelta(days=1), _rows(DAY, 2, "x"), kind="raw")
    assert live_tmp.exists(), "another writer's file is still being written"
    assert not dead_tmp.exists(), "a crashed writer's file is cleaned up"
    assert read_parquet(path).height == 2
