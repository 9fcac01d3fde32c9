"""The learned models: word and character n-gram TF-IDF into a linear SVM, one for
the owning team and one for the stance (complaint, praise, neutral).

Chosen by leave-one-industry-out cross-validation on the shipped corpus (README, "How
good is it?"): it beat logistic regression on the same features and word n-grams
alone, trains in seconds and routes tens of thousands of texts a second. Training is
deterministic and happens on first use; the fitted model is cached under the cache
folder by the corpus's content hash, so editing the corpus or the corrections retrains.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import polars as pl

from tasks.clean import normalized_text, readable_text

# Bump when the features or the classifier change: old cached models are then ignored.
MODEL_VERSION = "tfidf-word12-char25-linearsvc-v1"
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
    def __init__(self, pipeline, labels: list[str]):
        self.pipeline = pipeline
        self.labels = labels

    @property
    def teams(self) -> list[str]:
        return self.labels

    def margins(self, texts: list[str]) -> np.ndarray:
        """(len(texts), len(labels)) SVM margins; texts already prepared."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.pipeline.decision_function(texts)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), len(labels)) confidences that sum to 1 per row; texts already prepared."""
        margins = self.margins(texts) * SOFTMAX_SCALE
        if not len(margins):
            return margins
        margins -= margins.max(axis=1, keepdims=True)
        e = np.exp(margins)
        return e / e.sum(axis=1, keepdims=True)



def make_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline as pipe
    from sklearn.pipeline import make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, strip_accents="unicode", dtype=np.float32),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, dtype=np.float32),
    )
    return pipe(features, LinearSVC(C=0.5, random_state=0))


def train(texts: list[str], labels: list[str]) -> TextModel:
    pipeline = make_pipeline().fit(texts, labels)
    return TextModel(pipeline, list(pipeline.classes_))


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
