
import polars as pl

from tasks.emerging import emerging_phrases, negative_phrase_counts, phrase_counts


def _mentions(texts, label="negative"):
    return pl.DataFrame(
        {"mention_id": [f"m{i}" for i in range(len(texts))], "text_norm": [t.lower() for t in texts], "sentiment_label": [label] * len(texts)}
    )


def test_phrases_counted_once_per_mention_without_stopword_edges():
    counts = dict(phrase_counts(_mentions(["the battery life battery life is bad", "battery life again"])).iter_rows())
    assert counts["battery life"] == 2
    assert "the battery" not in counts and "life is" not in counts


def test_planted_new_complaint_rises_and_steady_ones_do_not():
    steady = ["halcyon battery life is poor", "battery life could be better halcyon", "my battery life halcyon sucks"]
    baseline = _mentions(steady * 7 + ["halcyon bill too high"] * 7)  # a week of the usual
    today = _mentions(steady + ["esim activation failed again halcyon", "halcyon esim activation failed", "esim activation failed, no help", "esim activation failed on my new phone"])
    found = emerging_phrases(today, negative_phrase_counts(baseline), current_days=1, baseline_days=7, ignore=["halcyon"])
    phrases = [f["phrase"] for f in found]
    assert phrases[0] == "esim activation failed"
    assert found[0]["mentions"] == 4 and found[0]["baseline"] == 0
    assert not any("battery" in p for p in phrases)
    assert "esim activation" not in phrases, "a shorter phrase inside a kept longer one is not repeated"


def test_positive_posts_do_not_make_issues():
    today = _mentions(["free data boost loved it"] * 5, label="positive")
    assert emerging_phrases(today, negative_phrase_counts(_mentions([])), 1, 7, ignore=[]) == []
