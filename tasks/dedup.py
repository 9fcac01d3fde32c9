"""Near-duplicate detection: which mentions are the same post reposted or cross-posted.

MinHash over each text's set of words with LSH banding, all in polars: each text's shingles are
hashed with `num_perm` seeds, the minimum per seed is its signature, and texts that
agree on every value of at least one band become candidates. Candidates whose
signatures agree on at least `threshold` of their values (an estimate of the Jaccard
similarity of their shingle sets) are joined into one group.
"""

from __future__ import annotations

import polars as pl

NUM_PERM = 32
SLICE_ROWS = 20_000
BANDS = 8  # 8 bands of 4: a pair at Jaccard 0.8 becomes a candidate 98.5 % of the time, at 0.7 89 %


def _shingle_hashes(key: pl.Expr) -> pl.Expr:
    """Per text, a hash of each of its word pairs (of its one word if it has only one).
    Pairs keep some order, so two long posts on one topic do not look alike merely
    because they share a vocabulary. Each word is hashed as a string once and a pair's
    hash combines its words' hashes, all inside each text's list: no row per word."""
    words = key.str.split(" ").list.eval(pl.element().hash(seed=7))
    pair = pl.struct(pl.element().alias("h"), pl.element().shift(-1).fill_null(0).alias("next")).hash(seed=11)
    return words.list.eval(pair.head(pl.max_horizontal(pl.len() - 1, 1)))


def near_duplicate_groups(keys: pl.Series, partitions: pl.Series, threshold: float) -> pl.Series:
    """For each text, the row index of the first text of its near-duplicate group.

    Texts are compared only within the same partition value (a day). Row order decides
    which text leads a group, so sort by time first. Every member is similar to its
    group's lead itself: groups do not grow by chains of small differences."""
    n = len(keys)
    group = list(range(n))
    if n == 0:
        return pl.Series("group", group, dtype=pl.UInt32)
    frame = pl.DataFrame({"row": pl.arange(0, n, eager=True, dtype=pl.UInt32), "key": keys, "part": partitions})
    sig_cols = [f"m{s}" for s in range(NUM_PERM)]
    # One hash function per signature value: the shingle's hash hashed again with its seed.
    signature = [pl.col("h").list.eval(pl.element().hash(seed=s)).list.min().alias(c) for s, c in enumerate(sig_cols)]
    # A slice of rows at a time: each text's words and pairs exist only while its
    # signature is made, so memory does not grow with a busy day's word count.
    signatures = pl.concat(
        [
            rows.with_columns(_shingle_hashes(pl.col("key")).alias("h")).select("row", "part", *signature)
            for rows in frame.filter(pl.col("key").str.len_chars() > 0).iter_slices(SLICE_ROWS)
        ]
        or [pl.DataFrame(schema={"row": pl.UInt32, "part": frame.schema["part"], **{c: pl.UInt64 for c in sig_cols}})]
    )
    per_band = NUM_PERM // BANDS

    # Candidates: every member of an LSH bucket paired with the bucket's first row.
    pairs = []
    for b in range(BANDS):
        band = sig_cols[b * per_band : (b + 1) * per_band]
        bucket = signatures.select("row", "part", pl.struct(band).hash().alias("bucket"))
        pairs.append(bucket.with_columns(pl.col("row").min().over("part", "bucket").alias("lead")).filter(pl.col("row") != pl.col("lead")).select("row", "lead"))
    candidates = pl.concat(pairs).unique().sort("row", "lead")
    if candidates.is_empty():
        return pl.Series("group", group, dtype=pl.UInt32)

    index = {r: i for i, r in enumerate(signatures.get_column("row").to_list())}
    matrix = signatures.select(sig_cols).to_numpy()

    def similar(a: int, b: int) -> bool:
        return float((matrix[index[a]] == matrix[index[b]]).mean()) >= threshold

    # Rows in time order join the group of the first candidate whose lead they resemble.
    for row, leads in candidates.group_by("row", maintain_order=True).agg("lead").iter_rows():
        for lead in leads:
            if similar(row, group[lead]):
                group[row] = group[lead]
                break
    return pl.Series("group", group, dtype=pl.UInt32)
