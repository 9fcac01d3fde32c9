import json

import polars as pl
import pytest

from tasks import validate
from tasks.errors import ConfigError, QualityGateFailed
from tests.conftest import raw_frame, raw_row


def test_suites_are_reviewable_files():
    for name in ("raw", "clean", "scored"):
        suite = json.loads(validate.suite_path(name).read_text())
        assert suite["name"] == name and suite["expectations"]
        assert any(e["meta"].get("critical") for e in suite["expectations"]), f"{name} has a critical expectation"


def test_bad_rows_are_rejected_with_reasons_and_the_rest_pass():
    df = raw_frame(raw_row("1", "fine"), raw_row("2", "x" * 20_001), raw_row("3", "also fine", author_reach=-5))
    gate = validate.run_gate(df, "raw")
    assert gate.passed["native_id"].to_list() == ["1"]
    reasons = dict(zip(gate.rejected["native_id"], gate.rejected["reason"]))
    assert reasons == {"2": "text longer than 20,000 characters", "3": "negative author_reach"}
    assert not gate.failed_critical
    gate.raise_if_failed("test")  # warnings only: no exception


def test_critical_failure_stops_the_stage():
    df = raw_frame(raw_row("1", "a"), raw_row("1", "same id twice"))
    gate = validate.run_gate(df, "raw")
    assert [c.expectation for c in gate.failed_critical] == ["expect_column_values_to_be_unique"]
    with pytest.raises(QualityGateFailed, match=r"quality gate 'raw' failed for halcyon: expect_column_values_to_be_unique\(mention_id\)"):
        gate.raise_if_failed("halcyon")
    table = gate.table()
    assert any(row["result"] == "FAIL (critical)" for row in table)


def test_empty_frame_passes():
    gate = validate.run_gate(raw_frame(raw_row("1", "a")).clear(), "raw")
    assert gate.passed.is_empty() and not gate.failed_critical


def test_broken_suite_file_is_named(tmp_path, monkeypatch):
    (tmp_path / "raw.json").write_text("{ not json")
    monkeypatch.setattr(validate, "EXPECTATIONS_DIR", tmp_path)
    validate.load_suite.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"raw.json: not valid JSON at line 1"):
            validate.run_gate(pl.DataFrame({"a": [1]}), "raw")
    finally:
        validate.load_suite.cache_clear()
