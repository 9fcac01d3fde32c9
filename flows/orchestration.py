"""Where a flow's config and lake come from, how tasks retry, and how their results
show up in the Prefect UI."""

from __future__ import annotations

import os
import re
from pathlib import Path
from datetime import date, datetime, time, timedelta, timezone

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from tasks import stages
from tasks.config import Config, RetryPolicy, RetrySettings, load_config
from tasks.errors import ConfigError, DeterministicError
from tasks.retry import backoff_schedule
from tasks.secrets import scrub, scrub_data
from tasks.stage import Batch
from tasks.stages import StageStats
from tasks.storage import Lake
from tasks.validate import GateResult


def retry_transient(task, task_run, state) -> bool:
    """Retry I/O trouble; never a bad config or a failed quality gate, which would
    fail the same way again."""
    return not isinstance(state.data, DeterministicError)


def task_retries(policy: RetryPolicy) -> dict:
    """A Prefect task's retry options for `policy` (settings.yaml `retries.task`, or
    `retries.window` for a listen window): the schedule tasks/retry.py computes, with
    the same jitter, and never on a deterministic failure."""
    return dict(
        retries=policy.retries,
        retry_delay_seconds=backoff_schedule(policy),
        retry_jitter_factor=policy.jitter,
        retry_condition_fn=retry_transient,
    )


# What the I/O task decorators start with: the `retries.task` policy's defaults. A flow
# applies its config's policy when it submits them (`with_options(**task_retries(...))`),
# since the decorators run at import, before any config is chosen.
IO_RETRIES = task_retries(RetrySettings().task)


def resolve(config_path: str | Path | None, data_dir: str | Path | None) -> tuple[Config, Lake]:
    """A flow's config and lake, resolved once at its top from its parameters (None:
    $PULSE_CONFIG and $PULSE_DATA_DIR, else ./config and ./data, so deployments and
    schedules that pass neither keep working); its tasks get both as arguments."""
    return load_config(config_path), Lake(data_dir)


def retrying(task, policy: RetryPolicy):
    """`task` retrying as `policy` says."""
    return task.with_options(**task_retries(policy))


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


# Run names: what a run does, readable in the UI's lists (`listen 2026-11-18T00:00..2026-11-19T00:00`,
# `process halcyon 2026-11-16..22`, `weekly-summary halcyon 2026-W47`). Prefect calls the
# flow-run namers inside the run, where prefect.runtime holds the parameters as passed
# (values from a deployment arrive as JSON strings); a parameter left out is shown as
# the flow will resolve it. ASCII only: the run graph draws names in a bitmap font that
# silently drops "→" and "…" ("2026-11-16…22" showed as "2026-11-1622").


