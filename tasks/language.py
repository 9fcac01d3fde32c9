"""Language identification: py3langid's model and its decision, the per-byte walk compiled.

py3langid walks each text's UTF-8 bytes through its model's automaton in a Python loop,
then scores the features it met with numpy, text by text; that walk was the largest
single cost of cleaning. Here a batch of texts goes through the same automaton and the
same naive-Bayes scores in one compiled pass (numba, cached beside this file like the
router's kernel), and the same normalisation picks the same language with the same
confidence (a test holds them equal to py3langid's `classify`). Compiled, it is cheap
enough to run in the calling process: worker processes would cost more than they save.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np


def _scores_py(data, offsets, nextmove, rowbase, output, table, prior):
    """Per text: prior + sum over its distinct features f of log1p(count f) * table[f],
    the features met walking its bytes (py3langid's visit_counts and _sparse_score),
    summed in the order they were first met. A text with no feature gets zeros."""
    n, k = len(offsets) - 1, table.shape[1]
    out = np.zeros((n, k), np.float32)
    counts = np.zeros(table.shape[0], np.int64)
    order = np.empty(np.max(np.diff(offsets)) + 1, np.int64)  # a text's bytes bound its features
    for t in range(n):
        m, state = 0, 0
        for i in range(offsets[t], offsets[t + 1]):
            state = nextmove[rowbase[state] + data[i]]
            f = output[state]
            if f >= 0:
                if counts[f] == 0:
                    order[m] = f
                    m += 1
                counts[f] += 1
        if m == 0:
            continue
        acc = np.zeros(k, np.float32)
        for j in range(m):
            f = order[j]
            w = np.float32(np.log1p(np.float32(counts[f])))
            counts[f] = 0
            for c in range(k):
                acc[c] += w * table[f, c]
        for c in range(k):
            out[t, c] = acc[c] + prior[c]
    return out


class Identifier:
    """py3langid's identifier restricted to `languages`, with norm_probs, for batches."""

    def __init__(self, languages: tuple[str, ...]):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        ident.set_languages(list(languages))
        self.classes = list(ident.nb_classes)
        self.aliases = list(ident._alias_pairs)
        # A view of the automaton's 9.8 million transitions, not a copy in wider integers.
        self.nextmove = np.frombuffer(ident.tk_nextmove, dtype=np.dtype(ident.tk_nextmove.typecode))
        self.rowbase = np.asarray(ident._rowbase, dtype=np.int64)
        self.output = np.asarray(ident.tk_output, dtype=np.int64)
        self.table = np.ascontiguousarray(ident.nb_ptc, dtype=np.float32)
        self.prior = np.asarray(ident.nb_pc, dtype=np.float32)

    @staticmethod
    def _encode(text: str) -> bytes:
        # py3langid's _encode, for str input.
        if text.isupper():
            text = text.lower()
        return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")

    def classify(self, texts: list[str]) -> list[tuple[str, float]]:
        """(language, confidence) per text, as py3langid's `classify` gives them."""
        if not texts:
            return []
        encoded = [self._encode(t) for t in texts]
        lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        scores = _scores()(data, offsets, self.nextmove, self.rowbase, self.output, self.table, self.prior)
        # py3langid's _decide with norm_probs: the same float32 steps, for the whole batch.
        scores *= (1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)[:, None]
        np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for i, j in self.aliases:
            scores[:, i] += scores[:, j]
            scores[:, j] = 0.0
        best = scores.argmax(axis=1)
        return [(self.classes[b], float(s)) for b, s in zip(best.tolist(), scores[np.arange(len(best)), best].tolist())]


@lru_cache(maxsize=1)
def _scores():
    """The compiled walk, compiled (or read from numba's cache) on first use: a process
    that never identifies a language, such as a repair or scoring worker, never loads
    numba (about 200 MB)."""
    from numba import njit

    return njit(cache=True, nogil=True)(_scores_py)


@lru_cache(maxsize=4)
def identifier(languages: tuple[str, ...]) -> Identifier:
    return Identifier(languages)
