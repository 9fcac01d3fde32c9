from datetime import date, timedelta

from tasks.stage import day_batches

DAYS = [date(2026, 11, 16) + timedelta(days=i) for i in range(7)]


def test_a_sparse_range_is_one_batch():
    assert day_batches(DAYS, {d: 100 for d in DAYS}, limit=1_000) == [DAYS]


def test_busy_days_are_batched_in_order_under_the_limit_and_a_huge_day_stands_alone():
    rows = dict(zip(DAYS, [400, 400, 400, 5_000, 0, 300, 900]))
    batches = day_batches(DAYS, rows, limit=1_000)
    assert batches == [DAYS[0:2], DAYS[2:3], DAYS[3:4], DAYS[4:6], DAYS[6:7]]
    assert [d for b in batches for d in b] == DAYS, "every day once, in order"


def test_days_without_partitions_count_as_empty():
    assert day_batches(DAYS, {}, limit=10) == [DAYS]
