"""A real `prefect server start` in a subprocess, for tests that need to stop it, restart it
or point it at another database than the session's temporary one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(home: Path, port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the server with PREFECT_HOME=home plus `env` (e.g. its database URL) and wait for /api/health."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    env.pop("PREFECT_API_URL", None)
    # The server's output goes to home/server.log (appended across restarts), quoted when it fails to come up.
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2).ok:
                return server
        except requests.RequestException:
            time.sleep(0.5)
    _stop(server)
    tail = log.read_text(errors="replace")[-2000:]
    raise AssertionError(f"the Prefect server did not come up within 120 s (exit code {server.returncode}); its log ends:\n{tail}")


def _stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=30)
