"""The Prefect UI as an operator opens it: `make ui PORT=N` on a port other than 4200,
a listen run recorded there, and the UI's pages loaded in headless Chromium."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tasks.config import REPO_ROOT
from tests.browser import chromium
from tests.integration.prefect_server import _free_port

pytestmark = pytest.mark.integration


def _listen(env):
    command = [sys.executable, "-m", "flows.cli", "listen", "--source", "hackernews", "--brand", "halcyon", "--from", "2026-11-18T00:00", "--to", "2026-11-18T12:00"]
    done = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_make_ui_on_another_port_serves_a_ui_that_talks_to_that_port(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    home, log = tmp_path / "prefect-home", tmp_path / "server.log"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    for name in ("PREFECT_API_URL", "PREFECT_SERVER_API_PORT", "PREFECT_UI_API_URL", "MAKEFLAGS", "MFLAGS"):
        env.pop(name, None)
    with log.open("wb") as out:
        server = subprocess.Popen(["make", "--no-print-directory", "ui", f"PORT={port}"], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if requests.get(f"{base}/api/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise AssertionError(f"make ui PORT={port} did not come up:\n{log.read_text(errors='replace')[-2000:]}")
        assert requests.get(f"{base}/ui-settings", timeout=10).json()["api_url"] == f"{base}/api"

        client = {**env, "PREFECT_API_URL": f"{base}/api", "PREFECT_HOME": str(tmp_path / "client-home"), "PULSE_DATA_DIR": str(tmp_path / "lake"),
                  "PULSE_CONFIG": str(REPO_ROOT / "config"), "PULSE_NLTK_DATA": str(tmp_path / "nltk")}
        _listen(client)  # creates the source's concurrency limit
        _listen(client)  # finds it: read first, no failed create in the server's log

        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            hosts = set()
            page.on("request", lambda r: hosts.add(r.url.split("/")[2]) if r.url.startswith("http") else None)
            page.goto(f"{base}/runs")
            page.get_by_text("listen hackernews/halcyon 2026-11-18T00:00..2026-11-18T12:00").first.wait_for(timeout=60_000)
        assert hosts == {f"127.0.0.1:{port}"}, f"the UI asked other servers: {hosts}"
        assert "Traceback" not in log.read_text(errors="replace"), "the server logged a traceback"
    finally:
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait(timeout=30)
