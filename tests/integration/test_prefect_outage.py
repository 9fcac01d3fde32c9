"""The Prefect server goes away in the middle of a run: the run fails with a clear
line, and once the server is back a re-run completes."""

import os
import subprocess
import sys
import time
from datetime import date

import polars as pl
import pytest

from tasks.config import REPO_ROOT
from tasks.storage import Lake
from tests.conftest import raw_frame, raw_row
from tests.integration.prefect_server import _free_port, _start_server, _stop

pytestmark = pytest.mark.integration


def test_prefect_server_outage_mid_run(tmp_path):
    port, home, lake_dir = _free_port(), tmp_path / "prefect-home", tmp_path / "lake"
    day = date(2026, 11, 18)
    Lake(lake_dir).replace_partitions("raw", "halcyon", [day], raw_frame(raw_row("1", "Halcyon outage, no signal in Leeds")), source="reddit")
    env = {
        **os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PULSE_DATA_DIR": str(lake_dir),
        "PULSE_CONFIG": str(REPO_ROOT / "config"), "PULSE_NLTK_DATA": str(tmp_path / "nltk"),
        # Give up soon once the server is gone (a refused connection fails at once), as an
        # operator's runner would be told to; but a busy server's slow answer before the
        # outage is not an outage: with 5 s and no retry, one slow answer ends the run
        # before its first write (the likely cause of one failure from a fresh clone).
        "PREFECT_CLIENT_MAX_RETRIES": "2", "PREFECT_API_REQUEST_TIMEOUT": "30",
    }
    command = [sys.executable, "-m", "flows.cli", "process", "--from", day.isoformat(), "--to", day.isoformat(), "--brand", "halcyon"]
    server = _start_server(home, port)
    try:
        marker = tmp_path / "paused"
        run = subprocess.Popen(command, env={**env, "PULSE_PAUSE_AT_WRITE": f"1:{marker}"}, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300  # a loaded two-core machine takes minutes to start a run
        while not marker.exists() and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.2)
        ended = run.poll() is not None  # its output, when it has ended, says why it never wrote
        assert marker.exists(), f"the run reached its first write (exit code {run.poll()}): {run.communicate()[1][-2000:] if ended else 'still running'}"
        _stop(server)  # the outage, while the clean task is writing
        started = time.monotonic()
        _, err = run.communicate(timeout=300)
        print(f"the run gave up {time.monotonic() - started:.0f} s after the outage")
        assert run.returncode == 1, "the run must not report success without its server"
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert errors and errors[-1].startswith(f"error: lost the Prefect API at http://127.0.0.1:{port}/api"), err[-2000:]

        server = _start_server(home, port)
        again = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-2000:]
        assert pl.read_parquet(Lake(lake_dir).partition("scored", "halcyon", day)).height == 1
    finally:
        _stop(server)
