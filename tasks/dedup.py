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
BANDS = 8  # 8 bands of 4: a pair at Jaccard 0.8 becomes a candidate 98.5 % of the time


def _shingles(keys: pl.DataFrame) -> pl.DataFrame:
    """(row, word) pairs: each text as its set of words. Word pairs would punish a
    one-word edit of a short post twice; order rarely separates two different posts."""
    return keys.select("row", pl.col("key").str.split(" ").alias("shingle")).explode("shingle").unique()


def near_duplicate_groups(keys: pl.Series, partitions: pl.Series, threshold: float) -> pl.Series:
    """For each text, the row index of the first text of its near-duplicate group.

    Texts are compared only within the same partition value (a day). Row order decides
    which text leads a group, so sort by time first."""
    n = len(keys)
    if n == 0:
        return pl.Series("group", [], dtype=pl.UInt32)
    frame = pl.DataFrame({"row": pl.arange(0, n, eager=True, dtype=pl.UInt32), "key": keys, "part": partitions})
    sh = _shingles(frame.filter(pl.col("key").str.len_chars() > 0))
    signatures = sh.group_by("row").agg([pl.col("shingle").hash(seed=s).min().alias(f"m{s}") for s in range(NUM_PERM)])
    signatures = signatures.join(frame.select("row", "part"), on="row")
    per_band = NUM_PERM // BANDS

    # Candidate pairs: every member of an LSH bucket paired with the bucket's first row.
    pairs = []
    for b in range(BANDS):
        cols = [f"m{s}" for s in range(b * per_band, (b + 1) * per_band)]
        bucket = signatures.select("row", "part", pl.struct(cols).hash().alias("bucket"))
        pairs.append(
            bucket.with_columns(pl.col("row").min().over("part", "bucket").alias("lead")).filter(pl.col("row") != pl.col("lead")).select("row", "lead")
        )
    candidates = pl.concat(pairs).unique()
    if candidates.is_empty():
        return pl.Series("group", range(n), dtype=pl.UInt32)

    # Keep candidates whose signatures agree often enough.
    sig_cols = [f"m{s}" for s in range(NUM_PERM)]
    left = candidates.join(signatures.select("row", *sig_cols), on="row")
    both = left.join(signatures.select(pl.col("row").alias("lead"), *[pl.col(c).alias(f"{c}_l") for c in sig_cols]), on="lead")
    agree = pl.sum_horizontal([(pl.col(c) == pl.col(f"{c}_l")).cast(pl.UInt8) for c in sig_cols]) / NUM_PERM
    edges = both.filter(agree >= threshold).select("row", "lead").sort("row", "lead").rows()

    # Union-find over the (few) confirmed edges; the smallest row leads its group.
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return pl.Series("group", [find(i) for i in range(n)], dtype=pl.UInt32)
