"""A day's counts kept in the lake stand in for reading and cutting the day again, and
only while its scored partition is the one they were counted from."""

from datetime import date, timedelta

import polars as pl

from tasks.reports.daily import daily_boards, kept_counts
from tasks.storage import Lake
from tests.test_summary import _scored

DAYS = [date(2026, 11, 10) + timedelta(days=i) for i in range(6)]


def _day(day, n):
    texts = [f"Halcyon no signal in {town}, the network outage again" for town in ("leeds", "york", "hull", "bath")[:n]]
    return _scored([{"day": day, "text_for_sentiment": t, "sentiment": -0.7, "sentiment_label": "negative", "stance": "complaint",
                     "categories": ["outage_network"], "author_handle": f"a{i}", "author_reach": 5} for i, t in enumerate(texts)])


def _boards(cfg, lake, days, reads, keep=True):
    brand = cfg.brand("halcyon")

    def read_day(day):
        reads.append(day)
        return lake.read_reported(brand.id, [day])

    counts = kept_counts(lake, brand.id) if keep else ()
    return [m for _, _, m in daily_boards(read_day, brand, days, cfg.taxonomy, cfg.settings.summary, cfg.settings.board, cfg.settings.discovery,
                                          lambda d: lake.read_issues(brand.id, d.isoformat()), *counts)]


def test_kept_counts_replace_reading_the_baseline_days(cfg, tmp_path):
    lake = Lake(tmp_path)
    for i, day in enumerate(DAYS):
        lake.replace_partitions("scored", "halcyon", [day], _day(day, 1 + i % 4))
    for board in _boards(cfg, lake, DAYS[:5], []):
        lake.write_issues("halcyon", board["day"], board["discovered"])
    reads: list[date] = []
    [kept] = _boards(cfg, lake, DAYS[5:], reads)
    assert reads == [DAYS[5]]  # the 14 days before it come from their counts (and the day before's issues from the lake)
    [fresh] = _boards(cfg, Lake(tmp_path), DAYS[5:], [], keep=False)
    for key in ("baseline_daily_volume", "emerging", "volume"):
        assert kept[key] == fresh[key]


def test_a_rescored_day_is_counted_again(cfg, tmp_path):
    lake = Lake(tmp_path)
    for day in DAYS:
        lake.replace_partitions("scored", "halcyon", [day], _day(day, 1))
    _boards(cfg, lake, DAYS[:5], [])
    lake.replace_partitions("scored", "halcyon", [DAYS[2]], _day(DAYS[2], 4))  # late posts, scored again
    reads: list[date] = []
    [board] = _boards(cfg, lake, DAYS[5:], reads)
    assert DAYS[2] in reads and DAYS[1] not in reads
    assert board["baseline_daily_volume"] == round((5 + 3) / cfg.settings.board.baseline_days)


def test_the_weekly_summary_reads_the_weeks_phrases_from_the_kept_day_counts(cfg, tmp_path):
    from tasks.calendar import week_days
    from tasks.emerging import negative_phrase_counts
    from tasks.reports.daily import kept_phrase_counts
    from tasks.reports.weekly import build_summary

    lake, days = Lake(tmp_path), week_days("2026-W47")
    for i, day in enumerate(days):
        lake.replace_partitions("scored", "halcyon", [day], _day(day, 1 + i % 4))
    _boards(cfg, lake, days, [])  # the daily runs keep each day's counts
    week = lake.read_reported("halcyon", days)
    kept = kept_phrase_counts(lake, "halcyon", days)
    assert kept is not None
    assert kept.sort("phrase").equals(negative_phrase_counts(week).sort("phrase"))

    def emerging(week_phrases):
        return build_summary(cfg.brand("halcyon"), "2026-W47", week, week.clear(), {}, pl.DataFrame(schema={"stage": pl.String, "disposition": pl.String, "reason": pl.String}),
                             cfg.taxonomy, cfg.settings.summary, week_phrases=week_phrases)["emerging"]

    assert emerging(kept) == emerging(None) != []
    lake.replace_partitions("scored", "halcyon", [days[3]], _day(days[3], 2))  # scored again: its counts are stale
    assert kept_phrase_counts(lake, "halcyon", days) is None
