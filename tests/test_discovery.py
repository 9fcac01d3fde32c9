"""Issue discovery on tiny hand-made weeks: what an analyst would check by eye."""

from datetime import date

import polars as pl
import pytest

from tasks.config import DiscoverySettings
from tasks.discovery import discover, follow, owner, period_issues, ranked
from tasks.emerging import PhraseCut
from tests.test_summary import _scored

ESIM = [
    "Halcyon eSIM won't activate after the phone update, no service since this morning",
    "My eSIM activation failed after updating my phone. Halcyon please fix",
    "After the phone update my Halcyon eSIM disappeared and activation keeps failing",
    "eSIM activation failed again after the update, Halcyon support useless",
    "Halcyon eSIM stuck on activating since the phone update",
    "Phone update broke my eSIM, Halcyon activation failed three times",
]
POINTS = [
    "Halcyon Rewards points now expire after six months, I lost all my points",
    "My loyalty points expired overnight under the new Halcyon Rewards rules",
    "Halcyon changed the rewards points expiry, lost 500 points",
    "Loyalty points expiring after six months? Halcyon that is a trick",
    "The new points expiry rules at Halcyon Rewards wiped my loyalty points",
    "Halcyon Rewards points expiry change is a disgrace, my points are gone",
]
SETTINGS = DiscoverySettings()


def _week(texts_and_teams, day=date(2026, 11, 17), stance="complaint"):
    rows = [
        {"day": day, "text_for_sentiment": t, "sentiment": -0.6 if stance == "complaint" else 0.6,
         "sentiment_label": "negative" if stance == "complaint" else "positive", "stance": stance, "teams": teams,
         "categories": cats, "author_handle": f"author{i}", "author_reach": 100 + i}
        for i, (t, teams, cats) in enumerate(texts_and_teams)
    ]
    return _scored(rows)


def _two_issues():
    return _week([(t, ["product_ops"], ["feature_request"]) for t in ESIM] + [(t, ["marketing"], []) for t in POINTS])


