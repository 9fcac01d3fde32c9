"""Killed mid-write, run again: every partition whole, no temporary file left, and the
same bytes as a run that was never interrupted.

The runs are real `pulse` processes against a real `prefect server start`, as under
deployments; they kill themselves with SIGKILL at a chosen file write
(PULSE_CRASH_AT_WRITE, see tasks/storage.py), after the temporary copy is written and
before it is renamed. A killed listen run still holds its source's concurrency slot:
the server takes it back when the lease expires (about a minute), and the re-run
waits for that rather than overlap a run that might still be writing.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tasks.config import REPO_ROOT
from tests.integration.prefect_server import _free_port, _start_server, _stop

pytestmark = pytest.mark.integration

LISTEN = ["listen", "--from", "2026-11-16T00:00", "--to", "2026-11-19T00:00"]
PROCESS = ["process", "--from", "2026-11-16", "--to", "2026-11-18"]


@pytest.fixture(scope="module")
def server_api(tmp_path_factory):
    port = _free_port()
    server = _start_server(tmp_path_factory.mktemp("prefect-home"), port)
    yield f"http://127.0.0.1:{port}/api"
    _stop(server)


@pytest.fixture(scope="module")
def run(server_api, tmp_path_factory):
    api = server_api
    nltk = str(tmp_path_factory.mktemp("nltk"))

    def pulse(lake: Path, args: list[str], crash_at: int | None = None) -> int:
        env = {**os.environ, "PREFECT_API_URL": api, "PULSE_DATA_DIR": str(lake), "PULSE_CONFIG": str(REPO_ROOT / "config"), "PULSE_NLTK_DATA": nltk}
        env.pop("PULSE_CRASH_AT_WRITE", None)
        if crash_at is not None:
            env["PULSE_CRASH_AT_WRITE"] = str(crash_at)
        return subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, cwd=REPO_ROOT, capture_output=True, timeout=300).returncode

    return pulse


def _state(lake: Path) -> dict[str, str]:
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def uninterrupted(run, tmp_path_factory):
    lake = tmp_path_factory.mktemp("uninterrupted")
    started = time.monotonic()
    assert run(lake, LISTEN) == 0
    listen_seconds = time.monotonic() - started
    after_listen = _state(lake)
    assert run(lake, PROCESS) == 0
    return after_listen, _state(lake), listen_seconds


def test_listen_killed_before_commit_refetches_and_stores_once(run, uninterrupted, tmp_path):
    after_listen, _, usual = uninterrupted
    lake = tmp_path / "lake"
    assert run(lake, LISTEN, crash_at=1) == -signal.SIGKILL
    assert not (lake / "state" / "cursors").exists(), "killed at the first write: no window committed, no cursor moved"
    started = time.monotonic()
    assert run(lake, LISTEN) == 0
    # A slot held by the killed run comes back when its lease (about a minute) expires;
    # a slot that never came back would hold the re-run until its timeout. Measured
    # against an uninterrupted run's time, as a loaded machine slows both.
    took = time.monotonic() - started
    assert took < 2 * usual + 120, f"the killed run's slot came back with its lease: the re-run took {took:.0f} s, an uninterrupted one {usual:.0f} s"
    assert _state(lake) == after_listen
    assert not list(lake.rglob("*.tmp")), "no temporary file left"


@pytest.mark.parametrize("crash_at", [1, 8])  # the first clean partition; the middle of the score writes
def test_process_killed_mid_write_then_rerun_equals_an_uninterrupted_run(run, uninterrupted, tmp_path, crash_at):
    _, final, _ = uninterrupted
    lake = tmp_path / "lake"
    assert run(lake, LISTEN) == 0
    assert run(lake, PROCESS, crash_at=crash_at) == -signal.SIGKILL
    for p in lake.rglob("part.parquet"):
        pl.read_parquet(p)  # every visible partition is whole: it reads
    assert run(lake, PROCESS) == 0
    assert _state(lake) == final
    assert not list(lake.rglob("*.tmp"))
