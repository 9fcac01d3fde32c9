"""Property-based: cleaning survives any text and is idempotent."""

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tasks.clean import _repair, clean_mentions, readable_text, squeeze_expr
from tests.conftest import raw_frame, raw_row

# Arbitrary Unicode, with the characters that tend to break cleaners mixed in on purpose.
nasty = st.sampled_from(["&amp;", "&lt;", "&#x27;", "<p>", "</b>", "<3", "â€™", "\u200b", "\u202e", "\x00", "\r\n", "😍", "e\u0301", "@ann", "#tag", "http://x.y/z", "Halcyon"])
texts = st.lists(st.one_of(st.text(max_size=40), nasty), max_size=25).map("".join)


def _readable(values):
    return pl.DataFrame({"title": [None] * len(values), "text": values}, schema={"title": pl.String, "text": pl.String}).select(
        readable_text(pl.col("title"), pl.col("text"))
    ).to_series().to_list()


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_readable_text_is_idempotent(values):
    once = _readable(values)
    assert _readable(once) == once


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
@example(["0\r\n0"])  # a Windows line break in plain ASCII: no repair, one paragraph break either way
def test_texts_passed_over_by_the_repair_prefilter_are_those_repair_leaves_alone(values):
    """Only texts that look damaged go through the Python repair; the rest must come
    out exactly as if every text had (title and body joined as readable_text joins them,
    then squeezed by the same expression)."""
    repaired = pl.DataFrame({"t": [_repair("\n\n" + v) for v in values]}, schema={"t": pl.String})
    assert _readable(values) == repaired.select(squeeze_expr(pl.col("t"))).to_series().to_list()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts, min_size=1, max_size=8))
def test_cleaning_never_raises_and_cleaning_twice_changes_nothing(cfg, values):
    brand, rules = cfg.brand("halcyon"), cfg.settings.cleaning
    raw = raw_frame(*[raw_row(str(i), v, when=f"2026-11-18T{i:02d}:00:00") for i, v in enumerate(values)])
    out = clean_mentions(raw, brand, rules)
    assert out.mentions.height + out.dropped.height == raw.height
    again = raw_frame(*[raw_row(r["native_id"], r["text_for_sentiment"], when=f"2026-11-18T{int(r['native_id']):02d}:00:00") for r in out.mentions.iter_rows(named=True)])
    second = clean_mentions(again, brand, rules)
    assert second.mentions["text_for_sentiment"].to_list() == out.mentions.sort("created_at", "mention_id")["text_for_sentiment"].to_list()
