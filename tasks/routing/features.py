"""Word 1-2-grams and character 2-5-grams within words, hashed into fixed buckets,
idf-weighted: the features of the learned models, computed for a whole batch of texts
at once.

scikit-learn's `TfidfVectorizer(analyzer="char_wb")` builds these in pure Python, one
document at a time (about 5 ms per 400-character post). Here every text of a batch is
laid end to end as one array of code points; each n-gram's hash is a few numpy
operations over that array (a rolling polynomial hash), the words come from one polars
regex pass, and the batch's feature rows are one sparse matrix whose rows are already
in order, so building it sorts nothing; the linear model is then one sparse product.

What it keeps of scikit-learn's features: words are runs of two or more word
characters with accents stripped (its default token pattern and `strip_accents`),
character n-grams are taken inside each word padded by a space (`char_wb`), idf is
smoothed, features seen in fewer than `MIN_DF` training documents are dropped, and the
word and the character block are each scaled to about unit length (as `make_union` of
two vectorizers). What differs, each for speed:
- hashing: two n-grams rarely share one of 2^20 buckets;
- term frequency counts linearly and a block is divided by the root of the sum of its
  n-grams' squared idf (the true length when no n-gram repeats). scikit-learn's
  sublinear tf and exact length need each document's n-grams grouped, which is a sort;
  this way every n-gram's weight is known on its own and repeats just add up;
- a word shorter than n characters does not also count as an n-gram of every longer
  length.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

# Changes to anything here change the features: bump FEATURES_VERSION (it is part of
# the trained model's cache key, with polars' version, whose string hash the words use).
FEATURES_VERSION = "hash-word12-charwb25-v2"
BITS = 20                     # buckets per block: 2^20 for characters, 2^20 for words
CHAR_NGRAMS = (2, 5)
MIN_DF = 2
BATCH = 4096                  # texts featurised at once: bounds memory on a million mentions

_P = np.uint32(0x01000193)    # FNV-1a's 32-bit prime, as the polynomial base
_MIX = np.uint32(0x9E3779B1)  # Fibonacci hashing: the top bits of h * _MIX
_SHIFT = np.uint32(32 - BITS)
_SPACE = 32


OUTSIDE = 1 << BITS           # the bucket of a character n-gram that spans two words


def _bucket(h: np.ndarray) -> np.ndarray:
    return ((h * _MIX) >> _SHIFT).astype(np.int32)


def code_points(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the texts' code points laid end to end, runs of spaces and controls made one
    space that pads each word; for each position, the distance to the next pad after it;
    where each text's positions start)."""
    body = "\x00".join(texts)
    if body.count("\x00") != max(len(texts) - 1, 0):   # a NUL inside a text is a space, not a new text
        body = "\x00".join(t.replace("\x00", " ") for t in texts)
    joined = "\x00" + body + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    space = cp <= _SPACE
    text_of = np.cumsum(cp == 0, dtype=np.int32) - 1    # a text's positions start at its pad
    # One pad between words and between texts: keep the last of each run of spaces.
    keep = ~(space & np.append(space[1:], False))
    cp, space, text_of = cp[keep], space[keep], text_of[keep]
    cp[space] = _SPACE
    length = len(cp)
    # distance from each position to the next pad after it: an n-gram starting at i is
    # inside one padded word when that is at least n - 1
    where_space = np.where(space, np.arange(length, dtype=np.int32), length)
    gap = np.empty(length, dtype=np.int32)
    gap[:-1] = np.minimum.accumulate(where_space[:0:-1])[::-1]
    gap[-1] = length
    gap -= np.arange(length, dtype=np.int32)
    gap[-1] = 0                                         # the closing pad starts nothing
    # the closing pad's text is len(texts): its position ends the last text
    indptr = np.searchsorted(text_of, np.arange(len(texts) + 1))
    return cp, gap, indptr


