"""listen: fetch each source's mentions of each brand for a time window and commit
them to raw/. One task per (source, brand, window)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.orchestration import IO_RETRIES, failure_cause, resolve, task_retries, listen_run_name, listen_task_run_name, publish_gate, publish_stages, table_artifact, table_rows
from tasks.config import Brand, Config, SourceSettings
from tasks.errors import SourceBusy, SourceError
from tasks.extract import cut_long_texts
from tasks.ranges import check_window
from tasks.sources.registry import connector
from tasks.stage import LISTEN, Batch, Transformed, run_stage, window_batch
from tasks.stages import StageStats
from tasks.storage import Lake
from tasks.validate import Check, check_rows


# Leases: a crashed run's slot returns within about a minute (the server's repossessor
# revokes expired leases); a live run renews its lease in the background.
LEASE_SECONDS = 60
# A run waits this long for another run of the same source, then fails, naming the limit.
WAIT_SECONDS = 30 * 60


def source_limit(source_name: str) -> str:
    """The Prefect global concurrency limit (one slot) held while a source's window is
    read, fetched and committed."""
    return f"listen-{source_name}"


def on_long_lived_server() -> bool:
    """Slots live in the server's memory: only a server that outlives the run (PREFECT_API_URL)
    can hand them over between runs. A temporary per-command server cannot, and a crash
    would leave its slot taken for good; runs on those are one person's manual runs."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def ensure_source_limits(source_names: list[str]) -> None:
    """Create each source's one-slot limit on the Prefect server if it is not there yet.
    An existing limit is left as an operator set it (e.g. made inactive)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    # Read first: the server logs a traceback for every create that finds the name taken.
    with get_client(sync_client=True) as client:
        for name in source_names:
            try:
                client.read_global_concurrency_limit_by_name(source_limit(name))
                continue
            except ObjectNotFound:
                pass
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=source_limit(name), limit=1))
            except ObjectAlreadyExists:  # another run created it since the read
                pass


@task(name="listen-window", task_run_name=listen_task_run_name, cache_policy=NO_CACHE, **IO_RETRIES)
def listen_window(cfg: Config, lake: Lake, source: SourceSettings, brand: Brand, start: datetime | None, end: datetime) -> StageStats:
    """Fetch, gate and commit one window, from `start` (default: the source's cursor) to `end`.

    Two listen runs may overlap (a slow run and the next schedule, or a manual run):
    holding the source's one-slot limit from reading the cursor to moving it means
    the second run starts where the first committed, and no two runs read and
    replace the same raw partition at once."""
    if not on_long_lived_server():
        return _listen_window(cfg, lake, source, brand, start, end)
    from prefect.concurrency.sync import concurrency

    try:
        with concurrency(source_limit(source.name), occupy=1, strict=True, timeout_seconds=WAIT_SECONDS, lease_duration=LEASE_SECONDS):
            return _listen_window(cfg, lake, source, brand, start, end)
    except TimeoutError:
        raise SourceBusy(
            f"{source.name}: another listen run has held the concurrency limit {source_limit(source.name)!r} for over "
            f"{WAIT_SECONDS // 60} minutes; if none is running (say the server restarted while one was), free it with "
            f"`prefect gcl update {source_limit(source.name)} --active-slots 0`"
        ) from None


def _listen_window(cfg: Config, lake: Lake, source: SourceSettings, brand: Brand, start: datetime | None, end: datetime) -> StageStats:
    t0 = time.time()
    start, end = resolve_window(cfg, lake, source.name, brand.id, start, end)
    if end <= start:
        # Another run committed this window while this one waited for the source.
        return StageStats("listen", brand.id, source.name, spans=[(t0, time.time())], detail={"pages": 0, "complete": True, "errors": ""})
    fetched = None

    def fetch(batch: Batch) -> Transformed:
        nonlocal fetched
        fetched = connector(source.kind).fetch(source, brand, start, end, lake.read_source_state(source.name, brand.id))
        mentions = cut_long_texts(fetched.mentions, brand, cfg.settings.cleaning.max_text_chars)
        # Reported with the gate's checks, so the weekly summary lists it too.
        findings = [] if fetched.complete else [
            Check("window fetched completely", None, False, False, 0, "; ".join(fetched.stats.errors) or "a page could not be read"),
        ]
        parameters = {"earliest": start, "latest": min(end, datetime.now(timezone.utc))}
        return Transformed(mentions, fetched.seen, rejected=fetched.rejects, dropped=fetched.dropped, findings=findings, parameters=parameters)

    batch = window_batch(source.name, brand.id, start, end)
    stats = run_stage(LISTEN, brand.id, lake, [batch], fetch, lambda gate, batch: publish_gate(gate, batch, brand.id))
    if fetched.state:
        lake.write_source_state(source.name, brand.id, fetched.state)
    if fetched.complete:  # a page that could not be read: fetch the window again next time
        lake.advance_cursor(source.name, brand.id, end)
    stats.spans = [(t0, time.time())]
    stats.detail = {
        "pages": fetched.stats.pages,
        "retries": fetched.stats.retries,
        "rate-limit waits": fetched.stats.rate_limit_waits,
        "waited (s)": round(fetched.stats.waited_seconds, 1),
        "complete": fetched.complete,
        "errors": "; ".join(fetched.stats.errors),
    }
    return stats


def source_row(s: StageStats) -> dict:
    """One listen window in the `listen-sources` artifact, in five short columns."""
    d = s.detail
    fetched = f"{d.get('pages', 0)} pages"
    if d.get("retries"):
        fetched += f", {d['retries']} retries"
    if d.get("rate-limit waits"):
        fetched += f", {d['rate-limit waits']} rate-limit waits ({d['waited (s)']} s)"
    return {
        "source": f"{s.source}/{s.brand}",
        "mentions": f"{s.rows_out} kept, {s.quarantined} quarantined",
        "fetched": fetched,
        "complete": bool(d.get("complete")),
        "error": d.get("errors") or "",
    }


def resolve_window(cfg: Config, lake: Lake, source: str, brand: str, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Explicit bounds win; otherwise from the cursor (or the default look-back) to now."""
    end = end or datetime.now(timezone.utc).replace(microsecond=0)
    if start is None:
        start = lake.read_cursor(source, brand) or end - timedelta(hours=cfg.settings.listen.default_lookback_hours)
    return start, end


@flow(name="listen", flow_run_name=listen_run_name, log_prints=True)
def listen_flow(
    start: datetime | None = None,
    end: datetime | None = None,
    sources: list[str] | None = None,
    brands: list[str] | None = None,
    data_dir: str | None = None,
    config_path: str | None = None,
) -> list[StageStats]:
    """Fetch mentions of every brand from every enabled source for [start, end).

    A failing source does not stop the others: their windows are committed, and the
    run then fails naming the sources that did not answer. `data_dir` and
    `config_path` default to $PULSE_DATA_DIR and $PULSE_CONFIG (else ./data, ./config)."""
    cfg, lake = resolve(config_path, data_dir)
    logger = get_run_logger()
    chosen = [cfg.brand(b) for b in brands] if brands else cfg.brands
    end = end or datetime.now(timezone.utc).replace(microsecond=0)
    check_window(start, end, "start", "end")
    enabled = cfg.enabled_sources(sources)
    if on_long_lived_server():
        ensure_source_limits([s.name for s in enabled])
    futures, windows = {}, {}
    for source in enabled:
        for brand in chosen:
            # As far as this run can tell before it holds the source's limit; the task
            # reads the cursor again once it does.
            lo, hi = resolve_window(cfg, lake, source.name, brand.id, start, end)
            if hi <= lo:
                logger.info("%s/%s: nothing new since %s", source.name, brand.id, lo)
                continue
            windows[(source.name, brand.id)] = (lo, hi)
            futures[(source.name, brand.id)] = listen_window.with_options(
                tags=[f"source:{source.name}"],
                **task_retries(cfg.settings.retries.window),
            ).submit(cfg, lake, source, brand, start, end)

    stats, failed = [], []
    for (source_name, brand_id), future in futures.items():
        future.wait()
        state = future.state
        if state.is_completed():
            stats.append(future.result())
        else:
            failed.append({"source": source_name, "brand": brand_id, "errors": failure_cause(state)})
            # Kept with the quality results, where the weekly summary reads what went wrong.
            lo, hi = windows[(source_name, brand_id)]
            check = Check("source answered", "(source)", False, True, 0, failed[-1]["errors"])
            lake.write_gate("source", brand_id, lo, hi, window_batch(source_name, brand_id, lo, hi).where, check_rows([check]), source_name)
    publish_stages(stats, "listen-stages", "What listening did")
    table_artifact(
        key="listen-sources",
        table=table_rows([source_row(s) for s in stats] + [
            {"source": f"{f['source']}/{f['brand']}", "mentions": "", "fetched": "", "complete": False, "error": f["errors"]} for f in failed
        ]),
        description="Per source and brand: mentions kept and quarantined, pages fetched (with retries and "
        "rate-limit waits), whether the whole window was read, and what went wrong.",
    )
    if failed:
        detail = "; ".join(f"{f['source']}/{f['brand']}: {f['errors']}" for f in failed)
        raise SourceError(f"{len(failed)} source window(s) failed, the others were committed: {detail}")
    return stats
