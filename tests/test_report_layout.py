"""The weekly HTML report read on a phone: measured in headless Chromium at 400 px."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from tasks.stance import stance
from tasks.reports.render import render_html, render_markdown, render_quality_html
from tasks.reports.weekly import build_summary
from tests.browser import chromium
from tests.test_summary import _scored

MONDAY = date(2026, 11, 16)
CATEGORIES = {
    "outage_network": ("product_ops", "Halcyon network down again, no signal since this morning in Leeds"),
    "billing_pricing": ("sales", "Halcyon charged me twice this month and the bill is wrong"),
    "warranty_repairs": ("after_sales", "My Halcyon repair under warranty took six weeks, still broken"),
    "delivery_shipping": ("product_ops", "Halcyon delivery late again, the parcel never arrived"),
    "customer_service": ("customer_care", "Halcyon support kept me on hold for an hour, terrible service"),
    "app_website": ("it", "The Halcyon app crashes at login every time"),
}
LONG_URL = "https://forum.example/threads/" + "halcyon-outage-" * 12 + "1234567890"
LONG_HANDLE = "someone.with.a.rather.long.handle@mastodon.example.social"


def _week(cfg, models, empty: bool = False):
    rows, previous = [], []
    for d in range(7):
        day = MONDAY + timedelta(days=d)
        for n, (key, (team, text)) in enumerate(CATEGORIES.items()):
            for k in range(1 + (d + n) % 4):
                rows.append({
                    "day": day, "text_for_sentiment": f"{text} {LONG_URL if k == 0 else ''}", "sentiment": -0.7, "sentiment_label": "negative",
                    "categories": [key, "customer_service"] if n % 2 else [key], "teams": [team, "customer_care"] if n % 2 else [team],
                    "author_handle": LONG_HANDLE if k == 0 else f"user{d}{n}{k}@mastodon.social", "author_reach": 100 * k, "url": LONG_URL,
                })
        rows.append({"day": day, "text_for_sentiment": "Thanks Priya from Halcyon support, brilliant help!", "sentiment": 0.8, "sentiment_label": "positive",
                     "categories": ["employee_praise", "customer_service"], "teams": ["customer_care", "hr"], "author_handle": "cy"})
        previous.append({"day": day - timedelta(days=7), "text_for_sentiment": "Halcyon network down", "sentiment": -0.5, "sentiment_label": "negative",
                         "categories": ["outage_network"], "teams": ["product_ops"], "author_handle": "ann"})
    this_week, last_week = (stance(_scored(r), cfg.settings.stance, models.stance) for r in (rows, previous))
    if empty:
        this_week, last_week = this_week.clear(), last_week.clear()
    quarantine = pl.DataFrame({"stage": ["clean"], "disposition": ["dropped"], "reason": ["duplicate of aaa"]})
    gates = [] if empty else [{
        "suite": "clean", "where": "halcyon 2026-11-16..2026-11-22", "start": "2026-11-16T00:00:00+00:00", "end": "2026-11-23T00:00:00+00:00",
        "checks": [{"expectation": "expect_column_values_to_not_match_regex", "column": "text_for_sentiment", "observed": "3 rows (0.41 %) unexpected " + LONG_URL,
                    "success": False, "severity": "warning", "rows flagged": 3}],
    }]
    return build_summary(cfg.brand("halcyon"), "2026-W47", this_week, last_week, {"brightwave": 57, "lumen": 12}, quarantine, cfg.taxonomy,
                         cfg.settings.summary, gates, brand_names={"halcyon": "Halcyon Mobile", "brightwave": "Brightwave", "lumen": "Lumen"})


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _measure(browser, html: str, width: int) -> dict:
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.set_content(html)
        return page.evaluate("""() => {
            const scale = t => t.ownerSVGElement.getScreenCTM().a;
            const sizes = [...document.querySelectorAll('svg text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale(t));
            return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
                    smallestChartText: sizes.length ? Math.min(...sizes) : null, charts: document.querySelectorAll('svg').length};
        }""")
    finally:
        page.close()


@pytest.mark.parametrize("empty", [False, True], ids=["busy week", "empty week"])
def test_the_report_fits_a_phone_without_sideways_scrolling(cfg, models, browser, empty):
    html = render_html(_week(cfg, models, empty))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    for width in (400, 1280):
        m = _measure(browser, html, width)
        assert m["scrollWidth"] <= m["innerWidth"], f"at {width} px the page is {m['scrollWidth']} px wide"
    phone = _measure(browser, html, 400)
    if not empty:
        assert phone["charts"] == 3
        assert phone["smallestChartText"] >= 10, f"chart text shrinks to {phone['smallestChartText']:.1f} px on a phone"


def test_the_quality_page_fits_a_phone(cfg, browser):
    gates = [{"suite": "raw", "where": "reddit/halcyon 2026-11-16 00:00..2026-11-17 00:00", "start": "2026-11-16T00:00:00+00:00", "end": "2026-11-17T00:00:00+00:00",
              "checks": [{"expectation": "expect_column_values_to_match_regex", "column": "url", "observed": "1 rows unexpected " + LONG_URL,
                          "success": False, "severity": "critical", "rows flagged": 1}]}]
    m = _measure(browser, render_quality_html("Halcyon", "2026-W47", gates), 400)
    assert m["scrollWidth"] <= m["innerWidth"]


def test_the_report_reads_right(cfg, models):
    model = _week(cfg, models)
    html, md = render_html(model), render_markdown(model)
    # Counts are whole numbers wherever they are shown.
    assert all(isinstance(i[k], int) for i in model["top_issues"] for k in ("mentions", "authors", "reach", "previous_mentions"))
    assert isinstance(model["previous_volume"], int) and ".0 mentions" not in html
    # Brand names, not ids, in share of voice.
    assert "share of voice: Brightwave" in html and "share of voice: brightwave" not in html
    assert "Halcyon Mobile" in md and "Brightwave" in md
    # Handles are code in Markdown (no mailto autolink) and phones are told not to detect them.
    assert f"`{LONG_HANDLE}`" in md and f" {LONG_HANDLE} " not in md
    assert 'content="telephone=no, email=no, address=no"' in html
    # Hand-offs name only the teams that share complaints, with how many.
    care = next(t for t in model["teams"] if t["team"] == "customer_care")
    assert care["handoffs"] and all(h["mentions"] > 0 for h in care["handoffs"])
    assert "HR" not in {h["team"] for h in care["handoffs"]}, "a shared compliment needs no hand-off"
    assert "Shared with" not in html and "Hand-offs" in html
    # The quality page is linked from the report.
    assert 'href="quality.html"' in html


def test_an_empty_week_says_so(cfg, models):
    model = _week(cfg, models, empty=True)
    html, md = render_html(model), render_markdown(model)
    for text in (html, md):
        assert "No mentions of Halcyon Mobile are in the lake for this week." in text
        assert "None %" not in text and "every validation check passed" not in text.lower()
        assert "No validation checks ran on this week's data." in text


def test_markdown_breaks_are_paragraphs(cfg, models):
    """A single newline is no line break in Markdown: lines meant to stand apart are
    separated by a blank line (the Prefect UI's renderers join them otherwise)."""
    md = render_markdown(_week(cfg, models))
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("Playbook:", "Hand-offs", "In their words:", "Digest, in their words:")):
            assert lines[i - 1] == "", f"{line[:40]!r} runs on from the line before"


def test_the_rising_phrases_table_fits_a_phone_without_its_own_scrolling(cfg, models, browser):
    model = _week(cfg, models, False)
    model["emerging"] = model["emerging"] or [{"phrase": "esim activation failed", "mentions": 168, "baseline": 13, "lift": 113.0}]
    page = browser.new_page(viewport={"width": 400, "height": 800})
    try:
        page.set_content(render_html(model))
        box = page.evaluate("""() => {
            const h = [...document.querySelectorAll('h2')].find(e => e.textContent.startsWith('New this week'));
            const t = h.nextElementSibling;
            return {scroll: t.scrollWidth, client: t.clientWidth};
        }""")
    finally:
        page.close()
    assert box["scroll"] <= box["client"], f"the lift column is hidden: {box}"
