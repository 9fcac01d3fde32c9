import polars as pl

from tasks.dedup import near_duplicate_groups

DAY = pl.Series([1] * 5)


def test_groups_join_only_texts_similar_to_their_lead():
    keys = pl.Series(
        [
            "halcyon network down again since this morning in leeds absolutely useless",
            "halcyon network down again since this morning in leeds absolutely useless lol",
            "my halcyon one arrived next day delivery was super fast",
            "halcyon network down again since this morning in leeds absolutely useless smh",
            "",
        ]
    )
    assert near_duplicate_groups(keys, DAY, 0.7).to_list() == [0, 0, 2, 0, 4]


def test_other_days_and_unrelated_texts_stay_apart():
    keys = pl.Series(["halcyon outage again today", "halcyon outage again today", "brightwave bill is wrong"])
    assert near_duplicate_groups(keys, pl.Series([1, 2, 1]), 0.7).to_list() == [0, 1, 2]
    assert near_duplicate_groups(pl.Series([], dtype=pl.String), pl.Series([], dtype=pl.Int64), 0.7).to_list() == []


def test_no_chains_of_small_differences():
    # Each text differs from the previous by one word; the last is far from the first.
    words = "a b c d e f g h i j".split()
    texts = []
    for i in range(6):
        w = list(words)
        w[: i + 1] = [f"x{k}" for k in range(i + 1)]
        texts.append(" ".join(w))
    groups = near_duplicate_groups(pl.Series(texts), pl.Series([1] * 6), 0.7).to_list()
    assert groups[0] == 0 and groups[-1] != 0
