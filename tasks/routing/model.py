"""The learned models: word and character n-grams, hashed and idf-weighted
(`features.py`), into a linear SVM, one for the owning team and one for the stance
(complaint, praise, neutral).

Chosen by leave-one-industry-out cross-validation on the shipped corpus (README, "How
good is it?"): it beat logistic regression on the same features and word n-grams
alone. The features were scikit-learn's TF-IDF vectorizers until their per-document
Python analyzer proved 20 times slower than the batch featuriser now here, at the
same macro-F1 (README, "Benchmarks"). Training is deterministic and happens on first
use; the fitted model is cached under the cache folder by the corpus's content hash
and the featuriser's version, so editing the corpus, the corrections or the features
retrains."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import polars as pl

from tasks.clean import normalized_text, readable_text
from tasks.routing.features import BATCH, FEATURES_VERSION, HashedFeatures, word_hashes

# Bump when the classifier changes (the features have their own version): old cached
# models are then ignored. Polars' version is in the key because its string hash is.
MODEL_VERSION = f"linearsvc-v2-{FEATURES_VERSION}-polars{pl.__version__}"
# LinearSVC gives margins, not probabilities; a softmax of the margins times this
# factor reads as one. Measured on held-out industries: at confidence >= 0.5 the
# router is right about 9 times in 10 (README).
SOFTMAX_SCALE = 4.0


def cache_dir() -> Path:
    return Path(os.environ.get("PULSE_CACHE_DIR") or Path.home() / ".cache" / "social-pulse")


def prepare(texts: pl.Series) -> list[str]:
    """Corpus texts as the pipeline sees mentions: readable, lower-cased, links gone."""
    frame = pl.DataFrame({"text": texts})
    return frame.select(normalized_text(readable_text(pl.lit(None, pl.String), pl.col("text")))).to_series().to_list()


class TextModel:
    """A linear SVM over `HashedFeatures`: margins are one sparse product per block."""

    def __init__(self, features: HashedFeatures, coef: np.ndarray, intercept: np.ndarray, labels: list[str]):
        if coef.shape[0] == 1:  # two labels: scikit-learn gives one margin, for the second
            coef, intercept = np.vstack((-coef, coef)), np.append(-intercept, intercept)
        self.features = features
        self.labels = labels
        self.intercept = intercept.astype(np.float32)
        # per block, (features, labels + 1), contiguous (what a sparse-times-dense
        # product reads fastest): the weights times the idf, and the squared idf, so
        # that the product of a text's n-gram counts also gives the length its margins
        # are divided by
        split = np.cumsum(features.sizes)[:-1]
        self.weights = [
            np.ascontiguousarray(np.column_stack((w.T * idf[:, None], idf * idf)), dtype=np.float32)
            for w, idf in zip(np.split(coef, split, axis=1), features.idf)
        ]

    @property
    def teams(self) -> list[str]:
        return self.labels

    def margins(self, texts: list[str]) -> np.ndarray:
        """(len(texts), len(labels)) SVM margins; texts already prepared."""
        if "_joint" not in self.__dict__:
            self._joint = Joint([self])
        return self._joint.margins(texts)[0]

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_joint"}  # rebuilt on use

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), len(labels)) confidences that sum to 1 per row; texts already prepared."""
        return softmax(self.margins(texts))


def softmax(margins: np.ndarray) -> np.ndarray:
    """Margins read as confidences that sum to 1 per row (`SOFTMAX_SCALE`)."""
    margins = margins * SOFTMAX_SCALE
    if not len(margins):
        return margins
    margins -= margins.max(axis=1, keepdims=True)
    e = np.exp(margins)
    return e / e.sum(axis=1, keepdims=True)


class Joint:
    """Models read through one featurisation (the router's team and stance models): a
    text's n-grams are hashed once, each block has one lookup of the features of any of
    the models, and the models' weights sit side by side, so each kind of n-gram is one
    sparse product for all of them. The margins equal each model's own: an n-gram one
    model does not know has a row of zeros in that model's columns."""

    def __init__(self, models: list[TextModel]):
        self.models = models
        self.lookup, self.weights = [], []
        for b in range(len(models[0].weights)):
            known = [m.features.lookup[b] != len(m.features.idf[b]) - 1 for m in models]
            union = np.flatnonzero(np.logical_or.reduce(known))
            lookup = np.full(len(known[0]), len(union), dtype=np.int32)
            lookup[union] = np.arange(len(union), dtype=np.int32)
            self.lookup.append(lookup)
            # each model's weight rows for the union (its unknown features read its own
            # last row, the zeros), then a row of zeros for what no model knows
            self.weights.append(np.ascontiguousarray(np.vstack((
                np.hstack([m.weights[b][m.features.lookup[b][union]] for m in models]),
                np.zeros((1, sum(m.weights[b].shape[1] for m in models)), dtype=np.float32),
            ))))

    def margins(self, texts: list[str]) -> list[np.ndarray]:
        """Per model, (len(texts), len(labels)) SVM margins; texts already prepared."""
        from tasks.routing.kernel import char_sums, code_points, word_sums

        outs = [np.empty((len(texts), len(m.labels)), dtype=np.float64) for m in self.models]
        for start in range(0, len(texts), BATCH):
            batch = texts[start:start + BATCH]
            parts = [out[start:start + BATCH] for out in outs]
            for part, m in zip(parts, self.models):
                part[:] = m.intercept
            (chars, words), (cw, ww) = self.lookup, self.weights
            for product in (char_sums(*code_points(batch), chars, cw), word_sums(*word_hashes(batch), words, ww)):
                col = 0
                for part, m in zip(parts, self.models):
                    k = len(m.labels)
                    length = np.sqrt(product[:, col + k])
                    part += product[:, col:col + k] / np.where(length > 0, length, 1)[:, None]
                    col += k + 1
        return outs


def train(texts: list[str], labels: list[str]) -> TextModel:
    """Deterministic: the same texts and labels give the same model."""
    from sklearn.svm import LinearSVC

    features = HashedFeatures(texts)
    svm = LinearSVC(C=0.5, random_state=0).fit(features.matrix(texts), labels)
    return TextModel(features, svm.coef_, svm.intercept_, list(svm.classes_))


_LOADED: dict[str, TextModel] = {}


def _read(path: Path) -> TextModel | None:
    try:
        with open(path, "rb") as f:
            model = pickle.load(f)
        return model if isinstance(model, TextModel) else None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None  # a damaged or foreign cache file: train again


def load_or_train(corpus, target: str = "team") -> TextModel:
    """The model of `target` (team or stance) for this corpus: from memory or the cache
    when its content hash matches, else trained now (a few seconds) and cached."""
    from tasks.storage import atomic_write_bytes

    key = f"{target}-{MODEL_VERSION}-{corpus.digest[:16]}"
    if key in _LOADED:
        return _LOADED[key]
    path = cache_dir() / f"model-{key}.pkl"
    model = _read(path)
    if model is None:
        rows = corpus.rows.filter(pl.col(target) != "")
        model = train(prepare(rows.get_column("text")), rows.get_column(target).to_list())
        try:
            atomic_write_bytes(path, lambda tmp: tmp.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)))
        except Exception:  # an unwritable cache folder only costs training again next time
            pass
    _LOADED[key] = model
    return model
