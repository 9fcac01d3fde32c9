
import polars as pl
import pytest

from tasks.emerging import PhraseCut, emerging_phrases, negative_phrase_counts, phrase_counts


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


WEEK = [
    "esim activation failed after the update, no service",
    "esim activation failed after the update, no service",  # a repost
    "my esim activation failed again. support useless",
    "battery life is bad and the battery life app lies",
    "4g and 5g down again since monday",
]


def _fresh(texts, sizes, words):
    """Each text cut on its own, with nothing shared: what the labels and the emerging
    phrases were given before the week's cut was shared."""
    return {(i, p) for i, t in enumerate(texts) for _, p in PhraseCut().pairs(pl.Series([t]), sizes, words).iter_rows()}


def test_shared_cut_gives_each_reader_the_phrases_of_its_own_cut():
    cut = PhraseCut()
    cut.pairs(pl.Series(WEEK[2:]), (2, 3))  # another reader cut some of the week first
    for texts, sizes, words in ((WEEK, (2, 3), 150), (WEEK[::-1], (1, 2, 3), 80), (WEEK, (1, 2, 3), 4)):
        shared = set(cut.pairs(pl.Series(texts), sizes, words).iter_rows())
        assert shared == _fresh(texts, sizes, words)
    short = {p for _, p in cut.pairs(pl.Series(["battery life is bad and the battery life app lies"]), (2, 3), words=4).iter_rows()}
    assert short == {"battery life", "life is bad"}, "only phrases within the first four words"
    with pytest.raises(ValueError):
        cut.pairs(pl.Series(WEEK), (4,))


def test_reposts_count_as_mentions_when_cut_once():
    counts = dict(phrase_counts(_mentions(WEEK * 3)).iter_rows())
    assert counts["esim activation failed"] == 9 and counts["no service"] == 6 and counts["battery life"] == 3


def test_emerging_phrases_same_with_a_cut_shared_with_the_labels():
    today = _mentions(WEEK * 2 + ["esim activation failed on my new phone"])
    baseline = _mentions(["battery life is bad"] * 7)
    cut = PhraseCut()
    cut.pairs(pl.Series([t.lower() for t in WEEK]), (1, 2, 3), 80)  # as discovery's labels would
    alone = emerging_phrases(today, negative_phrase_counts(baseline), 1, 7, ignore=[])
    shared = emerging_phrases(today, negative_phrase_counts(baseline, cut=cut), 1, 7, ignore=[], cut=cut)
    assert shared == alone
    assert alone[0] == {"phrase": "esim activation failed", "mentions": 7, "baseline": 0, "lift": 8.0}


def test_phrases_of_one_template_are_one_row_and_other_posts_phrases_are_not():
    # One templated complaint posted by many (its phrases all rise together), and two
    # unrelated complaints as often: three rows, not the template's five phrases.
    template = [f"the 4g and 5g down again in {town}, rather than radio silence" for town in ("leeds", "york", "hull", "bath", "kent", "ayr")]
    others = ["points expiry changed without warning"] * 6 + ["hold music for an hour"] * 6
    found = emerging_phrases(_mentions(template + others), negative_phrase_counts(_mentions([])), 1, 7, ignore=[])
    phrases = [f["phrase"] for f in found]
    assert len(phrases) == 3, phrases
    assert sum(p in ("4g and 5g", "and 5g down", "5g down again", "rather than radio", "radio silence") for p in phrases) == 1
    assert sum(p in "points expiry changed without warning" for p in phrases) == 1 and "hold music" in phrases


def test_emerging_phrases_same_with_the_periods_counts_given():
    today = _mentions(WEEK * 2 + ["esim activation failed on my new phone"])
    baseline = negative_phrase_counts(_mentions(["battery life is bad"] * 7))
    assert emerging_phrases(today, baseline, 1, 7, ignore=[], counts=negative_phrase_counts(today)) == emerging_phrases(today, baseline, 1, 7, ignore=[])
