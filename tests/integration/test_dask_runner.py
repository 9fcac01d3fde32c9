"""PULSE_TASK_RUNNER=dask runs process's tasks on a Dask cluster (prefect-dask) and
writes the same scored partitions as the default thread runner."""

import shutil
from datetime import date, datetime, timezone

import pytest

from flows.orchestration import task_runner
from tasks.storage import Lake

pytestmark = pytest.mark.integration


def _partitions(lake: Lake, stage: str) -> dict[str, bytes]:
    return {str(p.relative_to(lake.root / stage)): p.read_bytes() for p in sorted((lake.root / stage).rglob("*.parquet"))}


def test_dask_runner_scores_the_sample_week_like_the_default_runner(prefect_server, monkeypatch, tmp_path):
    from flows.listen import listen_flow
    from flows.process import process_flow

    threads, dask = Lake(tmp_path / "threads"), Lake(tmp_path / "dask")
    monkeypatch.setenv("PULSE_DATA_DIR", str(threads.root))
    listen_flow(start=datetime(2026, 11, 16, tzinfo=timezone.utc), end=datetime(2026, 11, 23, tzinfo=timezone.utc))
    shutil.copytree(threads.root / "raw", dask.root / "raw")
    first, last = date(2026, 11, 16), date(2026, 11, 22)
    process_flow(start=first, end=last)

    monkeypatch.setenv("PULSE_DATA_DIR", str(dask.root))
    monkeypatch.setenv("PULSE_TASK_RUNNER", "dask")
    runner = task_runner()
    assert type(runner).__name__ == "DaskTaskRunner"
    process_flow.with_options(task_runner=runner)(start=first, end=last)

    scored = _partitions(threads, "scored")
    assert len(scored) == 14, "a partition per brand and day"
    assert _partitions(dask, "scored") == scored
    assert _partitions(dask, "clean") == _partitions(threads, "clean")


def test_an_unknown_task_runner_is_named(monkeypatch):
    from tasks.errors import ConfigError

    monkeypatch.setenv("PULSE_TASK_RUNNER", "spark")
    with pytest.raises(ConfigError, match="PULSE_TASK_RUNNER='spark': expected threads or dask"):
        task_runner()
