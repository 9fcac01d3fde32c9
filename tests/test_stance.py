"""Praise that is praise: the traps VADER reads as positive are complaints."""

import polars as pl
import pytest

from tasks.evaluate import evaluate_stance
from tasks.stance import stance

TRAPS = [
    "Brilliant. Not. Absolutely useless.",
    "Thanks for nothing @acme 😠",
    "1 star. The staff were lovely but the kettle broke in a week",
    "network down for two days. I'm done with this network",
    "Great phone, battery swelling AGAIN, this is a safety issue",
    "Oh wonderful, another 3 hours on hold. Said no one ever.",
]
PRAISE = [
    "Huge thanks to Dev at the Leeds store, sorted my broken screen in twenty minutes. Brilliant service!",
    "Couldn't have asked for a smoother switch, everything worked first time. Love it.",
]


def _frame(texts, label="positive"):
    return pl.DataFrame({"text_for_sentiment": texts, "text_norm": [t.lower() for t in texts], "sentiment_label": [label] * len(texts)})


def test_sarcasm_and_low_ratings_are_complaints_not_praise(cfg, models):
    out = stance(_frame(TRAPS), cfg.settings.stance, models.stance)
    assert "praise" not in out["stance"].to_list(), list(zip(TRAPS, out["stance"]))


def test_clear_praise_is_praise(cfg, models):
    out = stance(_frame(PRAISE), cfg.settings.stance, models.stance)
    assert out["stance"].to_list() == ["praise", "praise"]


def test_middling_verdicts_and_news_are_not_praise(cfg, models):
    # Positive words, but a three-star verdict or a headline: nothing to pass on as praise.
    texts = [
        "Lovely staff, clean rooms, breakfast was fine. 3/5",
        "Great screen, decent battery, slow charging. 6/10",
        "Nice enough film selection, lots of filler. ★★★☆☆",
        "Acme announces record profits and a new flagship store in Leeds",
        "Acme names former rival boss as new chief executive",
    ]
    assert "praise" not in stance(_frame(texts), cfg.settings.stance, models.stance)["stance"].to_list()
    # ... while a high rating with the same words stays praise.
    assert stance(_frame(["Huge thanks to the team, lovely staff and the best breakfast we have had anywhere. 5/5, we will be back!"]), cfg.settings.stance, models.stance)["stance"].to_list() == ["praise"]


def test_negative_sentiment_is_a_complaint_unless_the_praise_is_clear(cfg, models):
    unsure = ["Is the new plan any good or not?", "they changed the menu this week"]
    assert stance(_frame(unsure, label="negative"), cfg.settings.stance, models.stance)["stance"].to_list() == ["complaint", "complaint"]
    # VADER reads "no complaints whatsoever" as negative; the stance model knows better.
    clear = ["No complaints whatsoever, the engineer was in and out in twenty minutes and left it spotless. Thank you!"]
    assert stance(_frame(clear, label="negative"), cfg.settings.stance, models.stance)["stance"].to_list() == ["praise"]


def test_praise_precision_on_the_labelled_stance_set(cfg):
    from tasks.config import REPO_ROOT

    result = evaluate_stance(REPO_ROOT / "tests" / "fixtures" / "stance_gold.csv", cfg)
    # Held out: the shipped praise margin (0) was chosen on the routing corpus alone
    # (`python -m tasks.stance`, industries held out), and this set, other writers and
    # brands, was measured once with it: precision 0.860, recall 0.667 (below the issue's
    # 0.90). The test allowed 0.90 before because the margin (0.3) had been picked on
    # this very set (0.924 then). The neutral cues and the widened complaint cues were
    # written after reading this set's false praise, so its 0.937 now is fitted, not held
    # out (the blind set below is the held-out figure). Fails below the held-out 0.84.
    assert result["praise_precision"] >= 0.84, result


def test_praise_precision_on_the_blind_stance_set(cfg):
    """tests/fixtures/stance_blind.csv: 400 mentions of 36 brands in 12 industries none of
    the corpus's, written and labelled (with a `trap` column) by a writer who saw no code,
    rule or set of the project; measured once before the neutral cues were added (praise
    precision 0.863) and once after (0.894, recall 0.765). Fails if praise gets worse
    than that by more than a few mentions' worth."""
    from tasks.config import REPO_ROOT

    result = evaluate_stance(REPO_ROOT / "tests" / "fixtures" / "stance_blind.csv", cfg)
    assert result["praise_precision"] >= 0.87, result


def test_praise_precision_on_the_second_blind_set(cfg):
    """tests/fixtures/stance_blind2.csv: 300 mentions in 10 more industries, by another
    writer who saw nothing of the project, written after the session's stance changes and
    measured once: praise precision 0.947 (recall 0.514, the stance model calling praise
    in these industries a complaint). Fails if precision falls below the 0.90 target."""
    from tasks.config import REPO_ROOT

    result = evaluate_stance(REPO_ROOT / "tests" / "fixtures" / "stance_blind2.csv", cfg)
    assert result["praise_precision"] >= 0.90, result


def test_a_bad_cue_fails_at_load_naming_the_key():
    from pydantic import ValidationError

    from tasks.config import StanceSettings

    with pytest.raises(ValidationError, match="complaint_cues"):
        StanceSettings(complaint_cues=["(?<=look)behind"])
    with pytest.raises(ValidationError, match="empty pattern"):
        StanceSettings(complaint_cues=[" "])
    with pytest.raises(ValidationError, match="neutral_cues"):
        StanceSettings(neutral_cues=["(?!ahead)"])
