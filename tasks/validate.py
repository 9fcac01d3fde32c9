"""Quality gates: run a Great Expectations suite from `expectations/` over a frame.

One rule for every suite: rows an expectation flags are quarantined with the
expectation's reason; an expectation that fails as a whole (too many bad rows, a
duplicate id, a row count far off the previous period) stops the stage if its
`meta.critical` is true and is a warning otherwise. A suite may also cap the share
of rows it quarantines (`meta.max_quarantine_share`, judged on batches of at least
`meta.quarantine_share_min_rows`), which is checked the same way.

Suites take run-time values (the window, "now", the previous period's row count)
as Great Expectations suite parameters; their defaults live in the suite file's
`meta.parameters`.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from tasks.config import REPO_ROOT
from tasks.errors import ConfigError, QualityGateFailed

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
_GX_LOCK = threading.RLock()  # one ephemeral context per process, shared by threaded tasks


@dataclass
class Check:
    expectation: str
    column: str | None
    success: bool
    critical: bool
    unexpected: int
    observed: str


@dataclass
class GateResult:
    suite: str
    passed: pl.DataFrame
    rejected: pl.DataFrame  # the failing rows plus a `reason` column
    checks: list[Check] = field(default_factory=list)

    @property
    def failed_critical(self) -> list[Check]:
        return [c for c in self.checks if c.critical and not c.success]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.critical and not c.success]

    def raise_if_failed(self, where: str) -> None:
        if bad := self.failed_critical:
            detail = "; ".join(f"{c.expectation}({c.column or 'table'}): {c.observed}" for c in bad)
            raise QualityGateFailed(f"quality gate '{self.suite}' failed for {where}: {detail}")

    def table(self) -> list[dict]:
        """Rows for the Prefect artifact and the report's data-quality section."""
        return check_rows(self.checks)


def check_rows(checks: list[Check]) -> list[dict]:
    """Checks as the lake stores them (Lake.write_gate) and the reports read them."""
    return [
        {
            "expectation": c.expectation,
            "column": c.column or "(table)",
            "observed": c.observed,
            "success": c.success,
            "severity": "critical" if c.critical else "warning",
            "rows flagged": c.unexpected,
        }
        for c in checks
    ]


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / f"{name}.json"


@lru_cache(maxsize=None)
def load_suite(name: str) -> dict:
    path = suite_path(name)
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: expectation suite not found") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON at line {e.lineno}: {e.msg}") from None
    if not isinstance(suite.get("expectations"), list):
        raise ConfigError(f"{path}: expectations: expected a list of expectations")
    return suite


@lru_cache(maxsize=1)
def _context():
    # Imported here: great_expectations takes seconds to import and only gates need it.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("pulse").add_dataframe_asset("frame")
    return gx, ctx, asset.add_batch_definition_whole_dataframe("whole")


@lru_cache(maxsize=None)
def _validation(suite_name: str):
    """The suite registered once per process, with its validation definition."""
    gx, ctx, batch_definition = _context()
    try:
        suite = ctx.suites.add(gx.ExpectationSuite(name=suite_name, expectations=load_suite(suite_name)["expectations"]))
    except Exception as e:  # GE raises several types for a malformed expectation
        raise ConfigError(f"{suite_path(suite_name)}: invalid expectation: {e}") from None
    return ctx.validation_definitions.add(gx.ValidationDefinition(name=f"gate-{suite_name}", data=batch_definition, suite=suite))


def _parameters_used(suite: dict) -> set[str]:
    return {v["$PARAMETER"] for e in suite["expectations"] for v in e.get("kwargs", {}).values() if isinstance(v, dict) and "$PARAMETER" in v}


def _columns_used(suite: dict, df: pl.DataFrame) -> list[str]:
    wanted = {e.get("kwargs", {}).get("column") for e in suite["expectations"]}
    return [c for c in df.columns if c in wanted]


def run_gate(
    df: pl.DataFrame, suite_name: str, parameters: dict[str, Any] | None = None, rejected_before: int = 0, findings: list[Check] = (),
) -> GateResult:
    """Validate `df` with the named suite. Returns passing rows, rejected rows with
    their reasons, and one Check per expectation; never raises for bad rows.

    `rejected_before` counts records set aside before the gate saw them (a connector's
    unparseable records): they count in the share of rows quarantined, so a file whose
    every row the importer rejects fails the gate instead of passing as "empty".
    `findings` are checks the stage made itself (a window not fetched completely),
    reported after the suite's."""
    suite_json = load_suite(suite_name)
    params = {**suite_json.get("meta", {}).get("parameters", {}), **(parameters or {})}
    if missing := sorted(_parameters_used(suite_json) - set(params)):
        raise ValueError(f"suite '{suite_name}' needs parameter(s) {', '.join(missing)}")
    # Only the columns the suite names go to pandas: frames are already conformed to
    # the stage schema, and list columns would become slow Python objects.
    cols = _columns_used(suite_json, df)
    pdf = df.select(cols).to_pandas() if cols else df.select(pl.lit(0).alias("_")).to_pandas()
    with _GX_LOCK:
        validation = _validation(suite_name)
        result = validation.run(
            batch_parameters={"dataframe": pdf}, expectation_parameters=params, result_format={"result_format": "COMPLETE"}
        )

    checks: list[Check] = []
    reasons: dict[int, list[str]] = {}
    for r in result.results:
        conf = r.expectation_config
        meta = conf.meta or {}
        column = conf.kwargs.get("column")
        bad_rows = r.result.get("unexpected_index_list") or []
        reason = meta.get("reason") or f"{conf.type} on {column}"
        for i in bad_rows:
            reasons.setdefault(int(i), []).append(reason)
        observed = r.result.get("observed_value")
        if observed is None and r.result.get("unexpected_percent") is not None:
            observed = f"{r.result.get('unexpected_count', 0)} rows ({r.result['unexpected_percent']:.2f} %) unexpected"
        if r.exception_info and r.exception_info.get("raised_exception"):
            observed = f"error: {r.exception_info.get('exception_message')}"
        checks.append(Check(conf.type, column, bool(r.success), bool(meta.get("critical", False)), len(bad_rows), str(observed)))

    bad_idx = sorted(reasons)
    meta = suite_json.get("meta", {})
    cap = meta.get("max_quarantine_share")
    # A share means little on a handful of rows: one bad post in a quiet window is not a fault.
    total = df.height + rejected_before
    if cap is not None and total and total >= meta.get("quarantine_share_min_rows", 1):
        share = (len(bad_idx) + rejected_before) / total
        checks.append(
            Check("share_of_rows_quarantined", None, share <= cap, bool(meta.get("quarantine_share_critical", True)), 0, f"{share:.1%} (at most {cap:.0%})")
        )

    checks.extend(findings)

    mask = pl.Series("bad", [False] * df.height, dtype=pl.Boolean)
    if bad_idx:
        mask = mask.scatter(bad_idx, True)
    rejected = df.filter(mask).with_columns(pl.Series("reason", ["; ".join(reasons[i]) for i in bad_idx], dtype=pl.String))
    return GateResult(suite_name, df.filter(~mask), rejected, checks)


def row_count_bounds(previous_rows: int) -> dict[str, int | None]:
    """Sanity bounds against the previous period: a collapse to zero or a tenfold jump."""
    if previous_rows <= 0:
        return {"min_rows": 0, "max_rows": None}
    return {"min_rows": 1, "max_rows": previous_rows * 10}
