from datetime import date, datetime, timezone

import polars as pl
import pytest

from tasks import schema
from tasks.errors import ConfigError
from tasks.config import DiscoverySettings
from tasks.discovery import period_issues
from tasks.stance import stance
from tasks.calendar import parse_week, week_days
from tasks.reports.render import render_html, render_markdown
from tasks.reports.weekly import build_summary


def _scored(rows):
    base = {"source": "reddit", "brand": "halcyon", "dup_count": 1, "dup_sources": ["reddit"], "lang": "en", "teams": [], "categories": []}
    full = []
    for i, r in enumerate(rows):
        d = r.pop("day")
        row = {**base, "mention_id": f"{i:020x}", "native_id": str(i), "date": d, "created_at": datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc), **r}
        row.setdefault("text_norm", row["text_for_sentiment"].lower())
        full.append(row)
    return schema.conform(pl.DataFrame(full, schema_overrides=schema.SCORED, infer_schema_length=None), "scored")


def test_week_labels():
    assert parse_week("2026-W47") == date(2026, 11, 16)
    assert week_days("2026-W47")[-1] == date(2026, 11, 22)
    for bad in ("2026-47", "W47", "2026-W54", "../../x"):
        with pytest.raises(ConfigError, match="week"):
            parse_week(bad)


@pytest.fixture
def model(cfg, models):
    tue, prev = date(2026, 11, 17), date(2026, 11, 10)
    this_week = _scored(
        [
            {"day": tue, "text_for_sentiment": "Halcyon network down, no signal <script>alert(1)</script>", "sentiment": -0.8, "sentiment_label": "negative", "categories": ["outage_network"], "teams": ["product_ops"], "author_handle": "ann", "author_reach": 900, "engagement": 50},
            {"day": tue, "text_for_sentiment": "Halcyon network down, no signal, outage again | all day <img src=x onerror=alert(2)>", "sentiment": -0.6, "sentiment_label": "negative", "categories": ["outage_network"], "teams": ["product_ops"], "author_handle": "bob", "author_reach": 10, "url": "https://social.example/@bob/1"},
            {"day": tue, "text_for_sentiment": "Huge thanks to Priya from support, she sorted everything in minutes. Brilliant!", "sentiment": 0.7, "sentiment_label": "positive", "categories": ["employee_praise", "customer_service"], "teams": ["customer_care", "hr"], "author_handle": "cy"},
            {"day": tue, "text_for_sentiment": "Halcyon es genial", "sentiment": None, "sentiment_label": "unscored", "lang": "es"},
        ]
    )
    last_week = _scored([{"day": prev, "text_for_sentiment": "Halcyon fine", "sentiment": 0.3, "sentiment_label": "positive"}])
    this_week, last_week = stance(this_week, cfg.settings.stance, models.stance), stance(last_week, cfg.settings.stance, models.stance)
    quarantine = pl.DataFrame(
        {"stage": ["clean", "clean", "listen"], "disposition": ["dropped", "dropped", "quarantined"], "reason": ["duplicate of aaa", "duplicate of bbb", "x.jsonl line 3: invalid JSON"]}
    )
    return build_summary(cfg.brand("halcyon"), "2026-W47", this_week, last_week, {"brightwave": 4}, quarantine, cfg.taxonomy, cfg.settings.summary, discovery=TINY)


# A hand-made week has a handful of posts: an issue of two is enough here.
TINY = DiscoverySettings(min_mentions_week=2)


def test_headline_numbers(model):
    assert model["volume"] == 4 and model["previous_volume"] == 1
    assert model["volume_change_pct"] == 300.0
    # 1 positive, 2 negative of 3 scored: net -33.3; last week +100.
    assert model["net_sentiment"] == -33.3 and model["net_sentiment_change"] == -133.3
    assert model["share_of_voice"] == [
        {"brand": "halcyon", "name": "Halcyon Mobile", "mentions": 4, "share_pct": 50.0},
        {"brand": "brightwave", "name": "brightwave", "mentions": 4, "share_pct": 50.0},  # no names given: the id
    ]
    assert model["unscored"] == 1
    assert model["weekly_trend"] == [{"week": "2026-W46", "volume": 1, "net_sentiment": 100.0}, {"week": "2026-W47", "volume": 4, "net_sentiment": -33.3}]


def test_issues_teams_praise_and_quality(model):
    top = model["top_issues"][0]
    assert (top["category"]["key"], top["mentions"], top["authors"], top["status"], top["team"]) == ("outage_network", 2, 2, "new", "product_ops")
    assert top["reach"] == 910 and top["team_share"] == 100.0
    assert "network down" in top["label"], "labelled in the posts' own words (phrases of the same posts say it once)"
    hr = next(t for t in model["teams"] if t["team"] == "hr")
    assert hr["praise"][0]["posts"][0]["text"].startswith("Huge thanks to Priya from support")
    assert hr["handoffs"] == [], "HR shares a compliment with Customer care, not a complaint"
    assert {(q["reason"], q["rows"]) for q in model["quality"]} == {("duplicate (repost or cross-post)", 2), ("invalid JSON", 1)}
    assert model["attention"][0].startswith(f"{top['label']}: 2 mentions from 2 people (new), owned by Product & operations (100 % of its mentions), SLA 4 h")
    product = next(t for t in model["teams"] if t["team"] == "product_ops")
    assert [i["label"] for i in product["issues"]] == [top["label"]], "each issue listed under its owning team"


def test_reports_escape_post_text(model):
    html = render_html(model)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    md = render_markdown(model)
    assert "<script>" not in md and "<img" not in md
    assert "outage again \\| all day" in md, "a pipe in a post cannot break a Markdown table"
    for heading in ("## Top issues", "## By team", "### HR", "## Data quality", "## Daily volume by sentiment", "## Spikes", "## Week over week"):
        assert heading in md


