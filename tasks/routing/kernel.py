"""The featuriser's inner loop, compiled (numba): hash each n-gram, look up its feature
and add that feature's weight row to its text's sums, in one pass, for a whole batch.

The same buckets as `features.char_ngrams` and `features.word_ngrams` (their numpy
versions stay the reference, and what training uses; a test holds the two equal), but
no array of buckets, no sparse matrix and no sparse product is built: those passes over
every n-gram were most of the router's time. Compiled on first use and cached beside
this file (numba's `cache=True`), so a fresh process pays about a second once.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from tasks.routing.features import _MIX, _P, _SHIFT, BITS, CHAR_NGRAMS


@njit(cache=True, nogil=True)
def _chars(cp, gap, indptr, lookup, weights, out, lo, hi, p, mix, shift):
    """out[t] += weights[lookup[bucket]] for every character n-gram (n = lo..hi) of text t."""
    m32 = np.uint64(0xFFFFFFFF)
    cols = weights.shape[1]
    for t in range(len(indptr) - 1):
        for i in range(indptr[t], indptr[t + 1]):
            h = np.uint64(cp[i])
            for n in range(2, hi + 1):
                h = (h * p + np.uint64(cp[i + n - 1])) & m32
                if gap[i] < n - 1:
                    break                  # this n-gram and the longer ones leave the word: no feature
                if n < lo:
                    continue
                f = lookup[(((h + np.uint64(n)) & m32) * mix & m32) >> shift]
                if f == len(weights) - 1:
                    continue
                for c in range(cols):
                    out[t, c] += weights[f, c]


@njit(cache=True, nogil=True)
def _words(h32, indptr, lookup, weights, out, p, mix, shift):
    """out[t] += the weight rows of text t's words and of each word with the next."""
    m32 = np.uint64(0xFFFFFFFF)
    cols = weights.shape[1]
    unknown = len(weights) - 1
    for t in range(len(indptr) - 1):
        for i in range(indptr[t], indptr[t + 1]):
            h = np.uint64(h32[i])
            f = lookup[((h * mix) & m32) >> shift]
            if f != unknown:
                for c in range(cols):
                    out[t, c] += weights[f, c]
            if i + 1 < indptr[t + 1]:
                pair = (h * p + np.uint64(h32[i + 1]) + np.uint64(1)) & m32
                f = lookup[((pair * mix) & m32) >> shift]
                if f != unknown:
                    for c in range(cols):
                        out[t, c] += weights[f, c]


def char_sums(cp, gap, indptr, lookup, weights) -> np.ndarray:
    out = np.zeros((len(indptr) - 1, weights.shape[1]), dtype=np.float64)
    lo, hi = CHAR_NGRAMS
    # the padding lets an n-gram near the end read past it; those are outside any word
    padded = np.concatenate((cp, np.full(hi, 32, dtype=np.uint32)))
    _chars(padded, gap, indptr, lookup, weights, out, lo, hi, np.uint64(_P), np.uint64(_MIX), np.uint64(_SHIFT))
    return out


def word_sums(h32, indptr, lookup, weights) -> np.ndarray:
    out = np.zeros((len(indptr) - 1, weights.shape[1]), dtype=np.float64)
    _words(h32, indptr, lookup, weights, out, np.uint64(_P), np.uint64(_MIX), np.uint64(_SHIFT))
    return out


assert BITS <= 31


@njit(cache=True, nogil=True)
def _code_points(raw, space):
    """`features.code_points` from the raw code points (texts joined and enclosed by 0)."""
    n = len(raw)
    cp = np.empty(n, dtype=np.uint32)
    starts = np.empty(n, dtype=np.int64)
    length = texts = zeros = 0
    for i in range(n):
        c = raw[i]
        if c == 0:
            zeros += 1
        if c <= space and i + 1 < n and raw[i + 1] <= space:
            continue                       # one pad per run of spaces: its last one
        while texts < zeros:               # a text starts at the first position kept after its 0
            starts[texts] = length
            texts += 1
        cp[length] = space if c <= space else c
        length += 1
    cp = cp[:length]
    gap = np.empty(length, dtype=np.int32)
    after = length                         # the next pad after i
    for i in range(length - 1, -1, -1):
        gap[i] = after - i
        if cp[i] == space:
            after = i
    gap[length - 1] = 0
    return cp, gap, starts[:texts]


def code_points(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    body = "\x00".join(texts)
    if body.count("\x00") != max(len(texts) - 1, 0):   # a NUL inside a text is a space, not a new text
        body = "\x00".join(t.replace("\x00", " ") for t in texts)
    joined = "\x00" + body + "\x00"
    return _code_points(np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32), np.uint32(32))
