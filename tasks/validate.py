"""Quality gates: run a Great Expectations suite from `expectations/` over a frame.

One rule for every suite: rows an expectation flags are quarantined with the
expectation's reason; an expectation that fails as a whole (too many bad rows,
missing columns, duplicate ids) stops the stage if it is marked critical, and is
reported as a warning otherwise.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from tasks.config import REPO_ROOT
from tasks.errors import ConfigError, QualityGateFailed

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
_GX_LOCK = threading.Lock()  # one ephemeral context per process, shared by threaded tasks


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
        return [
            {
                "expectation": c.expectation,
                "column": c.column or "",
                "result": "pass" if c.success else ("FAIL (critical)" if c.critical else "warn"),
                "rows flagged": c.unexpected,
                "observed": c.observed,
            }
            for c in self.checks
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
def _batch_definition():
    # Imported here: great_expectations takes seconds to import and only gates need it.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("pulse").add_dataframe_asset("frame")
    return gx, asset.add_batch_definition_whole_dataframe("whole")


def _columns_used(suite: dict, df: pl.DataFrame) -> list[str]:
    wanted = {e.get("kwargs", {}).get("column") for e in suite["expectations"]}
    return [c for c in df.columns if c in wanted]


def run_gate(df: pl.DataFrame, suite_name: str) -> GateResult:
    """Validate `df` with the named suite. Returns passing rows, rejected rows with
    their reasons, and one Check per expectation; never raises for bad rows."""
    suite_json = load_suite(suite_name)
    with _GX_LOCK:
        gx, batch_definition = _batch_definition()
    try:
        suite = gx.ExpectationSuite(name=suite_name, expectations=suite_json["expectations"])
    except Exception as e:  # GE raises several types for a malformed expectation
        raise ConfigError(f"{suite_path(suite_name)}: invalid expectation: {e}") from None

    # Only the columns the suite names go to pandas: frames are already conformed to
    # the stage schema, and list columns would become slow Python objects.
    cols = _columns_used(suite_json, df)
    pdf = df.select(cols).to_pandas() if cols else df.select(pl.lit(0).alias("_")).to_pandas()
    with _GX_LOCK:
        batch = batch_definition.get_batch(batch_parameters={"dataframe": pdf})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})

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
    mask = pl.Series("bad", [False] * df.height, dtype=pl.Boolean)
    if bad_idx:
        mask = mask.scatter(bad_idx, True)
    rejected = df.filter(mask).with_columns(pl.Series("reason", ["; ".join(reasons[i]) for i in bad_idx], dtype=pl.String))
    return GateResult(suite_name, df.filter(~mask), rejected, checks)
