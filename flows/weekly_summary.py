"""weekly_summary: one brand, one ISO week -> Markdown, HTML and JSON under reports/,
and Prefect artifacts with stable keys so the UI keeps the history week by week."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import polars as pl
from prefect import flow, task
from prefect.events import emit_event
from prefect.cache_policies import NO_CACHE

from flows.orchestration import IO_RETRIES, artifact_key, markdown_artifact, resolve, retrying, scheduled_time, table_artifact, task_run_label, weekly_summary_run_name
from tasks.calendar import day_bounds, days_before, parse_week, week_before, week_days, week_label
from tasks.config import Config
from tasks.deliver import deliver, messages
from tasks.discovery import period_issues, stored
from tasks.emerging import PhraseCut
from tasks.spikes import spike_events
from tasks.stages import StageStats
from tasks.storage import Lake, lake_path, shown, write_text
from tasks.reports.render import render_html, render_markdown, render_quality_html
from tasks.reports.daily import kept_phrase_counts
from tasks.reports.weekly import build_summary


@task(name="build-weekly-summary", task_run_name=task_run_label("weekly-summary"), cache_policy=NO_CACHE, **IO_RETRIES)
def build_report(cfg: Config, lake: Lake, brand_id: str, week: str) -> tuple[StageStats, dict[str, str]]:
    t0 = time.time()
    brand = cfg.brand(brand_id)
    days = week_days(week)
    this_week = lake.read_reported(brand.id, days)
    baseline_days = days_before(week, cfg.settings.summary.baseline_weeks)
    before = lake.read_reported(brand.id, baseline_days)
    phrases = PhraseCut()  # the week's texts cut into phrases once: for the issues' labels and the emerging phrases
    gates = lake.read_gates(brand.id, *day_bounds(days[0], days[-1]))
    with ThreadPoolExecutor(1) as pool:
        # The summary works out what does not need the issues while they are found.
        discovered = pool.submit(week_issues, cfg, lake, brand, week, this_week, before, phrases)
        model = build_summary(
            brand,
            week,
            this_week=this_week,
            before=before,
            competitor_volume={c: lake.count_rows("scored", c, days) for c in brand.competitors},
            quarantine=lake.read_quarantine(brand.id, days),
            taxonomy=cfg.taxonomy,
            settings=cfg.settings.summary,
            gates=gates,
            triage_team=cfg.settings.routing.triage_team,
            discovered=discovered,
            brand_names={b.id: b.name for b in cfg.brands},
            phrases=phrases,
            # The phrases as the daily boards counted them, when they kept every day's.
            baseline_phrases=kept_phrase_counts(lake, brand.id, baseline_days),
            week_phrases=kept_phrase_counts(lake, brand.id, days),
        )
    out = lake.report_dir(brand.id, week)
    markdown = render_markdown(model)
    paths = {"markdown": out / "summary.md", "html": out / "summary.html", "json": out / "summary.json", "quality": out / "quality.html"}
    write_text(markdown, paths["markdown"])
    write_text(render_html(model), paths["html"])
    write_text(render_quality_html(brand.name, week, gates), paths["quality"])
    write_text(json.dumps(model, indent=2, ensure_ascii=False, default=str) + "\n", paths["json"])

    markdown_artifact(key=artifact_key("weekly-summary", brand.id), markdown=markdown, description=f"{brand.name} {week}")
    table_artifact(
        key=artifact_key("weekly-issues", brand.id),
        table=[
            # Four columns: a fifth is cut off beside the Prefect UI's side panel at 1400 px.
            {"issue": i["label"], "team": f"{i['team_name']} ({i['team_share']} %)", "mentions": f"{i['mentions']} from {i['authors']} people",
             "status": i["status"] if i["status"] == "new" else f"{i['status']} (since {i['first_seen']})"}
            for i in model["top_issues"]
        ],
        description=f"Top issues for {brand.name}, {week}",
    )
    table_artifact(
        key=artifact_key("weekly-teams", brand.id),
        table=[{"team": t["name"], "mentions": t["volume"], "net sentiment": t["net_sentiment"], "issues": len(t["issues"])} for t in model["teams"]],
        description=f"Teams for {brand.name}, {week}",
    )
    for event in spike_events(brand.id, brand.name, week, model["spikes"]):
        emit_event(**event)
    stats = StageStats("summary", brand.id, rows_in=this_week.height, rows_out=this_week.height, spans=[(t0, time.time())])
    return stats, {k: str(p) for k, p in paths.items()}


def week_issues(cfg: Config, lake: Lake, brand, week: str, this_week, before, phrases: PhraseCut | None = None) -> dict:
    """The week's discovered issues, followed from last week's as the lake keeps them
    (found from last week's mentions when that week was never summarised), and kept."""
    settings, days = cfg.settings.discovery, week_days(week)
    last_week = week_before(week)
    args = (settings, cfg.taxonomy, [*brand.terms, brand.name], settings.min_mentions_week, cfg.settings.summary.mask_pii)
    previous = lake.read_issues(brand.id, last_week)
    if previous is None:
        previous = stored(period_issues(before.filter(pl.col("date") >= parse_week(last_week)), None, last_week, *args, cut=phrases, threads=2))
    found = period_issues(this_week, previous, week, *args, cut=phrases, threads=2)
    lake.write_issues(brand.id, week, stored(found))
    return found


@task(name="deliver-weekly-summary", task_run_name=task_run_label("deliver"), cache_policy=NO_CACHE)
def deliver_report(cfg: Config, lake: Lake, brand_id: str, week: str, model_path: str, resend: bool) -> str:
    """Post the summary to the configured webhook; retries live in the HTTP session."""
    settings = cfg.settings.delivery
    url = os.environ.get(settings.webhook_url_env)
    if not url:
        return f"not delivered: {settings.webhook_url_env} is not set"
    model = json.loads(lake_path(model_path).read_text(encoding="utf-8"))
    return deliver(messages(model, settings.mode), url, lake.delivery_receipt(brand_id, week), resend=resend, retry=cfg.settings.retries.delivery)


def week_to_summarise(timezone_name: str) -> str:
    """The last full ISO week before the run's scheduled time (in the brand's time zone),
    so a retry or a late run of Monday's schedule still writes the same week."""
    return week_before(week_label(scheduled_time(timezone_name).date()))


@flow(name="weekly-summary", flow_run_name=weekly_summary_run_name, log_prints=True)
def weekly_summary_flow(
    brand: str, week: str | None = None, resend: bool = False, data_dir: str | None = None, config_path: str | None = None,
) -> dict[str, str]:
    """Write the weekly cross-team summary of `brand` for ISO `week` (e.g. 2026-W47;
    default: the last full week before the run's scheduled time) and deliver it.
    `data_dir` and `config_path` default to $PULSE_DATA_DIR and $PULSE_CONFIG."""
    cfg, lake = resolve(config_path, data_dir)
    week = week or week_to_summarise(cfg.brand(brand).timezone)
    week_days(week)  # a bad week label fails here, before any task runs
    _, paths = retrying(build_report, cfg.settings.retries.task)(cfg, lake, brand, week)
    print(f"Weekly summary for {brand} {week}: {shown(paths['html'])}")
    print(deliver_report(cfg, lake, brand, week, paths["json"], resend))
    return paths
