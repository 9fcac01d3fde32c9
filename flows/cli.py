"""`pulse`: run Social Pulse's flows from the command line.

Each command runs one flow. Without PREFECT_API_URL, Prefect starts a temporary
local server for the run; with it, runs are recorded on that server and show in its UI.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

import flows  # noqa: F401  (sets analytics opt-outs before Prefect is imported)
from flows.console import err, error, say, show

app = typer.Typer(
    help="Social Pulse: listen for a brand's mentions, clean, validate, score, route and summarise them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass(frozen=True)
class Where:
    """The --config and --data-dir options: handed to each flow as its `config_path` and
    `data_dir` parameters (None: the flow falls back to $PULSE_CONFIG / $PULSE_DATA_DIR,
    as a deployment's run does), never written into this process's environment."""

    config: Path | None = None
    data_dir: Path | None = None

    def flow_parameters(self) -> dict[str, str | None]:
        return {"config_path": _str(self.config), "data_dir": _str(self.data_dir)}

    def child_env(self) -> dict[str, str]:
        """The environment of a process this command starts (a worker's flow runs read it)."""
        named = {"PULSE_CONFIG": _str(self.config), "PULSE_DATA_DIR": _str(self.data_dir)}
        return {**os.environ, **{k: v for k, v in named.items() if v is not None}}


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _where(ctx: typer.Context) -> Where:
    return ctx.find_root().obj or Where()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[Optional[Path], typer.Option("--config", help="Config folder (default: $PULSE_CONFIG, else ./config).")] = None,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Data lake folder (default: $PULSE_DATA_DIR, else ./data).")] = None,
) -> None:
    ctx.obj = Where(config, data_dir)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-18", param_hint=option) from None


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a time like 2026-11-18T09:00 or 2026-11-18", param_hint=option) from None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _config(ctx: typer.Context, brands: list[str] | None = None, sources: list[str] | None = None):
    """Validate config, the data folder and the chosen brands and sources before a flow
    (and a temporary Prefect server) starts: mistakes fail fast, in one line."""
    from tasks.config import load_config
    from tasks.storage import Lake

    where = _where(ctx)
    cfg = load_config(where.config)
    Lake(where.data_dir)
    if not os.environ.get("PREFECT_API_URL"):
        from flows import server_watchdog

        server_watchdog.install()  # a kill -9 of this command must not orphan its temporary Prefect server
    for b in brands or []:
        cfg.brand(b)
    if sources:
        cfg.enabled_sources(sources)
    return cfg


YES = typer.Option("--yes", "-y", help="Do not ask before working through a range longer than three months.")


def _confirm_long(days: int, yes: bool) -> None:
    """A two-year range is more often a typo than a plan: ask (or require --yes)."""
    from tasks.errors import UsageError
    from tasks.ranges import CONFIRM_DAYS

    if days <= CONFIRM_DAYS or yes:
        return
    question = f"The range covers {days} days (over {CONFIRM_DAYS}): a partition and a board per brand for each. Go on?"
    if not sys.stdin.isatty():
        raise UsageError(f"the range covers {days} days (over {CONFIRM_DAYS}); check --from and --to, or pass --yes to go on")
    if not typer.confirm(question, default=False):
        raise typer.Exit(1)


def _stage_table(stats) -> Table:
    from tasks.stages import totals

    table = Table(title="What each stage did")
    for col in ("stage", "rows in", "rows out", "quarantined", "dropped", "elapsed"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for s in totals(stats):
        table.add_row(s.stage, str(s.rows_in), str(s.rows_out), str(s.quarantined), str(s.dropped_total), f"{s.seconds:.1f} s")
    return table


def _print_stats(stats) -> None:
    from tasks.stages import totals

    show(_stage_table(stats))
    for s in totals(stats):
        for reason, n in sorted(s.dropped.items(), key=lambda kv: -kv[1]):
            say(f"  {s.stage}: dropped {n} — {reason}")
        if not s.balanced:
            say(f"  {s.stage}: rows do not add up", style="red")


@app.command()
def demo(ctx: typer.Context) -> None:
    """Run the whole pipeline over the bundled sample data and print where the report is."""
    _config(ctx)
    from flows.demo import demo_flow
    from tasks.storage import shown

    result = demo_flow(**_where(ctx).flow_parameters())
    _print_stats(result["stats"])
    week = result["latest_week"]
    say(f"\nWeekly reports for {week}:")
    for brand, weeks in result["reports"].items():
        say(f"  {brand}: {shown(weeks[week]['html'])}")
    say(f"  (all weeks: {shown(next(iter(result['reports'].values()))[week]['html']).rsplit('/', 3)[0]})")


@app.command()
def listen(
    ctx: typer.Context,
    from_: Annotated[Optional[str], typer.Option("--from", help="Window start (ISO time, UTC if no offset). Default: each source's cursor.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Window end, exclusive. Default: now.")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only this source (repeatable).")] = None,
    brand: Annotated[Optional[list[str]], typer.Option("--brand", help="Only this brand id (repeatable).")] = None,
    yes: Annotated[bool, YES] = False,
) -> None:
    """Fetch new mentions from every enabled source into raw/."""
    from tasks.ranges import check_window

    _config(ctx, brand, source)
    start, end = _moment(from_, "--from"), _moment(to, "--to")
    end_or_now = end or datetime.now(timezone.utc)
    check_window(start, end_or_now, last="--to" if end else "now")
    if start is not None:
        _confirm_long((end_or_now - start).days, yes)
    from flows.listen import listen_flow

    _print_stats(listen_flow(start=start, end=end, sources=source, brands=brand, **_where(ctx).flow_parameters()))


@app.command()
def process(
    ctx: typer.Context,
    from_: Annotated[Optional[str], typer.Option("--from", help="First date, e.g. 2026-11-16. Default: --to minus deployments.process_lookback_days.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Last date, inclusive. Default: today (UTC).")] = None,
    brand: Annotated[Optional[list[str]], typer.Option("--brand", help="Only this brand id (repeatable).")] = None,
    yes: Annotated[bool, YES] = False,
) -> None:
    """Clean, validate and score the mentions of a date range."""
    from tasks.ranges import check_days

    _config(ctx, brand)
    start, end = (_day(from_, "--from") if from_ else None), (_day(to, "--to") if to else None)
    if start is not None:
        _confirm_long(check_days(start, end or datetime.now(timezone.utc).date(), last="--to" if end else "today"), yes)
    from flows.process import process_flow

    _print_stats(process_flow(start=start, end=end, brands=brand, **_where(ctx).flow_parameters()))


@app.command()
def summary(
    ctx: typer.Context,
    brand: Annotated[str, typer.Option("--brand", help="Brand id from config/brands.yaml.")],
    week: Annotated[Optional[str], typer.Option("--week", help="ISO week, e.g. 2026-W47. Default: the last full week.")] = None,
    resend: Annotated[bool, typer.Option("--resend", help="Post to the webhook even if this content was delivered before.")] = False,
) -> None:
    """Write the weekly cross-team summary for one brand and ISO week, and deliver it
    to the webhook named in config/settings.yaml (if its variable is set)."""
    from tasks.storage import shown
    from tasks.calendar import week_days

    _config(ctx, [brand])
    if week is not None:
        week_days(week)
    from flows.weekly_summary import weekly_summary_flow

    paths = weekly_summary_flow(brand=brand, week=week, resend=resend, **_where(ctx).flow_parameters())
    for kind, path in paths.items():
        say(f"{kind:9} {shown(path)}")


@app.command()
def backfill(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="First date, e.g. 2026-10-19.")],
    to: Annotated[str, typer.Option("--to", help="Last date, inclusive.")],
    brand: Annotated[Optional[list[str]], typer.Option("--brand", help="Only this brand id (repeatable).")] = None,
    listen: Annotated[bool, typer.Option("--listen/--no-listen", help="Fetch the days again before processing them.")] = True,
    yes: Annotated[bool, YES] = False,
) -> None:
    """Listen and process a past range again, day by day, with a progress bar."""
    from tasks.ranges import check_days

    _config(ctx, brand)
    start, end = _day(from_, "--from"), _day(to, "--to")
    _confirm_long(check_days(start, end), yes)
    from flows.backfill import backfill_flow

    _print_stats(backfill_flow(start=start, end=end, brands=brand, listen=listen, **_where(ctx).flow_parameters()))


@app.command()
def evaluate(
    ctx: typer.Context,
    file: Annotated[Optional[Path], typer.Argument(help="A labelled file: TSV 'id<TAB>score<TAB>text' (the VADER paper's files as they ship, no header), or CSV 'text,team' / 'text,category' / 'text,stance'.")] = None,
    cv: Annotated[Optional[str], typer.Option("--cv", help="Cross-validate the router on its training corpus, holding out one 'industry' (or 'brand') at a time.")] = None,
) -> None:
    """Measure how well sentiment, stance and routing agree with people: on a labelled
    file, or (--cv industry) on the router's corpus with whole industries held out."""
    from tasks.evaluate import cross_validate
    from tasks.evaluate import evaluate as run

    if (file is None) == (cv is None):
        raise typer.BadParameter("give a labelled FILE or --cv industry (not both)")
    cfg = _config(ctx)
    if cv is not None:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            job = bar.add_task(f"training without each {cv}", total=None)
            result = cross_validate(cfg, cv, progress=lambda n, total, group: bar.update(job, completed=n, total=total, description=f"held out {group}"))
        r = result["team"]
        say(f"{result['rows']} labelled mentions, leave-one-{cv}-out over {len(result['groups'])} {cv} groups: "
                      f"macro-F1 {r['macro_f1']:.3f}, accuracy {r['accuracy']:.3f}")
        say(f"rules decided {result['rule_share']:.0%} (precision {result['rule_precision']:.2f}); "
                      f"{result['triage_share']:.0%} went to triage; accuracy outside triage {result['accuracy_outside_triage']:.3f}; "
                      f"second teams: {result['second_teams']} (precision {result['second_team_precision']:.2f})")
        show(_class_table("team", r))
        print(confusion_text(r))
        worst = sorted(result["per_group_macro_f1"].items(), key=lambda kv: kv[1])
        print(f"macro-F1 per held-out {cv}: " + ", ".join(f"{g} {f:.2f}" for g, f in worst))
        return
    result = run(file, cfg)
    if result["kind"] == "sentiment":
        say(f"{result['rows']} texts: Pearson r = {result['pearson_r']:.3f}; labels (neutral at human score {result['neutral_at']:g}): "
                      f"accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}")
        show(_class_table("sentiment label", result))
        return
    if result["kind"] == "stance":
        say(f"{result['rows']} texts: praise precision {result['praise_precision']:.3f} (recall {result['praise_recall']:.3f}; "
                      f"VADER's label alone {result['naive_praise_precision']:.3f}); macro-F1 {result['macro_f1']:.3f}")
        show(_class_table("stance", result))
        print(confusion_text(result))
        return
    for by in ("team", "category"):
        if by in result:
            r = result[by]
            say(f"\n{result['rows']} texts by {by}: macro-F1 {r['macro_f1']:.3f}, accuracy {r['accuracy']:.3f}")
            show(_class_table(by, r))
            print(confusion_text(r))


def confusion_text(r: dict) -> str:
    """The confusion counts as plain text that fits 80 columns whatever the labels:
    people's labels down the side, the pipeline's across the top, written vertically."""
    classes = list(r["confusion"])
    side = max(len(c) for c in classes) + 1
    lines = ["confusion: people's label (rows) by the pipeline's (columns)"]
    tall = max(len(c) for c in classes)
    for i in range(tall):
        lines.append(" " * side + "".join(f"{(c[i] if i < len(c) else ''):>4}" for c in classes))
    for g in classes:
        lines.append(f"{g:<{side}}" + "".join(f"{(r['confusion'][g][p] or '·')!s:>4}" for p in classes))
    return "\n".join(lines)


def _class_table(name: str, r: dict) -> Table:
    table = Table(title=f"per {name}")
    for col in (name, "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == name else "right")
    for c, m in r["per_class"].items():
        table.add_row(c, f"{m['precision']:.2f}", f"{m['recall']:.2f}", f"{m['f1']:.2f}", str(m["support"]))
    return table


@app.command()
def schema() -> None:
    """Print the canonical mention schema as a Markdown table."""
    from tasks.schema import markdown_table

    print(markdown_table())


@app.command()
def deployments(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option("--check", help="Exit 1, naming each difference, if prefect.yaml disagrees with config/.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Render prefect.yaml from config/.")] = False,
) -> None:
    """Show, check or write the Prefect deployments that config/ describes
    (schedules, time zones, parameters, work pool, the listen -> process trigger)."""
    from flows.deployments import PREFECT_YAML, differences, render

    cfg = _config(ctx)
    if write:
        from tasks.storage import write_text

        write_text(render(cfg), PREFECT_YAML)
        say(f"wrote {PREFECT_YAML}")
    elif check:
        problems = differences(cfg)
        for problem in problems:
            error(problem, prefix="prefect.yaml disagrees with config:")
        if problems:
            say("Run `pulse deployments --write` to render prefect.yaml from config/.", to=err)
            raise typer.Exit(1)
        say(f"{PREFECT_YAML.name} matches config/")
    else:
        print(render(cfg), end="")


def _prefect_api() -> str:
    """Deployments and workers belong to a long-lived server: a temporary one would
    forget them when the command ends."""
    api = os.environ.get("PREFECT_API_URL")
    if not api:
        from tasks.errors import ConfigError

        raise ConfigError("PREFECT_API_URL is not set: start a server (`make ui`) and export PREFECT_API_URL=http://127.0.0.1:4200/api")
    return api


def _prefect(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("prefect")), *args]