def char_ngrams(texts: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """([buckets of the n-grams of length n starting at each position, for n = 2..5],
    where each text's positions start). An n-gram not inside one space-padded word
    gets the bucket `OUTSIDE`."""
    cp, gap, indptr = code_points(texts)
    length = len(cp)
    lo, hi = CHAR_NGRAMS
    padded = np.concatenate((cp, np.full(hi, _SPACE, dtype=np.uint32)))
    h = padded[:length].copy()
    out = []
    for n in range(2, hi + 1):
        h *= _P
        h += padded[n - 1:n - 1 + length]               # hash of cp[i : i + n]
        if n >= lo:
            buckets = _bucket(h + np.uint32(n))
            buckets[gap < n - 1] = OUTSIDE
            out.append(buckets[:indptr[-1]])
    return out, indptr


def word_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(32-bit hashes of the texts' words, where each text's words start)."""
    text = pl.Series(texts, dtype=pl.String)
    # scikit-learn's strip_accents="unicode": decompose, drop the combining marks (only
    # where a text has a character beyond ASCII, the rest cannot change)
    wide = (text.str.len_bytes() != text.str.len_chars()).fill_null(False)
    if wide.any():
        text = text.scatter(wide.arg_true(), text.filter(wide).str.normalize("NFKD").str.replace_all(r"\p{Mn}+", ""))
    words = text.str.extract_all(r"\w{2,}")
    counts = words.list.len().fill_null(0).to_numpy()
    h = words.explode().drop_nulls().hash(seed=0).to_numpy()
    return (h ^ (h >> np.uint64(32))).astype(np.uint32), np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))


def word_ngrams(texts: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """([buckets of the words, buckets of each word and the next], where each text's
    words start). The last word of a text pairs with no word: its pair's bucket is
    `OUTSIDE`."""
    h32, indptr = word_hashes(texts)
    counts = np.diff(indptr)
    pairs = np.full(len(h32), OUTSIDE, dtype=np.int32)
    pairs[:-1] = _bucket(h32[:-1] * _P + h32[1:] + np.uint32(1))
    pairs[indptr[1:][counts > 0] - 1] = OUTSIDE
    return [_bucket(h32), pairs], indptr


class HashedFeatures:
    """Fitted on the training texts: which buckets are features, and their idf. Each
    block (characters, words) has its features and, last, one of idf 0 for the buckets
    the training texts did not have often enough (and `OUTSIDE`)."""

    def __init__(self, texts: list[str]):
        n = len(texts)
        self.lookup, self.idf = [], []
        for parts, indptr in self._blocks(texts):
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
            present = np.unique(np.concatenate([rows << (BITS + 1) | b for b in parts]))
            df = np.bincount(present & ((1 << (BITS + 1)) - 1), minlength=OUTSIDE + 1)
            df[OUTSIDE] = 0
            used = np.flatnonzero(df >= MIN_DF)
            lookup = np.full(OUTSIDE + 1, len(used), dtype=np.int32)
            lookup[used] = np.arange(len(used), dtype=np.int32)
            self.lookup.append(lookup)
            self.idf.append(np.append(np.log((1 + n) / (1 + df[used])) + 1, 0).astype(np.float32))

    @property
    def sizes(self) -> list[int]:
        return [len(idf) for idf in self.idf]

    @staticmethod
    def _blocks(texts: list[str]):
        return [char_ngrams(texts), word_ngrams(texts)]

    def counts(self, texts: list[str]) -> list[list[sp.csr_matrix]]:
        """Per block, `counts` of the texts' n-grams in this block's features."""
        return [counts(block, lookup, len(idf), len(texts)) for block, lookup, idf in zip(self._blocks(texts), self.lookup, self.idf)]

    def matrix(self, texts: list[str]) -> sp.csr_matrix:
        """The training matrix: per block, count times idf divided by the root of the
        sum of its n-grams' squared idf (as `TextModel.margins` has it: a repeat counts
        again); the blocks side by side."""
        blocks = []
        for parts, idf in zip(self.counts(texts), self.idf):
            counts = sum(parts[1:], parts[0])
            norm = np.sqrt(counts @ (idf * idf))
            blocks.append(sp.diags(1 / np.where(norm > 0, norm, 1)) @ counts @ sp.diags(idf))
        x = sp.hstack(blocks, format="csr")
        x.sum_duplicates()
        return x


def counts(block: tuple[list[np.ndarray], np.ndarray], lookup: np.ndarray, size: int, n: int) -> list[sp.csr_matrix]:
    """One (n texts, size features) matrix per kind of n-gram of a block (each length of
    character n-gram; words, pairs of words): a 1 for each n-gram found, a repeated
    n-gram a repeated entry (products add them up). `lookup` maps a bucket to its
    feature, size - 1 for no feature: those n-grams are left out; the idf is the
    product's (`TextModel`) to apply."""
    parts, indptr = block
    unknown = size - 1
    matrices = []
    for buckets in parts:
        features = lookup[buckets]
        known = np.flatnonzero(features != unknown)
        at = np.searchsorted(known, indptr)    # where each text's known n-grams start
        matrices.append(sp.csr_matrix((np.ones(len(known), dtype=np.float32), features[known], at), shape=(n, size)))
    return matrices
