"""Killed mid-write, run again: every partition whole, no temporary file left, and the
same bytes as a run that was never interrupted.

The runs are real `pulse` processes against the session's Prefect server; they kill
themselves with SIGKILL at a chosen file write (PULSE_CRASH_AT_WRITE, see
tasks/storage.py), after the temporary copy is written and before it is renamed.
"""

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tasks.config import REPO_ROOT

pytestmark = pytest.mark.integration

LISTEN = ["listen", "--from", "2026-11-16T00:00", "--to", "2026-11-19T00:00"]
PROCESS = ["process", "--from", "2026-11-16", "--to", "2026-11-18"]


@pytest.fixture(scope="module")
def run(prefect_server, tmp_path_factory):
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
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
        if p.is_file() and p.relative_to(lake).parts[0] != "data_docs"
    }


@pytest.fixture(scope="module")
def uninterrupted(run, tmp_path_factory):
    lake = tmp_path_factory.mktemp("uninterrupted")
    assert run(lake, LISTEN) == 0
    after_listen = _state(lake)
    assert run(lake, PROCESS) == 0
    return after_listen, _state(lake)


def test_listen_killed_before_commit_refetches_and_stores_once(run, uninterrupted, tmp_path):
    after_listen, _ = uninterrupted
    lake = tmp_path / "lake"
    assert run(lake, LISTEN, crash_at=1) == -signal.SIGKILL
    assert not (lake / "state" / "cursors").exists(), "killed at the first write: no window committed, no cursor moved"
    assert run(lake, LISTEN) == 0
    assert _state(lake) == after_listen
    assert not list(lake.rglob("*.tmp")), "no temporary file left"


@pytest.mark.parametrize("crash_at", [1, 8])  # the first clean partition; the middle of the score writes
def test_process_killed_mid_write_then_rerun_equals_an_uninterrupted_run(run, uninterrupted, tmp_path, crash_at):
    _, final = uninterrupted
    lake = tmp_path / "lake"
    assert run(lake, LISTEN) == 0
    assert run(lake, PROCESS, crash_at=crash_at) == -signal.SIGKILL
    for p in lake.rglob("part.parquet"):
        pl.read_parquet(p)  # every visible partition is whole: it reads
    assert run(lake, PROCESS) == 0
    assert _state(lake) == final
    assert not list(lake.rglob("*.tmp"))
