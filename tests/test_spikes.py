from datetime import date, timedelta

import polars as pl

from tasks.spikes import find_spikes

DAY0 = date(2026, 11, 1)


def _history(per_day: list[tuple[int, int]]) -> pl.DataFrame:
    """(mentions, negative) per day from DAY0 on."""
    rows = []
    for i, (n, neg) in enumerate(per_day):
        rows += [{"date": DAY0 + timedelta(days=i), "sentiment_label": "negative" if k < neg else "positive"} for k in range(n)]
    return pl.DataFrame(rows)


def test_volume_spike_is_found_and_ordinary_days_are_not():
    usual = [(100 + (i % 5) * 4, 20 + i % 3) for i in range(21)]
    history = _history(usual + [(420, 300), (110, 22)])
    days = [DAY0 + timedelta(days=21), DAY0 + timedelta(days=22)]
    spikes = find_spikes(history, days, baseline_days=21, z=3.0, min_mentions=20)
    assert [s["date"] for s in spikes] == [days[0].isoformat()]
    assert spikes[0]["why"] == ["volume", "negative share"]
    assert spikes[0]["usual_mentions"] == 108.0


def test_negative_share_alone_can_spike_and_quiet_days_are_ignored():
    usual = [(100, 10 + i % 3) for i in range(14)]
    history = _history(usual + [(104, 60), (5, 5)])
    days = [DAY0 + timedelta(days=14), DAY0 + timedelta(days=15)]
    spikes = find_spikes(history, days, baseline_days=14, z=3.0, min_mentions=20)
    assert [(s["date"], s["why"]) for s in spikes] == [(days[0].isoformat(), ["negative share"])]


def test_too_little_history_calls_nothing_a_spike():
    history = _history([(10, 1), (10, 1), (500, 400)])
    assert find_spikes(history, [DAY0 + timedelta(days=2)], baseline_days=28, z=3.0, min_mentions=20) == []