def _as_datetime(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _as_date(value) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value if not isinstance(value, datetime) else value.date()


def window_label(start, end) -> str:
    """`2026-11-18T00:00..2026-11-19T00:00` (UTC); `cursor..<end>` when the start is each source's cursor."""
    lo = f"{_as_datetime(start):%Y-%m-%dT%H:%M}" if start else "cursor"
    return f"{lo}..{_as_datetime(end):%Y-%m-%dT%H:%M}"


def days_label(start, end) -> str:
    """`2026-11-16..22`, `2026-10-30..11-02`, `2026-12-28..2027-01-03`, or one day."""
    lo, hi = _as_date(start), _as_date(end)
    if lo == hi:
        return lo.isoformat()
    tail = hi.isoformat()[8:] if (lo.year, lo.month) == (hi.year, hi.month) else hi.isoformat()[5:] if lo.year == hi.year else hi.isoformat()
    return f"{lo.isoformat()}..{tail}"


def _run_name(*parts) -> str:
    return " ".join(str(p) for p in parts if p)


def _parameters() -> dict:
    from prefect.runtime import flow_run

    return flow_run.parameters or {}


def listen_run_name() -> str:
    p = _parameters()
    scope = "/".join(",".join(p.get(k) or []) for k in ("sources", "brands") if p.get(k))
    return _run_name("listen", scope, window_label(p.get("start"), p.get("end") or scheduled_time()))


def process_run_name() -> str:
    p = _parameters()
    end = _as_date(p.get("end") or scheduled_time())
    start = p.get("start")
    if not start:
        try:
            start = end - timedelta(days=load_config(p.get("config_path")).settings.deployments.process_lookback_days)
        except Exception:  # a bad config fails the run itself, with its own message
            start = end
    return _run_name("process", ",".join(p.get("brands") or []), days_label(start, end))


def weekly_summary_run_name() -> str:
    p = _parameters()
    week = p.get("week")
    if not week:
        from flows.weekly_summary import week_to_summarise

        try:
            week = week_to_summarise(load_config(p.get("config_path")).brand(p.get("brand")).timezone)
        except Exception:  # an unknown brand fails the run itself, with its own message
            week = "last week"
    return _run_name("weekly-summary", p.get("brand"), week)


def range_run_name() -> str:
    """demo and backfill: the flow's name and its days (the demo's default range is config's)."""
    from prefect.runtime import flow_run

    p = _parameters()
    if not p.get("start") and flow_run.flow_name == "demo":
        try:
            demo = load_config(p.get("config_path")).settings.demo
            p = {"start": demo.start, "end": demo.end}
        except Exception:  # a bad config fails the run itself, with its own message
            pass
    if not p.get("start"):
        return flow_run.flow_name or "run"
    return _run_name(flow_run.flow_name, ",".join(p.get("brands") or []), days_label(p["start"], p.get("end") or p["start"]))


def listen_task_run_name(parameters: dict) -> str:
    """`listen reddit/halcyon 2026-11-18T00:00..2026-11-19T00:00` (Prefect passes the task's parameters)."""
    p = parameters
    return _run_name("listen", f"{p['source'].name}/{p['brand'].id}", window_label(p.get("start"), p["end"]))


def task_run_label(verb: str):
    """A task-run namer for a per-brand task over days or a week: `clean halcyon 2026-11-16..22`,
    `weekly-summary halcyon 2026-W47`. The same name wherever the task runs (a
    deployment's flow run or the demo)."""

    def name(parameters: dict) -> str:
        p = parameters
        days = p.get("days") or []
        return _run_name(verb, getattr(p.get("brand"), "id", p.get("brand_id")), days_label(days[0], days[-1]) if days else p.get("week"))

    name.__name__ = f"{verb.replace('-', '_')}_task_run_name"
    return name


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def table_rows(rows: list[dict]) -> list[dict]:
    """Rows for a Prefect table artifact: the UI leaves a false boolean (and None) blank,
    so booleans are spelled true/false and None is empty."""
    return [{k: ("true" if v else "false") if isinstance(v, bool) else "" if v is None else v for k, v in r.items()} for r in rows]


def failure_cause(state) -> str:
    """What made a task fail, in the exception's own words ("reddit/halcyon: 401 ..."),
    not Prefect's "Task run encountered an exception ..." wrapper."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception as e:  # the result itself could not be read
        exc = e
    if isinstance(exc, BaseException):
        return str(exc) or type(exc).__name__
    return state.message or state.name


def _check_rows(start: datetime, end: datetime, checks: list[dict]) -> list[dict]:
    """A gate's checks in four short columns, so the table fits the artifact page: the
    batch (the artifact's key already names the brand and source), the check, its result
    and what was observed (row-level checks count their rows there)."""
    whole_days = start.time() == end.time() == time()
    batch = days_label(start, end - timedelta(days=1)) if whole_days else window_label(start, end)
    return [
        {
            "batch": batch,
            "check": c["expectation"].removeprefix("expect_") + ("" if c["column"] in (None, "(table)") else f"({c['column']})"),
            "result": "passed" if c["success"] else f"failed ({c['severity']})",
            "observed": c["observed"],
        }
        for c in checks
    ]


def publish_gate(gate: GateResult, batch: Batch, brand: str, earlier: list[dict] = ()) -> list[dict]:
    """A gate's checks as a Prefect table artifact that also shows `earlier` rows (the
    batches a task gated before this one); the lake already holds them (the stage
    runner stored them). Returns the artifact's rows."""
    rows = [*earlier, *table_rows(_check_rows(batch.start, batch.end, gate.table()))]
    table_artifact(
        key=artifact_key("quality", gate.suite, *([batch.source] if batch.source else []), brand),
        table=rows,
        description=f"Quality gate `{gate.suite}`, latest for {batch.where}: {len(gate.rejected)} rows quarantined, "
        f"{len(gate.failed_critical)} critical failures, {len(gate.warnings)} warnings.",
    )
    return rows


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
