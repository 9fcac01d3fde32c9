"""Hostile input: any Unicode, control characters, right-to-left and zero-width marks,
enormous texts. Scoring never crashes or leaves its range; reports never let post text
become markup."""

from datetime import date, datetime, timezone
from html.parser import HTMLParser

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks import schema
from tasks.config import SentimentSettings
from tasks.routing.router import load_models, route_and_stance
from tasks.score import score_sentiment
from tasks.reports.render import render_html, render_markdown
from tasks.reports.weekly import build_summary

NASTY = ["\u202e", "\u200b", "\u200f", "\x00", "\x1b[31m", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]>", "{{ 7*7 }}", "{% raw %}", "&#x3C;b&#x3E;", "😡", "e\u0301", "|", "\\", "`", "*", "\r\n"]
texts = st.lists(st.one_of(st.text(max_size=60), st.sampled_from(NASTY)), max_size=20).map("".join)
QUIET = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@QUIET
@given(st.lists(texts, min_size=1, max_size=8))
def test_scoring_any_text_stays_in_range(values):
    df = pl.DataFrame({"text_for_sentiment": values, "lang": ["en"] * len(values)})
    out = score_sentiment(df, SentimentSettings(), ["en"])
    assert out.height == len(values)
    assert out["sentiment"].is_between(-1, 1).all()


def test_an_enormous_text_is_scored():
    text = ("The network is down again and support is useless! " * 6000) + "But the phone is lovely :)"
    out = score_sentiment(pl.DataFrame({"text_for_sentiment": [text], "lang": ["en"]}), SentimentSettings(), ["en"])
    assert -1 <= out["sentiment"].item() < 0


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.handlers += [k for k, _ in attrs if k.startswith("on")]


def _tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def _model(cfg, posts: list[str], authors: list[str]):
    day = date(2026, 11, 17)
    rows = [
        {
            "mention_id": f"{i:020x}", "source": "reddit", "native_id": str(i), "brand": "halcyon", "date": day,
            "created_at": datetime(2026, 11, 17, 12, tzinfo=timezone.utc), "text_for_sentiment": f"Halcyon outage no signal {text}",
            "text_norm": f"halcyon outage no signal {text}".lower(), "sentiment": -0.5, "sentiment_label": "negative",
            "author_handle": authors[i % len(authors)], "dup_count": 1, "dup_sources": ["reddit"], "lang": "en",
        }
        for i, text in enumerate(posts)
    ]
    scored = route_and_stance(schema.conform(pl.DataFrame(rows, schema_overrides=schema.SCORED, infer_schema_length=None), "scored"), cfg, load_models(cfg), lambda df: df)
    quarantine = pl.DataFrame({"stage": ["listen"], "disposition": ["quarantined"], "reason": [posts[0][:50]]})
    return build_summary(cfg.brand("halcyon"), "2026-W47", scored, scored.clear(), {}, quarantine, cfg.taxonomy, cfg.settings.summary)


@QUIET
@given(st.lists(texts, min_size=1, max_size=6), st.lists(texts, min_size=1, max_size=3))
def test_reports_never_turn_post_text_into_markup(cfg, posts, authors):
    benign = _tags(render_html(_model(cfg, ["fine"], ["ann"]))).tags
    model = _model(cfg, posts, authors)
    parsed = _tags(render_html(model))
    assert parsed.tags <= benign, f"post text became markup: {parsed.tags - benign}"
    assert not parsed.handlers
    markdown = render_markdown(model)
    assert "<script" not in markdown and "<img" not in markdown
