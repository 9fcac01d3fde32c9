from tasks.stages import StageStats, totals


def test_elapsed_counts_overlapping_runs_once_and_sequential_runs_in_full():
    runs = [
        StageStats("clean", "a", rows_in=3, rows_out=2, dropped={"spam": 1}, spans=[(0.0, 4.0)]),
        StageStats("clean", "b", rows_in=1, rows_out=1, spans=[(1.0, 3.0)]),  # in parallel with a
        StageStats("clean", "a", rows_in=5, rows_out=4, quarantined=1, spans=[(10.0, 12.0)]),  # the next day
    ]
    (clean,) = totals(runs)
    assert clean.seconds == 6.0
    assert (clean.rows_in, clean.rows_out, clean.quarantined, clean.dropped) == (9, 7, 1, {"spam": 1})
    assert clean.balanced


def test_unbalanced_counts_are_noticed():
    assert not StageStats("score", "a", rows_in=3, rows_out=1).balanced
