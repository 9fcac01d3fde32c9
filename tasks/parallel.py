"""Pure-Python work per text (VADER scoring, language identification) split across
worker processes: threads cannot share it, because of the GIL."""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from typing import Callable, Sequence, TypeVar

import polars as pl

from tasks.config import ParallelSettings

T = TypeVar("T")


@lru_cache(maxsize=4)
def _pool(workers: int) -> ProcessPoolExecutor:
    # "spawn": forking a process that runs polars' thread pool can deadlock.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    atexit.register(pool.shutdown, cancel_futures=True)
    return pool


def available_workers(configured: int = 0) -> int:
    """`configured`, or one per core; 1 inside a daemonic process (a Dask worker), which
    may not start processes: Dask is the parallelism there."""
    if multiprocessing.current_process().daemon:
        return 1
    return configured or os.cpu_count() or 1


def map_chunks(fn: Callable[[tuple], list[T]], items: Sequence, *extra, workers: int, min_items: int) -> list[T]:
    """fn((chunk, *extra)) over chunks of `items`, results concatenated in order, on
    `workers` processes when there are `min_items` or more (config's `parallel`). `fn`
    must be a module-level function (it is pickled to the workers)."""
    if workers <= 1 or len(items) < min_items:
        return fn((list(items), *extra))
    size = -(-len(items) // (workers * 4))  # a few chunks per worker evens out long texts
    chunks = [(list(items[i : i + size]), *extra) for i in range(0, len(items), size)]
    return [r for part in _pool(workers).map(fn, chunks) for r in part]


def map_distinct(values: pl.Series, fn: Callable[[tuple], list], *extra, parallel: ParallelSettings, dtype: pl.DataType = pl.String) -> pl.Series:
    """fn over each distinct value of `values` once (reposts repeat texts), on worker
    processes when there are many, mapped back onto every row."""
    distinct = values.unique(maintain_order=True)
    results = map_chunks(fn, distinct.to_list(), *extra, workers=available_workers(parallel.workers), min_items=parallel.min_items)
    return values.replace_strict(distinct, pl.Series(results, dtype=dtype), return_dtype=dtype)
