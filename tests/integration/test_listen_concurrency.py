"""Two listen runs for the same source at once (a slow run and the next schedule, or a
manual run beside the schedule) against a real Prefect server: the source's one-slot
concurrency limit makes them take turns, so neither loses the other's rows and the
cursor ends where the later window ends."""

import os
import subprocess
import sys
from datetime import date, datetime, timezone

import polars as pl
import pytest

from tasks.config import REPO_ROOT
from tasks.storage import Lake
from tests.integration.prefect_server import _free_port, _start_server, _stop

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 18)


def _listen(lake_dir, api, start, end, pause_marker=None):
    env = {
        **os.environ, "PREFECT_API_URL": api, "PULSE_DATA_DIR": str(lake_dir),
        "PULSE_CONFIG": str(REPO_ROOT / "config"), "PULSE_NLTK_DATA": str(lake_dir / "nltk"),
    }
    if pause_marker:
        # Each run pauses 3 s between writing its first partition and renaming it into
        # place: without the limit, the other run would read the old partition meanwhile.
        env["PULSE_PAUSE_AT_WRITE"] = f"1:{pause_marker}"
    command = [sys.executable, "-m", "flows.cli", "listen", "--source", "hackernews", "--brand", "halcyon", "--from", start, "--to", end]
    return subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_overlapping_listen_runs_take_turns_and_keep_every_row(tmp_path):
    port, shared, alone = _free_port(), tmp_path / "shared", tmp_path / "alone"
    api = f"http://127.0.0.1:{port}/api"
    server = _start_server(tmp_path / "prefect-home", port)
    try:
        first = _listen(shared, api, "2026-11-18T00:00", "2026-11-18T12:00", tmp_path / "first-paused")
        second = _listen(shared, api, "2026-11-18T06:00", "2026-11-18T18:00", tmp_path / "second-paused")
        for run in (first, second):
            _, err = run.communicate(timeout=300)
            assert run.returncode == 0, err[-2000:]
        reference = _listen(alone, api, "2026-11-18T00:00", "2026-11-18T18:00")
        _, err = reference.communicate(timeout=300)
        assert reference.returncode == 0, err[-2000:]

        # Each run paused 3 s at its first write; taking turns, they paused 3 s apart or more.
        paused = sorted((tmp_path / name).stat().st_mtime for name in ("first-paused", "second-paused"))
        assert paused[1] - paused[0] >= 3, "the two runs wrote the source's partition at the same time"
    finally:
        _stop(server)

    together = pl.read_parquet(Lake(shared).partition("raw", "halcyon", DAY, source="hackernews"))
    one_run = pl.read_parquet(Lake(alone).partition("raw", "halcyon", DAY, source="hackernews"))
    assert one_run.height > 0
    # Every mention of 00:00-18:00 once, as one run over the whole span stores them.
    assert together["mention_id"].is_unique().all()
    assert sorted(together["mention_id"]) == sorted(one_run["mention_id"])
    assert Lake(shared).read_cursor("hackernews", "halcyon") == datetime(2026, 11, 18, 18, tzinfo=timezone.utc)
