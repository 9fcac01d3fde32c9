"""The Prefect server on PostgreSQL instead of its default SQLite file, set up with
scripts/local-postgres.sh (README: "Prefect server on PostgreSQL"): a real process run
completes, and its state is found in PostgreSQL itself."""

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from tasks.config import REPO_ROOT
from tasks.storage import Lake
from tests.conftest import raw_frame, raw_row
from tests.integration.prefect_server import _free_port, _start_server, _stop

pytestmark = pytest.mark.integration

SCRIPT = REPO_ROOT / "scripts" / "local-postgres.sh"


def _flow_runs(url: str) -> set[tuple[str, str]]:
    async def query():
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            rows = await connection.fetch("SELECT f.name, r.state_type::text FROM flow_run r JOIN flow f ON f.id = r.flow_id")
        finally:
            await connection.close()
        return {(row[0], row[1]) for row in rows}

    return asyncio.run(query())


def test_prefect_server_on_postgres(tmp_path):
    # As root the script runs PostgreSQL as user postgres, which cannot enter pytest's 0700 base
    # directory: the cluster then lives in its own directory under /tmp, removed at the end.
    pg_dir = Path(tempfile.mkdtemp(prefix="pulse-pg-")) if os.geteuid() == 0 else tmp_path / "pg"
    pg_port, port = _free_port(), _free_port()
    home, lake_dir = tmp_path / "prefect-home", tmp_path / "lake"
    day = date(2026, 11, 18)
    Lake(lake_dir).replace_partitions("raw", "halcyon", [day], raw_frame(raw_row("1", "Halcyon outage, no signal in Leeds")), source="reddit")
    server = None
    try:
        started = subprocess.run([str(SCRIPT), "start", str(pg_dir), str(pg_port)], capture_output=True, text=True, timeout=120)
        if started.returncode != 0:
            pytest.fail(f"scripts/local-postgres.sh start failed (exit {started.returncode}): {started.stderr.strip()}", pytrace=False)
        url = started.stdout.strip()
        assert url == f"postgresql+asyncpg://prefect:prefect@127.0.0.1:{pg_port}/prefect"

        server = _start_server(home, port, env={"PREFECT_API_DATABASE_CONNECTION_URL": url})
        env = {
            **os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PULSE_DATA_DIR": str(lake_dir), "PULSE_CONFIG": str(REPO_ROOT / "config"), "PULSE_NLTK_DATA": str(tmp_path / "nltk"),
        }
        command = [sys.executable, "-m", "flows.cli", "process", "--from", day.isoformat(), "--to", day.isoformat(), "--brand", "halcyon"]
        run = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]

        assert ("process", "COMPLETED") in _flow_runs(url), "the completed run is stored in PostgreSQL"
        assert not list(home.rglob("prefect.db*")), "the server must not have fallen back to SQLite"
    finally:
        if server is not None:
            _stop(server)
        subprocess.run([str(SCRIPT), "stop", str(pg_dir)], capture_output=True, timeout=120)
        if pg_dir != tmp_path / "pg":
            shutil.rmtree(pg_dir, ignore_errors=True)
