"""One link filter (tasks/links.py): only http and https links reach a report, in the
HTML and Markdown weekly summaries and the daily boards (and so their artifacts)."""

from datetime import date, datetime, timezone

import polars as pl
import pytest

from tasks import schema
from tasks.reports.daily import build_board, render_board
from tasks.routing.router import load_models, route_and_stance
from tasks.links import safe_url
from tasks.reports.render import render_html, render_markdown
from tasks.reports.weekly import build_summary

HOSTILE = [
    "javascript:alert(document.domain)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "file:///etc/passwd",
    "https:alert(1)",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_only_http_links_pass(url):
    assert safe_url(url) is None


def test_http_links_pass_with_breaking_characters_encoded():
    assert safe_url("https://mas.to/@ann/1") == "https://mas.to/@ann/1"
    assert safe_url("http://x.example/a b>c\"d") == "http://x.example/a%20b%3Ec%22d"


def _scored(cfg, urls: list[str]) -> pl.DataFrame:
    rows = [
        {
            "mention_id": f"{i:020x}", "source": "reddit", "native_id": str(i), "brand": "halcyon", "date": date(2026, 11, 17),
            "created_at": datetime(2026, 11, 17, 12, tzinfo=timezone.utc), "text_for_sentiment": f"Halcyon outage, no signal again here in town since early this morning {i}",
            "text_norm": f"halcyon outage, no signal again here in town since early this morning {i}", "sentiment": -0.5, "sentiment_label": "negative", "url": url,
            "author_handle": f"user{i}", "dup_count": 1, "dup_sources": ["reddit"], "lang": "en",
        }
        for i, url in enumerate(urls)
    ]
    df = schema.conform(pl.DataFrame(rows, schema_overrides=schema.SCORED, infer_schema_length=None), "scored")
    return route_and_stance(df, cfg, load_models(cfg), lambda scored: scored)


def test_reports_and_boards_render_no_javascript_link(cfg):
    urls = ["https://www.reddit.com/r/HalcyonMobile/comments/ok/", *HOSTILE]
    scored = _scored(cfg, urls)
    settings = cfg.settings.summary.model_copy(update={"posts_per_issue": len(urls)})
    from tasks.config import DiscoverySettings

    model = build_summary(cfg.brand("halcyon"), "2026-W47", scored, scored.clear(), {}, schema.empty("quarantine"), cfg.taxonomy, settings, discovery=DiscoverySettings(min_mentions_week=2))
    from tasks.discovery import period_issues

    discovered = period_issues(scored, None, "2026-11-17", DiscoverySettings(), cfg.taxonomy, ["Halcyon"], 1, True)
    board = build_board(cfg.brand("halcyon"), date(2026, 11, 17), scored, [], 14, cfg.taxonomy, settings, cfg.settings.board, discovered)
    for rendered in (render_html(model), render_markdown(model), render_board(board)):
        assert "reddit.com/r/HalcyonMobile/comments/ok/" in rendered, "the good link is still there"
        lowered = rendered.lower().replace("\t", "").replace("\x01", "")
        for bad in ("javascript:", "vbscript:", "data:text/html", "//evil.example", "file:///", "https:alert"):
            assert bad not in lowered, f"{bad} rendered"