@app.command()
def deploy(ctx: typer.Context) -> None:
    """Check prefect.yaml against config/, create the work pool if it is missing, and
    register every deployment on the server at PREFECT_API_URL."""
    import subprocess

    from flows.deployments import PREFECT_YAML, differences
    from tasks.config import REPO_ROOT

    cfg = _config(ctx)
    api = _prefect_api()
    problems = differences(cfg)
    if problems:
        for problem in problems:
            error(problem, prefix="prefect.yaml disagrees with config:")
        say("Run `pulse deployments --write`, review the change, and deploy again.", to=err)
        raise typer.Exit(1)
    pool = cfg.settings.deployments.work_pool
    if subprocess.run(_prefect("work-pool", "inspect", pool), capture_output=True).returncode != 0:
        subprocess.run(_prefect("work-pool", "create", pool, "--type", "process"), check=True, stdout=subprocess.DEVNULL)
        say(f"created work pool {pool!r} (process)")
    done = subprocess.run(_prefect("--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_YAML)), cwd=REPO_ROOT)
    if done.returncode != 0:
        raise typer.Exit(done.returncode)
    say(f"Deployed to {api}. Start a worker: make worker (or pulse worker)")


@app.command()
def worker(
    ctx: typer.Context,
    limit: Annotated[Optional[int], typer.Option("--limit", help="At most this many flow runs at once on this worker.")] = None,
) -> None:
    """Start a worker on the configured process work pool: it runs the deployments'
    scheduled, triggered and manual flow runs from this checkout. Run one per machine."""
    cfg = _config(ctx)
    _prefect_api()
    args = _prefect("worker", "start", "--pool", cfg.settings.deployments.work_pool, "--type", "process")
    if limit:
        args += ["--limit", str(limit)]
    os.execve(args[0], args, _where(ctx).child_env())


@app.command()
def alerts(
    block: Annotated[str, typer.Option("--block", help="The notification block to send to, as <block type>/<name>, e.g. slack-webhook/pulse-alerts (create it in the UI under Blocks).")],
) -> None:
    """Create (or replace) the automations in automations/*.yaml on the server at
    PREFECT_API_URL: a notification through BLOCK for every failed or crashed run, and
    for every spike a weekly summary finds."""
    import yaml
    from prefect.blocks.core import Block
    from prefect.client.orchestration import get_client
    from prefect.events.schemas.automations import AutomationCore

    from tasks.config import REPO_ROOT
    from tasks.errors import ConfigError

    _prefect_api()
    try:
        block_id = Block.load(block)._block_document_id
    except ValueError as e:
        raise ConfigError(f"--block {block}: {e}") from None
    with get_client(sync_client=True) as client:
        for path in sorted((REPO_ROOT / "automations").glob("*.yaml")):
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
            for action in spec["actions"]:
                action["block_document_id"] = str(block_id)
            for old in client.read_automations_by_name(spec["name"]):
                client.delete_automation(old.id)
            client.create_automation(AutomationCore.model_validate(spec))
            say(f"automation {spec['name']!r} sends to {block} ({path.name})")


def main() -> None:
    from tasks.errors import PulseError

    try:
        app()
    except PulseError as e:
        error(e)
        sys.exit(1)
    except Exception as e:  # anything else still gets one line; PULSE_DEBUG=1 shows the traceback
        if os.environ.get("PULSE_DEBUG"):
            raise
        import httpx

        if isinstance(e, httpx.TransportError):
            api = os.environ.get("PREFECT_API_URL") or "the temporary local server"
            message = f"lost the Prefect API at {api} ({type(e).__name__}: {e}); partitions already written are whole, run the command again once the server is back"
        else:
            message = f"{type(e).__name__}: {e} (set PULSE_DEBUG=1 for the traceback)"
        error(message)
        sys.exit(1)


if __name__ == "__main__":
    main()
