import polars as pl

from tasks.config import Promise
from tasks.digest import digest
from tasks.promises import promise_gap


def test_digest_takes_representative_sentences_word_for_word():
    posts = [
        "No signal in Leeds since 7am. The whole network is down again and nobody answers.",
        "Network down again in York, no signal at all since this morning. Unbelievable.",
        "Is the network down again? No signal here either since this morning!",
        "My cat likes the box the router came in, cute honestly very cute little thing.",
    ]
    got = digest(posts, sentences=2)
    assert len(got) == 2
    assert all(any(s in p for p in posts) for s in got), "sentences are quoted, not paraphrased"
    assert not any("cat" in s for s in got)


def test_digest_of_nothing_is_empty():
    assert digest([]) == [] and digest(["too short."]) == []


def test_promise_gap_counts_broken_and_kept():
    df = pl.DataFrame(
        {
            "text_norm": ["ordered for next day delivery, came a week later", "arrived next day, great", "bill fine", "next-day my foot"],
            "text_for_sentiment": ["Ordered for next day delivery, came a week later", "Arrived next day, great", "Bill fine", "Next-day my foot"],
            "stance": ["complaint", "praise", "neutral", "complaint"],
            "dup_count": [1, 1, 1, 3],
            "mention_id": ["a", "b", "c", "d"],
        }
    )
    gap = promise_gap(df, [Promise(name="Next-day delivery", phrases=["next day", "next-day"]), Promise(name="5G", phrases=["5g"])])
    assert gap == [{"promise": "Next-day delivery", "mentions": 3, "not_met": 2, "met": 1, "examples": ["Next-day my foot", "Ordered for next day delivery, came a week later"]}]
