"""The Prefect deployments, derived from config/ alone.

`prefect.yaml` is what `prefect deploy --all` reads; this module says what it must
contain, so that schedules, time zones and parameters have one source of truth
(config/settings.yaml and brands.yaml). `pulse deployments --write` renders the file;
`pulse deployments --check` (run by `make deploy` and by the tests) names every
difference when someone edits one side only.

Processing is chained to listening by a deployment trigger, not a subflow: a listen
run stays short on its 15-minute schedule however long processing takes, a slow or
failing process run never turns a listen run red, the two can run on different
workers, and `process` has its own concurrency limit: one run at a time, later ones
(triggered or started by hand) wait in line rather than being cancelled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tasks.config import REPO_ROOT, Config

PREFECT_YAML = REPO_ROOT / "prefect.yaml"

HEADER = """\
# Prefect deployments for Social Pulse, rendered from config/ by
#   pulse deployments --write
# Do not edit by hand: `make deploy` (pulse deployments --check) refuses a file that
# disagrees with config/settings.yaml (deployments:) and config/brands.yaml.
# Without a pull section, `prefect deploy` records this checkout's path, and workers
# run the flows from it (see README, "Scale out").
"""


def expected_deployments(cfg: Config) -> list[dict[str, Any]]:
    d = cfg.settings.deployments
    pool = {"name": d.work_pool}
    listened = {
        "type": "event",
        "enabled": True,
        "match": {"prefect.resource.id": "prefect.flow-run.*"},
        # A run of the scheduled listen deployment (not a backfill's or the demo's
        # listen subflows, which process their own days).
        "match_related": [
            {"prefect.resource.role": "flow", "prefect.resource.name": "listen"},
            {"prefect.resource.role": "deployment", "prefect.resource.name": "scheduled"},
        ],
        # Failed too: a listen run with one broken source still committed the others.
        "expect": ["prefect.flow-run.Completed", "prefect.flow-run.Failed"],
    }
    return [
        {
            "name": "scheduled",
            "description": "Fetch new mentions from every enabled source, from each source's cursor to now.",
            "entrypoint": "flows/listen.py:listen_flow",
            "tags": ["social-pulse"],
            "parameters": {},
            "work_pool": pool,
            "schedules": [{"cron": d.listen_cron, "timezone": "UTC", "active": True}],
        },
        {
            "name": "after-listen",
            "description": f"Clean, validate, score and build issue boards for today and the {d.process_lookback_days} day(s) before, after each scheduled listen run.",
            "entrypoint": "flows/process.py:process_flow",
            "tags": ["social-pulse"],
            "parameters": {},
            "work_pool": pool,
            "concurrency_limit": {"limit": 1, "collision_strategy": "ENQUEUE"},
            "triggers": [listened],
        },
        *[
            {
                "name": brand.id,
                "description": f"The weekly cross-team summary of {brand.name}, for the last full ISO week.",
                "entrypoint": "flows/weekly_summary.py:weekly_summary_flow",
                "tags": ["social-pulse"],
                "parameters": {"brand": brand.id},
                "work_pool": pool,
                "schedules": [{"cron": d.weekly_summary_cron, "timezone": brand.timezone, "active": True}],
            }
            for brand in cfg.brands
        ],
        {
            "name": "on-demand",
            "description": "Listen and process a past date range again, day by day (give start and end).",
            "entrypoint": "flows/backfill.py:backfill_flow",
            "tags": ["social-pulse"],
            "parameters": {},
            "work_pool": pool,
        },
    ]


def render(cfg: Config) -> str:
    import prefect

    body = {"name": "social-pulse", "prefect-version": prefect.__version__, "deployments": expected_deployments(cfg)}
    return HEADER + yaml.dump(body, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)


class _PlainDumper(yaml.SafeDumper):
    """Writes the work pool out in full under each deployment instead of as a YAML alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _key(d: dict[str, Any]) -> str:
    return f"{d.get('entrypoint', '?').rsplit(':', 1)[-1]}/{d.get('name', '?')}"


def differences(cfg: Config, path: Path = PREFECT_YAML) -> list[str]:
    """Each way `path` disagrees with config, as `<flow function>/<deployment>: <key>: file says X, config says Y`."""
    if not path.exists():
        return [f"{path.name} is missing: run `pulse deployments --write`"]
    try:
        found = {_key(d): d for d in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("deployments") or []}
    except (yaml.YAMLError, AttributeError) as e:
        return [f"{path.name} cannot be read: {e}"]
    expected = {_key(d): d for d in expected_deployments(cfg)}
    problems = [f"{name}: in {path.name} but not in config" for name in found.keys() - expected.keys()]
    for name, want in expected.items():
        have = found.get(name)
        if have is None:
            problems.append(f"{name}: missing from {path.name}")
            continue
        for key in sorted(want.keys() | have.keys()):
            if have.get(key) != want.get(key):
                problems.append(f"{name}: {key}: {path.name} says {have.get(key)!r}, config says {want.get(key)!r}")
    return problems
