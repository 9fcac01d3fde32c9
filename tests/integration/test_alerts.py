"""automations/*.yaml installed with `pulse alerts` on a real Prefect server: a failed
run and a spike each reach the team's webhook (a local HTTP server here)."""

import json
import os
import subprocess
import sys
import time
from datetime import date

import polars as pl
import pytest

from tasks import schema
from tasks.config import REPO_ROOT
from tasks.storage import Lake
from tests.conftest import raw_frame, raw_row
from tests.integration.prefect_server import _free_port, _start_server, _stop

pytestmark = pytest.mark.integration

SPIKE = {"date": "2026-11-20", "mentions": 412, "usual_mentions": 61.0, "negative_share_pct": 71.4, "usual_negative_share_pct": 22.0, "why": ["volume", "negative share"]}


def _pulse(env, *args):
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def test_a_failed_run_and_a_spike_are_posted_to_the_alert_block(tmp_path, httpserver):
    httpserver.expect_request("/alerts", method="POST").respond_with_data("ok")
    port = _free_port()
    env = {
        **os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "PREFECT_HOME": str(tmp_path / "home"),
        "PULSE_DATA_DIR": str(tmp_path / "lake"), "PULSE_CONFIG": str(REPO_ROOT / "config"), "PULSE_NLTK_DATA": str(tmp_path / "nltk"),
    }
    server = _start_server(tmp_path / "server-home", port)
    try:
        setup = f"""
from prefect.blocks.notifications import CustomWebhookNotificationBlock
CustomWebhookNotificationBlock(name="alerts", url={httpserver.url_for('/alerts')!r}, json_data={{"text": "{{{{subject}}}}\\n{{{{body}}}}"}}).save("pulse-test")
"""
        subprocess.run([sys.executable, "-c", setup], env=env, check=True, timeout=120)
        installed = _pulse(env, "alerts", "--block", "custom-webhook/pulse-test")
        assert installed.returncode == 0, installed.stderr
        assert "automation 'social-pulse-failed-runs' sends to custom-webhook/pulse-test" in installed.stdout

        # A process run that fails its clean gate (the same mention id twice) ...
        day = date(2026, 11, 18)
        twice = raw_frame(raw_row("1", "Halcyon outage in Leeds"), raw_row("2", "Halcyon is fine"))
        Lake(tmp_path / "lake").replace_partitions("raw", "halcyon", [day], twice.with_columns(pl.lit(schema.mention_id("reddit", "1")).alias("mention_id")), source="reddit")
        failed = _pulse(env, "process", "--from", day.isoformat(), "--to", day.isoformat(), "--brand", "halcyon")
        assert failed.returncode == 1
        # ... and the event a weekly summary emits for a spike.
        emit = f"""
from prefect.events import emit_event
from tasks.spikes import spike_events
for event in spike_events("halcyon", "Halcyon Mobile", "2026-W47", [{SPIKE!r}]):
    emit_event(**event)
"""
        subprocess.run([sys.executable, "-c", emit], env=env, cwd=REPO_ROOT, check=True, timeout=120)

        deadline, texts = time.monotonic() + 90, []
        while time.monotonic() < deadline and len(texts) < 2:
            texts = [json.loads(request.get_data())["text"] for request, _ in httpserver.log]
            time.sleep(1)
    finally:
        _stop(server)

    assert len(texts) == 2, texts
    failure = next(t for t in texts if "Failed" in t)
    assert failure.startswith("Social Pulse: process run ")
    assert "quality gate 'clean' failed for halcyon 2026-11-18..2026-11-18" in failure
    spike = next(t for t in texts if "spike" in t)
    assert spike.startswith("Social Pulse: spike for Halcyon Mobile on 2026-11-20")
    assert "412 mentions against a usual 61.0" in spike and "(spike in volume and negative share)" in spike