def test_html_is_self_contained(model):
    from html.parser import HTMLParser

    class Refs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.refs = set(), set()

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            self.refs |= {v for k, v in attrs if k in ("href", "src", "action", "srcset", "poster", "data")}

    parser = Refs()
    html = render_html(model)
    parser.feed(html)
    assert parser.refs == {"https://social.example/@bob/1", "quality.html"}, "no reference but the posts and the quality page beside it"
    assert not parser.tags & {"script", "link", "img", "iframe", "object"}
    assert "url(" not in html and "@import" not in html


def test_rendering_twice_gives_identical_bytes(model):
    assert render_html(model).encode() == render_html(model).encode()
    assert render_markdown(model).encode() == render_markdown(model).encode()


@pytest.mark.parametrize(
    "scheduled, zone, week",
    [
        ("2026-11-23T08:00:00+00:00", "Europe/London", "2026-W47"),  # Monday's run: the week just ended
        ("2026-11-24T15:00:00+00:00", "Europe/London", "2026-W47"),  # late or retried: still that week
        ("2026-11-22T20:00:00+00:00", "Europe/London", "2026-W46"),  # Sunday evening in London ...
        ("2026-11-22T20:00:00+00:00", "Pacific/Auckland", "2026-W47"),  # ... is Monday morning in Auckland
    ],
)
def test_scheduled_runs_summarise_the_week_before_their_scheduled_time(monkeypatch, scheduled, zone, week):
    from datetime import datetime as dt

    import prefect.runtime.flow_run as flow_run

    from flows.weekly_summary import week_to_summarise

    monkeypatch.setitem(flow_run.FIELDS, "scheduled_start_time", lambda: dt.fromisoformat(scheduled))
    assert week_to_summarise(zone) == week


def test_authors_can_be_pseudonymised_in_reports(cfg, model, models):
    import re

    assert "ann" in render_markdown(model)
    settings = cfg.settings.summary.model_copy(update={"pseudonymise_authors": True})
    rows = [{"day": date(2026, 11, 17), "text_for_sentiment": t, "sentiment": -0.7, "sentiment_label": "negative", "categories": ["outage_network"], "teams": ["product_ops"], "author_handle": "ann.real.name"}
            for t in ("Halcyon outage, no signal in Leeds since this morning", "Still a Halcyon outage here, no signal in Leeds all afternoon")]
    # Both are complaints, given as such: this test is about names. (The stance model,
    # at the margin chosen on the corpus, calls the second one praise by a hair, one of
    # the errors behind its held-out praise precision of 0.86; tests/test_stance.py.)
    scored = _scored(rows).with_columns(pl.lit("complaint").alias("stance"))
    one_voice = TINY.model_copy(update={"min_authors": 1})
    quarantine = pl.DataFrame(schema={"stage": pl.String, "disposition": pl.String, "reason": pl.String})
    md = render_markdown(build_summary(cfg.brand("halcyon"), "2026-W47", scored, scored.clear(), {}, quarantine, cfg.taxonomy, settings, discovery=one_voice))
    assert "ann.real.name" not in md
    names = set(re.findall(r"author-[0-9a-f]{8}", md))
    assert len(names) == 1, "one author, one stable pseudonym"
    # As the flow runs it: the issues found from the mentions as stored, before the summary.
    found = period_issues(scored, None, "2026-W47", one_voice, cfg.taxonomy, ["Halcyon"], 1, True)
    assert any(p["author"] == "ann.real.name" for i in found["issues"] for p in i["posts"])
    md = render_markdown(build_summary(cfg.brand("halcyon"), "2026-W47", scored, scored.clear(), {}, quarantine, cfg.taxonomy, settings, discovered=found))
    assert "ann.real.name" not in md and set(re.findall(r"author-[0-9a-f]{8}", md)) == names
    # The daily board, given the day's issues the same way; the lake keeps them as found.
    from tasks.reports.daily import build_board, render_board

    board = build_board(cfg.brand("halcyon"), date(2026, 11, 17), scored, [], 14, cfg.taxonomy, settings, cfg.settings.board, found)
    shown = render_board(board)
    assert "ann.real.name" not in shown and set(re.findall(r"author-[0-9a-f]{8}", shown)) == names
    assert board["discovered"] is found


def test_praise_boxes_hold_no_mention_labelled_negative(cfg, models):
    """The stance model can hear praise in a complaint ("Still a Halcyon outage here, no
    signal", margin 0); the weekly report's praise boxes show only what VADER does not read
    negative, whatever the stance says."""
    tue = date(2026, 11, 17)
    rows = [
        {"day": tue, "text_for_sentiment": t, "sentiment": s, "sentiment_label": label, "stance": "praise", "categories": ["customer_service"], "teams": ["customer_care"], "author_handle": a}
        for t, s, label, a in (
            ("Still a Halcyon outage here, no signal in Leeds all afternoon", -0.7, "negative", "ann"),
            ("Halcyon support sorted my bill in five minutes, thank you Sam!", 0.8, "positive", "bob"),
        )
    ]
    scored = _scored(rows)
    summary = build_summary(cfg.brand("halcyon"), "2026-W47", scored, scored.clear(), {}, pl.DataFrame(schema={"stage": pl.String, "disposition": pl.String, "reason": pl.String}), cfg.taxonomy, cfg.settings.summary)
    md = render_markdown(summary)
    assert "sorted my bill in five minutes" in md
    assert "no signal in Leeds all afternoon" not in md
