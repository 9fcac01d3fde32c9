"""The polars TF-IDF used by issue discovery gives scikit-learn's TfidfVectorizer's matrix."""

import numpy as np
import polars as pl
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from tasks.tfidf import ENGLISH_STOP_WORDS, Tfidf, unit_rows

TEXTS = [
    "My eSIM activation failed after the update, eSIM activation failed again!",
    "No signal since Tuesday. The network is down in the whole town.",
    "network down again, no signal, no 4G and no 5G",
    "The app keeps crashing when I open my bill",
    "app crashing, app crashing, app crashing",
    "Loyalty points expired without warning: the points were for my mum's phone",
    "nächsten Monat kündige ich, das Netz ist schlecht",
    "",
    "a I",  # no word of two letters: an empty row
    "the and of",  # stop words only
]
STOP = ["the", "and", "of", "is", "my", "in", "for", "was", "were", "when", "since", "again"]


@pytest.mark.parametrize("min_df,max_df", [(1, 1.0), (2, 0.5)])
def test_the_matrix_is_scikit_learns(min_df, max_df):
    ours = Tfidf.fit(pl.Series(TEXTS), STOP, min_df=min_df, max_df=max_df)
    theirs = TfidfVectorizer(
        token_pattern=r"(?u)\b[^\W_][\w']+\b", ngram_range=(1, 2), min_df=min_df, max_df=max_df, sublinear_tf=True, stop_words=STOP, dtype=np.float32
    ).fit(TEXTS)
    assert ours.feature_names.tolist() == theirs.get_feature_names_out().tolist()
    # pairs are of the words left once stop words are out, as scikit-learn forms them
    if min_df == 1:
        assert "activation failed" in ours.feature_names and "network down" in ours.feature_names  # "network is down"
    # (an unknown word between two known ones makes no pair of them: "esim activation" is not in the second)
    unseen = ["eSIM activation failed twice", "eSIM zzz activation failed", "nothing known here", "app app app crashing"]
    for texts in (TEXTS, unseen):
        got, want = ours.transform(pl.Series(texts)), theirs.transform(texts)
        assert got.shape == want.shape
        np.testing.assert_allclose(got.toarray(), want.toarray(), atol=1e-6)


def test_rows_of_unit_length_or_zero_and_chunks_agree(monkeypatch):
    model = Tfidf.fit(pl.Series(TEXTS), STOP)
    whole = model.transform(pl.Series(TEXTS)).toarray()
    norms = np.linalg.norm(whole, axis=1)
    assert np.allclose(norms[[0, 1, 2, 3, 4, 5, 6]], 1) and np.all(norms[[7, 8, 9]] == 0)
    monkeypatch.setattr("tasks.tfidf.CHUNK", 3)
    np.testing.assert_allclose(model.transform(pl.Series(TEXTS)).toarray(), whole)
    assert model.transform(pl.Series([], dtype=pl.String)).shape == (0, model.vocabulary.height)


def test_nothing_left_is_an_error():
    with pytest.raises(ValueError):
        Tfidf.fit(pl.Series(["the and", "of the"]), STOP)


def test_stop_words_are_scikit_learns():
    # The copy that spares discovery importing scikit-learn must not drift from it.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as theirs

    assert ENGLISH_STOP_WORDS == theirs


def test_unit_rows_is_scikit_learns_normalize():
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    dense = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(unit_rows(dense.copy()), normalize(dense))
    # a sparse matrix with empty rows first, between and last
    sparse = csr_matrix(np.vstack([np.zeros((1, 3)), dense, np.zeros((2, 3))]).astype(np.float32))
    np.testing.assert_allclose(unit_rows(sparse.copy()).toarray(), normalize(sparse).toarray())
