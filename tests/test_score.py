from functools import lru_cache
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks import score
from tasks.config import ParallelSettings, SentimentSettings

SETTINGS = SentimentSettings()
FIXTURES = Path(__file__).parent / "fixtures"


def _scored(texts, lang="en"):
    df = pl.DataFrame({"text_for_sentiment": texts, "lang": [lang] * len(texts)})
    return score.score_sentiment(df, SETTINGS, ["en"])


def test_vader_loads_offline_from_a_private_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_NLTK_DATA", str(tmp_path / "nltk"))
    monkeypatch.setattr("nltk.data.path", [])  # as on a machine with no NLTK data at all
    score._base_analyzer.cache_clear()
    score.analyzer.cache_clear()
    try:
        sia = score.analyzer()
        copied = tmp_path / "nltk" / "sentiment" / "vader_lexicon.txt"
        assert copied.is_file() and copied.stat().st_nlink == 1, "a real copy: NLTK refuses hard links"
        assert sia.polarity_scores("great")["compound"] > 0.5
    finally:
        score._base_analyzer.cache_clear()
        score.analyzer.cache_clear()


# Golden values: an NLTK or lexicon upgrade that moves them should be noticed.
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Halcyon support is GREAT!!! :)", 0.9083),
        ("not good at all", -0.3412),
        ("The phone is fine but the battery is awful", -0.5574),
        ("My Halcyon One arrived next day 😍", 0.4588),
        ("network down again 😠", -0.5106),
    ],
)
def test_golden_scores(text, expected):
    assert _scored([text])["sentiment"].item() == pytest.approx(expected, abs=1e-4)


def test_emoji_are_read_as_words():
    assert _scored(["😍"])["sentiment"].item() > 0.3
    assert _scored(["😠"])["sentiment"].item() < -0.3


def test_labels_follow_thresholds_and_other_languages_are_unscored():
    df = pl.DataFrame(
        {"text_for_sentiment": ["I love it", "it is a phone", "I hate it", "la red no funciona"], "lang": ["en", "en", "en", "es"]}
    )
    out = score.score_sentiment(df, SETTINGS, ["en"])
    assert out["sentiment_label"].to_list() == ["positive", "neutral", "negative", "unscored"]
    assert out["sentiment"][3] is None


def test_long_text_is_scored_per_sentence():
    long = ("The delivery was fine. " * 10 + "The support was terrible and rude! " * 10).strip()
    per_sentence = score.compound(long, split_chars=100)
    sia = score.analyzer()
    sentences = [s for s in score.SENTENCE_END.split(long)]
    assert per_sentence == pytest.approx(sum(sia.polarity_scores(s)["compound"] for s in sentences) / len(sentences))
    assert abs(per_sentence) < abs(sia.polarity_scores(long)["compound"]), "averaging avoids VADER's saturation"


def test_domain_lexicon_from_config_changes_the_score():
    plain = SentimentSettings()
    tuned = SentimentSettings(lexicon={"joke": -2.0})
    df = pl.DataFrame({"text_for_sentiment": ["Halcyon support is a joke"], "lang": ["en"]})
    assert score.score_sentiment(df, plain, ["en"])["sentiment_label"].item() == "positive"
    assert score.score_sentiment(df, tuned, ["en"])["sentiment_label"].item() == "negative"
    assert score.analyzer().lexicon["joke"] == 1.2, "the shared analyzer is not modified"


def test_worker_processes_give_the_same_scores_as_in_process():
    texts = [f"Halcyon {w} {i}!!! 😍" for i, w in enumerate(["great", "awful", "fine", "not bad", "a joke"] * 20)]
    settings, parallel = SentimentSettings(lexicon={"joke": -1.5}), ParallelSettings(min_items=1)
    assert score.score_texts(texts, settings, workers=2, parallel=parallel) == score.score_texts(texts, settings, workers=1, parallel=parallel)


@lru_cache(maxsize=1)
def _nltk_vader():
    """NLTK's own analyzer on the same lexicon file: what ours must equal."""
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    score._base_analyzer()  # puts the lexicon where NLTK looks
    return SentimentIntensityAnalyzer(lexicon_file=score.LEXICON)


def test_cached_tokens_score_exactly_as_nltk_on_labelled_posts():
    texts = [line.split("\t")[-1] for line in (FIXTURES / "sentiment_gold.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    texts += ["Halcyon support is GREAT!!! :)", "never so happy, but... the app?!? is 'kind of' AWFUL!!!!", "at least it's not the worst -- :-( :D"]
    nltk, ours = _nltk_vader(), score.analyzer()
    assert [ours.polarity_scores(t) for t in texts] == [nltk.polarity_scores(t) for t in texts]


# Words VADER reacts to, the punctuation NLTK strips off them, and the casing it reads.
VADER_WORDS = ["good", "GOOD", "bad", "but", "BUT", "not", "never", "so", "this", "kind", "of", "least", "at", "very", "very",
               "extremely", "sort", "the", "bomb", "cut", "the", "mustard", "yeah", "right", ":)", ":-(", "<3", "don't", "isn't", "😍"]
PUNCTUATION = ["", "", "", ".", "!", "!!!", "?", "?!?", ",", ";", ":", "-", "'", '"', "...", "!?!?", "(", ")", "#", "@", "*"]


@given(st.lists(st.tuples(st.sampled_from(PUNCTUATION), st.sampled_from(VADER_WORDS), st.sampled_from(PUNCTUATION)), max_size=25),
       st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_cached_tokens_score_exactly_as_nltk_on_any_text(words, noise):
    text = " ".join(before + word + after for before, word, after in words) + " " + noise
    assert score.analyzer().polarity_scores(text) == _nltk_vader().polarity_scores(text)
