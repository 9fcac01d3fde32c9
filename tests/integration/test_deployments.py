"""The way an operator runs Social Pulse: a real `prefect server start`, the deployments
of prefect.yaml registered with `pulse deploy`, a worker on the process work pool, and
flow runs triggered with the `prefect` command line. Checked through the Prefect API:
the runs completed, processing followed listening by itself, the artifacts exist, and
every schedule is the one config/ gives."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prefect.client.schemas.schedules import IntervalSchedule

from tasks.config import REPO_ROOT, load_config
from tests.integration.prefect_server import _free_port, _start_server, _stop

pytestmark = pytest.mark.integration

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _run(env, *args, timeout=300):
    done = subprocess.run(args, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _trigger(env, deployment, **params):
    """`prefect deployment run` as an operator types it, waiting for the run to end."""
    args = [str(Path(sys.executable).with_name("prefect")), "deployment", "run", deployment, "--watch", "--watch-interval", "1", "--watch-timeout", "300"]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    return _run(env, *args)


@pytest.fixture
def operator(tmp_path):
    """A server, the deployments and a worker, as the README's steps set them up; every
    process is stopped afterwards."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PULSE_DATA_DIR": str(tmp_path / "lake"), "PULSE_CONFIG": str(REPO_ROOT / "config"),
        "PULSE_NLTK_DATA": str(tmp_path / "nltk"), "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    # The scheduler looks for due schedules every 5 s instead of 60 s, so a test sees it act.
    server = _start_server(tmp_path / "server-home", port, {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5"})
    worker = None
    try:
        _run(env, sys.executable, "-m", "flows.cli", "deploy")
        with (tmp_path / "worker.log").open("wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "flows.cli", "worker"], env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        yield env, tmp_path
    finally:
        if worker is not None:
            try:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(worker.pid, signal.SIGKILL)
        _stop(server)


def _client(env):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    class _Client:
        def __enter__(self):
            self._settings = temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]})
            self._settings.__enter__()
            self._client = get_client(sync_client=True).__enter__()
            return self._client

        def __exit__(self, *exc):
            self._client.__exit__(*exc)
            self._settings.__exit__(*exc)

    return _Client()


def _runs_of(client, deployment_name):
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName, FlowFilter, FlowFilterName

    flow_name, name = deployment_name.split("/")
    return client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
        deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])),
    )


def test_deployed_flows_run_on_a_worker_from_the_command_line(operator):
    env, tmp_path = operator
    cfg = load_config()

    _trigger(env, "listen/scheduled", start="2026-11-16T00:00:00+00:00", end="2026-11-23T00:00:00+00:00")

    with _client(env) as client:
        # Nobody asks for processing: the deployment trigger starts it when listening ends.
        deadline, triggered = time.monotonic() + 240, []
        while time.monotonic() < deadline:
            triggered = [r for r in _runs_of(client, "process/after-listen") if r.state_type.value in TERMINAL]
            if triggered:
                break
            time.sleep(2)
        assert triggered, "no process run followed the listen run within 4 minutes"

    _trigger(env, "process/after-listen", start="2026-11-16", end="2026-11-22")
    _trigger(env, "weekly-summary/halcyon", week="2026-W47")

    with _client(env) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        # The scheduler adds upcoming runs of its own (another test watches those): count
        # the runs this test started and the process runs they triggered.
        for deployment, expected in (("listen/scheduled", 1), ("process/after-listen", 2), ("weekly-summary/halcyon", 1)):
            runs = [r for r in _runs_of(client, deployment) if not r.auto_scheduled and r.state_type.value != "SCHEDULED"]
            assert len(runs) >= expected, f"{deployment}: {[(r.name, r.state_name) for r in runs]}"
            assert {r.state_name for r in runs} == {"Completed"}, f"{deployment}: {[(r.name, r.state_name, r.state.message) for r in runs]}"

        keys = {a.key for a in client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(exists_=True)))}
        assert {"listen-sources", "listen-stages", "process-stages", "issue-board-halcyon", "weekly-summary-halcyon", "weekly-issues-halcyon"} <= keys

        d = cfg.settings.deployments
        schedules = {"listen/scheduled": (d.listen_cron, "UTC")}
        schedules.update({f"weekly-summary/{b.id}": (d.weekly_summary_cron, b.timezone) for b in cfg.brands})
        for name, (cron, zone) in schedules.items():
            (schedule,) = client.read_deployment_by_name(name).schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (cron, zone, True), name
        for name in ("process/after-listen", "backfill/on-demand"):
            assert client.read_deployment_by_name(name).schedules == []

    from tasks.storage import Lake

    assert (Lake(tmp_path / "lake").report_dir("halcyon", "2026-W47") / "summary.html").exists()


def test_schedules_create_runs_that_a_worker_completes(operator):
    """What the product is for: nobody presses anything. After `pulse deploy` the server's
    scheduler lays out upcoming runs for every scheduled deployment, and a run the
    scheduler started (the listen schedule moved to fall due within seconds, for the
    test) is picked up by `pulse worker` and completes."""
    env, _ = operator
    cfg = load_config()
    scheduled = ["listen/scheduled", *(f"weekly-summary/{b.id}" for b in cfg.brands)]

    with _client(env) as client:
        deadline, upcoming = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            upcoming = {name: [r for r in _runs_of(client, name) if r.auto_scheduled and r.state_type.value == "SCHEDULED"] for name in scheduled}
            if all(upcoming.values()):
                break
            time.sleep(1)
        assert all(upcoming.values()), f"no upcoming runs within 60 s for {[n for n, runs in upcoming.items() if not runs]}"
        # Upcoming weekly runs fall on Mondays at the configured hour in the brand's zone.
        first = min(upcoming[f"weekly-summary/{cfg.brands[0].id}"], key=lambda r: r.expected_start_time)
        local = first.expected_start_time.astimezone(__import__("zoneinfo").ZoneInfo(cfg.brands[0].timezone))
        assert (local.isoweekday(), local.hour, local.minute) == (1, 8, 0), local

        listen = client.read_deployment_by_name("listen/scheduled")
        (schedule,) = listen.schedules
        # Due 15 s from now and every 90 s after: a few chances within the wait, but never
        # the pile-up a seconds-long interval makes (each listen run also triggers a
        # process run, and on a busy two-core machine SQLite then refuses submissions
        # with 503s until the worker gives up on them).
        anchor = datetime.now(timezone.utc) + timedelta(seconds=15)
        client.update_deployment_schedule(listen.id, schedule.id, schedule=IntervalSchedule(interval=timedelta(seconds=90), anchor_date=anchor))

        deadline, done, ended = time.monotonic() + 300, [], []
        while time.monotonic() < deadline and not done:
            ended = [r for r in _runs_of(client, "listen/scheduled") if r.auto_scheduled and r.state_type.value in TERMINAL]
            done = [r for r in ended if r.state_name == "Completed"]
            time.sleep(2)
        assert done, f"no scheduled listen run completed within 5 minutes: {[(r.name, r.state_name, r.state.message) for r in ended]}"
        print(f"scheduled run {done[0].name!r} expected at {done[0].expected_start_time}, started {done[0].start_time}, ended {done[0].state_name}")
