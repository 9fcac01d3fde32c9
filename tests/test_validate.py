import json
from datetime import datetime, timezone

import polars as pl
import pytest

from tasks import schema, validate
from tasks.errors import ConfigError, QualityGateFailed
from tests.conftest import raw_frame, raw_row

UTC = timezone.utc
WINDOW = {"earliest": datetime(2026, 11, 18, tzinfo=UTC), "latest": datetime(2026, 11, 19, tzinfo=UTC)}


def _clean_frame(*rows):
    base = {"text_norm": "halcyon", "lang": "en", "dup_count": 1, "text_for_sentiment": "Halcyon"}
    return schema.conform(raw_frame(*[{**base, **r} for r in rows]).hstack([]) if False else pl.DataFrame([{**base, **r} for r in rows], schema_overrides=schema.CLEAN, infer_schema_length=None), "clean")


def test_suites_are_reviewable_files():
    for name in ("raw", "clean", "scored"):
        suite = json.loads(validate.suite_path(name).read_text())
        assert suite["name"] == name and suite["expectations"]
        assert any(e["meta"].get("critical") for e in suite["expectations"]), f"{name} has a critical expectation"
        assert "max_quarantine_share" in suite["meta"]


def test_passed_plus_quarantined_is_the_input_and_reasons_name_the_expectation():
    df = raw_frame(
        raw_row("1", "fine"),
        raw_row("2", "x" * 20_001),
        raw_row("3", "also fine", author_reach=-5),
        raw_row("4", "from the future", when="2026-11-20T10:00:00"),
        raw_row("5", "fine too"),
    )
    gate = validate.run_gate(df, "raw", WINDOW)
    assert gate.passed.height + gate.rejected.height == df.height
    assert gate.passed["native_id"].to_list() == ["1", "5"]
    reasons = dict(zip(gate.rejected["native_id"], gate.rejected["reason"]))
    assert reasons == {
        "2": "text longer than 20,000 characters",
        "3": "negative author_reach",
        "4": "published outside the window or in the future",
    }
    assert {c.column for c in gate.warnings} == {"text", "author_reach", "created_at"}
    assert not gate.failed_critical
    gate.raise_if_failed("test")  # warnings only: no exception


@pytest.mark.parametrize(
    "rows, expectation",
    [
        ([raw_row("1", "a"), raw_row("1", "same id twice")], "expect_column_values_to_be_unique(mention_id)"),
        ([raw_row("1", "a", mention_id=None), raw_row("2", "b")], "expect_column_values_to_not_be_null(mention_id)"),
        ([raw_row("1", "a", mention_id="NOT-A-HASH"), raw_row("2", "b")], "expect_column_values_to_match_regex(mention_id)"),
        ([raw_row("1", "a", source=None)], "expect_column_values_to_not_be_null(source)"),
        ([raw_row(str(i), "x" * 20_001 if i % 2 else "ok") for i in range(20)], "share_of_rows_quarantined(table)"),
    ],
)
def test_each_critical_raw_expectation_stops_the_stage(rows, expectation):
    gate = validate.run_gate(raw_frame(*rows), "raw", WINDOW)
    with pytest.raises(QualityGateFailed) as err:
        gate.raise_if_failed("reddit/halcyon 2026-11-18")
    assert str(err.value).startswith("quality gate 'raw' failed for reddit/halcyon 2026-11-18: ")
    assert expectation in str(err.value)
    assert any(row["severity"] == "critical" and row["success"] is False for row in gate.table())


def test_null_created_at_is_critical():
    df = raw_frame(raw_row("1", "a")).with_columns(pl.lit(None, schema.UTC_TIME).alias("created_at"))
    assert [c.column for c in validate.run_gate(df, "raw", WINDOW).failed_critical] == ["created_at"]


