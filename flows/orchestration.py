"""How tasks retry, and how their results show up in the Prefect UI."""

from __future__ import annotations

import os
import re
from pathlib import Path
from datetime import date, datetime, time, timedelta, timezone

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.tasks import exponential_backoff

from tasks import stages
from tasks.errors import ConfigError, DeterministicError, StorageError
from tasks.secrets import scrub, scrub_data
from tasks.stages import StageStats
from tasks.storage import Lake, is_remote
from tasks.validate import GateResult, build_data_docs


def retry_transient(task, task_run, state) -> bool:
    """Retry I/O trouble; never a bad config or a failed quality gate, which would
    fail the same way again."""
    return not isinstance(state.data, DeterministicError)


# I/O tasks: three more tries, 2 s, 4 s, 8 s apart, each +/- 50 % so parallel
# retries do not hit a source in step.
IO_RETRIES = dict(
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_transient,
)


def task_runner():
    """Where process runs its tasks, chosen by the environment so that deployments and
    workers switch it without code edits: threads in the flow's process (default), or
    with PULSE_TASK_RUNNER=dask a Dask cluster (prefect-dask), where each brand's
    clean, score and board tasks run in parallel worker processes: a temporary local
    cluster per run, or the scheduler at PULSE_DASK_ADDRESS (e.g. tcp://10.0.0.5:8786),
    whose workers may be on other machines that see the same data lake."""
    kind = os.environ.get("PULSE_TASK_RUNNER", "threads")
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner()
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        address = os.environ.get("PULSE_DASK_ADDRESS")
        return DaskTaskRunner(address=address) if address else DaskTaskRunner(cluster_kwargs={"processes": True, "threads_per_worker": 1})
    raise ConfigError(f"PULSE_TASK_RUNNER={kind!r}: expected threads or dask")


def scheduled_time(timezone_name: str = "UTC") -> datetime:
    """When this flow run was meant to start (by its schedule or trigger), in the given
    time zone; now, outside a run. A late or retried run then covers the same days."""
    from zoneinfo import ZoneInfo

    from prefect.runtime import flow_run

    scheduled = flow_run.scheduled_start_time
    return datetime.fromtimestamp(scheduled.timestamp(), ZoneInfo(timezone_name)) if scheduled else datetime.now(ZoneInfo(timezone_name))


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in UTC: whole days, end inclusive."""
    return datetime.combine(start, time(), timezone.utc), datetime.combine(end + timedelta(days=1), time(), timezone.utc)


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def publish_gate(gate: GateResult, where: str, brand: str, start: datetime, end: datetime, source: str | None = None, earlier: list[dict] = ()) -> list[dict]:
    """The gate's checks as a file in the lake, where the weekly summary finds the
    warnings of its week, and as a Prefect table artifact that also shows `earlier`
    rows (the batches a task gated before this one). Returns the artifact's rows."""
    Lake().write_gate(gate.suite, brand, start, end, {"suite": gate.suite, "where": where, "checks": gate.table()}, source)
    rows = [*earlier, *({"where": where, **row} for row in gate.table())]
    table_artifact(
        key=artifact_key("quality", gate.suite, *([source] if source else []), brand),
        table=rows,
        description=f"Quality gate `{gate.suite}`, latest for {where}: {len(gate.rejected)} rows quarantined, "
        f"{len(gate.failed_critical)} critical failures, {len(gate.warnings)} warnings.",
    )
    return rows


def publish_data_docs(lake: Lake, failing: bool = False) -> None:
    """Great Expectations' own report of this process's validations, under the lake (or,
    for a lake on object storage, in ./data_docs: Great Expectations writes local files).

    When the run is already failing (`failing`), the Data Docs are a courtesy: a disk
    that is full or read-only breaks them too, and their error must not replace the
    one that says what happened first (a StorageError naming the partition)."""
    where = Path("data_docs") if is_remote(lake.root) else lake.root / "data_docs"
    try:
        index = build_data_docs(where)
    except Exception as e:
        if failing:
            get_run_logger().warning("Great Expectations Data Docs not built under %s: %s: %s", where, type(e).__name__, e)
            return
        if isinstance(e, OSError):
            raise StorageError(f"cannot write the Data Docs under {where}: {e.strerror or e}") from e
        raise
    get_run_logger().info("Great Expectations Data Docs: %s", index.resolve())


def publish_stages(stats: list[StageStats], key: str, title: str) -> None:
    body = stages.markdown(stats)
    dropped = stages.totals(stats)
    reasons = [f"- {s.stage}: {r} — {n}" for s in dropped for r, n in sorted(s.dropped.items())]
    markdown_artifact(
        key=artifact_key(key),
        markdown=f"# {title}\n\n{body}\n\n" + ("Dropped, by reason:\n\n" + "\n".join(reasons) if reasons else ""),
        description=title,
    )


def table_artifact(key: str, table: list[dict], description: str | None = None) -> None:
    """Every table artifact the flows publish, with secrets scrubbed (tasks/secrets.py)."""
    create_table_artifact(key=key, table=scrub_data(table), description=scrub(description))


def markdown_artifact(key: str, markdown: str, description: str | None = None) -> None:
    """Every Markdown artifact the flows publish, with secrets scrubbed (tasks/secrets.py)."""
    create_markdown_artifact(key=key, markdown=scrub(markdown), description=scrub(description))