def test_two_obvious_issues_come_out_as_two(cfg):
    issues = discover(_two_issues(), "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], min_mentions=3)
    assert len(issues) == 2
    by_words = {("esim" in i["label"]): i for i in issues}
    esim, points = by_words[True], by_words[False]
    assert "points" in points["label"]
    assert (esim["mentions"], esim["authors"]) == (6, 6)
    assert {t for i in issues for t in [i["team"]]} == {"product_ops", "marketing"}
    assert esim["team"] == "product_ops" and esim["team_share"] == 100.0
    assert esim["category"]["key"] == "feature_request" and points["category"] is None
    assert esim["sources"] == {"reddit": 6} and esim["reach"] == sum(100 + i for i in range(6))
    esim_texts = set(ESIM)
    assert esim["posts"][0]["text"] in esim_texts, "the representative post is one of the issue's own"
    assert set(esim["mention_ids"]).isdisjoint(points["mention_ids"])


def test_labels_are_whole_phrases_never_fragments(cfg):
    texts = [f"Halcyon 4G and 5G both down in {c}, no signal at all" for c in ("Leeds", "York", "Hull", "Derby", "Bath")]
    issues = discover(_week([(t, ["product_ops"], []) for t in texts]), "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], min_mentions=3)
    assert len(issues) == 1
    words = [w for p in issues[0]["phrases"] for w in p["phrase"].split()]
    assert "g" not in words, "digits stay part of their word: 4g, not g"
    phrases = {p["phrase"] for p in issues[0]["phrases"]}
    assert not any("leeds" in p or "down in" == p for p in phrases)
    assert not any(p.endswith(" no") or "all halcyon" in p for p in phrases), "a phrase never spans a comma"


def test_labels_keep_words_of_any_alphabet_whole(cfg):
    """German and Russian complaints are found and labelled in their own whole words
    (ASCII-only words made "Kündigung unmöglich" read "ndigung unm", and found no
    Russian issue at all)."""
    german = ["Halcyon Rückerstattung für März verweigert, Kündigung unmöglich", "Kündigung unmöglich bei Halcyon, Rückerstattung verweigert",
              "Halcyon: Rückerstattung verweigert und Kündigung unmöglich", "Rückerstattung verweigert! Halcyon, Kündigung unmöglich",
              "Kündigung unmöglich, Rückerstattung verweigert, danke Halcyon"]
    russian = ["Halcyon нет связи третий день", "нет связи у Halcyon третий день", "третий день нет связи, Halcyon", "Halcyon опять нет связи третий день"]
    for texts in (german, russian):
        issues = discover(_week([(t, ["product_ops"], []) for t in texts]), "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], min_mentions=3)
        assert len(issues) == 1, texts[0]
        words = {w for p in issues[0]["phrases"] for w in p["phrase"].split()}
        vocabulary = {w.lower().strip(",.:!") for t in texts for w in t.split()}
        assert words and words <= vocabulary, f"label words that are not whole words of the posts: {words - vocabulary}"


def test_a_word_in_every_post_does_not_make_the_whole_label(cfg):
    """A word all of an issue's posts share ("points") gives way to the longer phrases
    that hold it, instead of silencing every other phrase."""
    points = next(i for i in discover(_two_issues(), "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], min_mentions=3) if "points" in i["label"])
    assert len(points["phrases"]) >= 2, points["phrases"]


def test_the_same_issue_next_day_is_recognised_and_a_gone_one_resolved(cfg):
    monday = period_issues(_two_issues(), None, "2026-11-16", SETTINGS, cfg.taxonomy, ["Halcyon"], 3, True)
    assert {i["status"] for i in monday["issues"]} == {"new"}
    # Tuesday: the eSIM posts again in other words, twice as many; the points change is quiet.
    more = ESIM + [t.replace("Halcyon", "@halcyon").replace("update", "software update") for t in ESIM]
    tuesday = period_issues(_week([(t, ["product_ops"], []) for t in more], day=date(2026, 11, 17)), monday, "2026-11-17", SETTINGS, cfg.taxonomy, ["Halcyon"], 3, True)
    esim_before = next(i for i in monday["issues"] if "esim" in i["label"])
    esim_now = next(i for i in tuesday["issues"] if i["status"] != "resolved")
    assert esim_now["id"] == esim_before["id"] and esim_now["first_seen"] == "2026-11-16"
    assert esim_now["status"] == "growing"
    assert [h["mentions"] for h in esim_now["history"]] == [6, 12]
    gone = [i for i in tuesday["issues"] if i["status"] == "resolved"]
    assert len(gone) == 1 and "points" in gone[0]["label"]
    assert ranked(tuesday["issues"]) == [esim_now]


def test_unrelated_issues_are_not_matched(cfg):
    esim = discover(_week([(t, [], []) for t in ESIM]), "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], 3)
    points = discover(_week([(t, [], []) for t in POINTS]), "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], 3)
    day1 = follow(esim, [], "d1", SETTINGS)
    day2 = follow(points, day1, "d2", SETTINGS)
    assert [i["status"] for i in day2] == ["new", "resolved"]


def test_praise_is_clustered_apart_and_too_few_make_no_issue(cfg):
    rows = pl.concat([_two_issues(), _week([("Priya in Halcyon support sorted my eSIM in ten minutes, brilliant", ["hr"], [])] * 2, stance="praise")])
    assert discover(rows, "praise", SETTINGS, cfg.taxonomy, ["Halcyon"], min_mentions=3) == []
    assert all("priya" not in i["label"] for i in discover(rows, "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], 3))


@pytest.mark.parametrize(
    "columns, expected",
    [({"team": ["it"], "teams": [["hr"]]}, "it"), ({"teams": [["hr", "it"]]}, "hr"), ({"teams": [[]]}, "customer_care"), ({"x": [1]}, "customer_care")],
)
def test_owner_is_the_routers_team_else_the_first_listed(columns, expected):
    df = pl.DataFrame(columns)
    assert df.select(owner(df)).item() == expected


def test_a_huge_issue_is_labelled_from_a_sample_with_estimated_counts(cfg):
    # 400 distinct eSIM complaints (each with its own town) and 60 about points: with at
    # most 50 texts cut per issue, the labels are the same words and the counts estimates.
    towns = [f"town{i:03d}" for i in range(400)]
    rows = [(f"{ESIM[i % len(ESIM)]} in {t}", ["product_ops"], []) for i, t in enumerate(towns)]
    rows += [(f"{POINTS[i % len(POINTS)]} {t}", ["marketing"], []) for i, t in enumerate(towns[:60])]
    week = _week(rows)
    whole = discover(week, "complaint", SETTINGS, cfg.taxonomy, ["Halcyon"], min_mentions=3)
    cut = PhraseCut()
    sampled = discover(week, "complaint", SETTINGS.model_copy(update={"label_texts": 50}), cfg.taxonomy, ["Halcyon"], min_mentions=3, cut=cut)
    assert 0 < cut.texts_cut <= 50 * len(sampled) < len(rows), "no issue has more than 50 of its texts cut for its label"
    assert [i["mentions"] for i in sampled] == [i["mentions"] for i in whole], "sizes are counted, not sampled"
    assert whole[0]["mentions"] > 100, "the largest issue has more texts than the sample"
    for w, s in zip(whole, sampled):
        assert s["phrases"][0]["phrase"] == w["phrases"][0]["phrase"]
        assert s["phrases"][0]["mentions"] == pytest.approx(w["phrases"][0]["mentions"], rel=0.25)
    again = discover(week, "complaint", SETTINGS.model_copy(update={"label_texts": 50}), cfg.taxonomy, ["Halcyon"], min_mentions=3)
    assert [i["phrases"] for i in again] == [i["phrases"] for i in sampled], "the sample is fixed"


PRAISE = [
    "Priya in Halcyon support sorted my eSIM in ten minutes, brilliant service from Priya",
    "Shout out to Priya at Halcyon support, sorted my eSIM in minutes",
    "Priya from Halcyon support was brilliant, eSIM sorted in ten minutes",
    "Huge thanks to Priya in Halcyon support for sorting my eSIM so quickly",
]


def test_the_daily_board_lists_the_days_praise_issues(cfg):
    from tasks.reports.daily import build_board, render_board

    rows = pl.concat([_two_issues(), _week([(t, ["hr"], []) for t in PRAISE], stance="praise")])
    found = period_issues(rows, None, "2026-11-17", SETTINGS, cfg.taxonomy, ["Halcyon"], 3, True)
    board = build_board(cfg.brand("halcyon"), date(2026, 11, 17), rows, [], 14, cfg.taxonomy, cfg.settings.summary, cfg.settings.board, found)
    assert [i["mentions"] for i in board["praise_issues"]] == [4] and board["praise_issues"][0]["team"] == "hr"
    text = render_board(board)
    praise_section = text[text.index("## Praise to pass on"):]
    assert board["praise_issues"][0]["label"] in praise_section and "4 mentions, HR, new" in praise_section


@pytest.mark.parametrize("threshold", [0.3, 0.95, 1.2])
def test_the_linkage_cuts_where_scikit_learns_agglomerative_clustering_does(threshold):
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score

    from tasks.discovery import _cluster_labels

    rng = np.random.default_rng(7)
    centres = rng.normal(size=(6, 20))
    x = np.repeat(centres, 40, axis=0) + rng.normal(scale=0.8, size=(240, 20))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ours = _cluster_labels(x, DiscoverySettings(distance_threshold=threshold), "agglomerative")
    theirs = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold).fit_predict(x)
    assert 1 < len(set(ours)) < len(x) or threshold == 1.2
    assert adjusted_rand_score(theirs, ours) == 1.0
    assert ours[0] == 0 and set(ours) == set(range(len(set(ours))))  # numbered in order of first row


def test_the_blas_limit_holds_until_the_last_discovery_leaves():
    # Two brands' boards discover at once: the first to finish must not hand the other's
    # SVD every core (its sums in another order: clusters differing from run to run).
    import numpy  # noqa: F401  (loads BLAS)
    from threadpoolctl import threadpool_info

    from tasks.discovery import one_blas_thread

    def blas_threads():
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    before = blas_threads()
    first, second = one_blas_thread(), one_blas_thread()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # one board done, the other still clustering
    assert blas_threads() == {1}
    second.__exit__(None, None, None)
    assert blas_threads() == before