def test_clean_warnings_row_count_language_and_dates():
    df = _clean_frame(
        {**raw_row("1", "a"), "lang": "english"},
        raw_row("2", "b"),
        raw_row("3", "c"),
    )
    gate = validate.run_gate(df, "clean", {**WINDOW, "min_rows": 1, "max_rows": 2})
    warned = {(c.expectation, c.column) for c in gate.warnings}
    assert ("expect_table_row_count_to_be_between", None) in warned, "three rows after a period of one is a tenfold-style jump here"
    assert ("expect_column_values_to_match_regex", "lang") in warned
    assert gate.rejected["reason"].to_list() == ["language is not an ISO 639 code"]
    assert not gate.failed_critical


def test_clean_critical_duplicate_id():
    gate = validate.run_gate(_clean_frame(raw_row("1", "a"), raw_row("1", "a")), "clean", WINDOW)
    assert [c.expectation for c in gate.failed_critical] == ["expect_column_values_to_be_unique"]


def test_scored_critical_range_and_labels():
    df = pl.DataFrame({"mention_id": ["a", "b"], "sentiment": [0.5, 1.5], "sentiment_label": ["positive", "ecstatic"]})
    failed = {(c.expectation, c.column) for c in validate.run_gate(df, "scored").failed_critical}
    assert {("expect_column_values_to_be_between", "sentiment"), ("expect_column_values_to_be_in_set", "sentiment_label")} <= failed


def test_row_count_bounds_flag_collapse_and_tenfold_jump():
    assert validate.row_count_bounds(0) == {"min_rows": 0, "max_rows": None}
    assert validate.row_count_bounds(40) == {"min_rows": 1, "max_rows": 400}


def test_missing_parameter_is_named():
    with pytest.raises(ValueError, match="suite 'raw' needs parameter"):
        validate.run_gate(raw_frame(raw_row("1", "a")), "raw")


def test_empty_frame_passes():
    gate = validate.run_gate(raw_frame(raw_row("1", "a")).clear(), "raw", WINDOW)
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


@pytest.mark.parametrize(
    "suite, row, column, reason",
    [
        ("raw", {"text": None}, "text", "missing text"),
        ("raw", {"engagement": -2_000_000}, "engagement", "engagement below zero"),
        ("clean", {"text_for_sentiment": ""}, "text_for_sentiment", "text_for_sentiment empty or too long"),
        ("clean", {"text_for_sentiment": "Halcyon &amp; me"}, "text_for_sentiment", "HTML entity left after cleaning"),
        ("clean", {"lang": None}, "lang", "language unknown"),
        ("clean", {"created_at": datetime(2026, 11, 25, tzinfo=UTC)}, "created_at", "published outside the processed dates or in the future"),
    ],
)
def test_each_row_level_warning_quarantines_with_its_reason(suite, row, column, reason):
    good = [raw_row(str(i), f"Halcyon post {i}") for i in range(30)]
    bad = {**raw_row("bad", "Halcyon"), **row}
    frame = raw_frame(*good, bad) if suite == "raw" else _clean_frame(*good, bad)
    gate = validate.run_gate(frame, suite, WINDOW)
    assert gate.rejected["native_id"].to_list() == ["bad"]
    assert gate.rejected["reason"].item() == reason
    assert gate.passed.height == 30 and not gate.failed_critical


def test_records_the_importer_rejected_count_in_the_quarantine_share():
    rows = [raw_row(str(i), "fine") for i in range(5)]
    assert not validate.run_gate(raw_frame(*rows), "raw", WINDOW).failed_critical
    gate = validate.run_gate(raw_frame(*rows), "raw", WINDOW, rejected_before=40)
    assert [c.expectation for c in gate.failed_critical] == ["share_of_rows_quarantined"]
    nothing = validate.run_gate(schema.empty("raw"), "raw", WINDOW, rejected_before=25)
    assert [c.expectation for c in nothing.failed_critical] == ["share_of_rows_quarantined"], "a window that imports nothing fails"
