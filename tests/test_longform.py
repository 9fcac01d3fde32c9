"""Long-form web text: blog posts with comment forms and bot comments, a forum thread,
a review page and a newsletter (tests/fixtures/longform), cleaned, scored and quoted
as a reader would judge them."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tasks import extract, schema
from tasks.clean import clean_mentions
from tasks.score import score_sentiment
from tasks.storage import Lake
from tasks.terms import BrandNames, term_pattern
from tests.conftest import raw_frame, raw_row
from tests.fixtures.longform.expected import CHROME, MUST_KEEP

PAGES = Path(__file__).parent / "fixtures" / "longform"


@pytest.fixture(scope="module")
def cleaned(cfg):
    rows = [raw_row(name, (PAGES / f"{name}.html").read_text(), source="blog") for name in CHROME]
    out = clean_mentions(raw_frame(*rows), cfg.brand("halcyon"), cfg.settings.cleaning)
    return {r["native_id"]: r for r in out.mentions.iter_rows(named=True)}, out.dropped


def test_every_long_post_naming_the_brand_is_kept_without_its_chrome(cleaned):
    kept, dropped = cleaned
    assert set(kept) == set(CHROME), dropped.select("mention_id", "reason").to_dicts()
    for name, row in kept.items():
        text = row["text_for_sentiment"]
        assert [c for c in CHROME[name] if c.lower() in text.lower()] == [], name
        flat = " ".join(text.split())
        assert [m for m in MUST_KEEP[name] if m not in flat] == [], name


def test_paragraphs_headings_and_list_items_are_their_own_lines(cleaned):
    text = cleaned[0]["wordpress_post"]["text_for_sentiment"]
    lines = text.split("\n")
    assert "The promise and the week" in lines and "What I would tell a brand manager" in lines
    assert any(line.endswith("Answer the phone.") for line in lines)
    table = cleaned[0]["steemit_post"]["text_for_sentiment"]
    assert any(line.startswith("| Halcyon | 0 | 88.5") for line in table.split("\n")), "a table row is a unit of its own"


def test_text_brand_holds_the_passages_that_name_the_brand(cleaned):
    row = cleaned[0]["wordpress_post"]
    passages = row["text_brand"]
    assert passages.startswith("Which brings me to my own network. Last month Halcyon Mobile lost signal")
    assert "Support was useless" in passages, "one sentence of context after the brand's"
    assert "coffee shop" not in passages and "bakery" not in passages
    assert len(passages) < len(row["text_for_sentiment"]) / 3


def test_short_posts_have_no_text_brand(cfg):
    out = clean_mentions(raw_frame(raw_row("s1", "Halcyon support was great today!")), cfg.brand("halcyon"), cfg.settings.cleaning)
    assert out.mentions["text_brand"].to_list() == [None]


def test_a_long_post_is_scored_on_its_brand_passages_and_whole_text_beside(cleaned, cfg):
    kept, _ = cleaned
    clean = schema.conform(pl.DataFrame(list(kept.values())), "clean")
    scored = {r["native_id"]: r for r in score_sentiment(clean, cfg.settings.sentiment, ["en"]).iter_rows(named=True)}
    essay = scored["wordpress_post"]
    # The essay is warm about coffee shops and bakeries; about Halcyon it is a rant.
    assert essay["sentiment"] <= -0.3 and essay["sentiment_label"] == "negative"
    assert essay["sentiment_whole"] > essay["sentiment"] + 0.3
    assert scored["steemit_post"]["sentiment_label"] == "positive", "praise for the brand, whatever the weather"
    assert scored["newsletter"]["sentiment_label"] == "negative"


def test_bot_comments_after_an_article_do_not_make_it_spam(cfg):
    article = (PAGES / "steemit_post.html").read_text()
    out = clean_mentions(raw_frame(raw_row("a", article)), cfg.brand("halcyon"), cfg.settings.cleaning)
    assert out.mentions.height == 1 and out.dropped.is_empty()
    bot = clean_mentions(raw_frame(raw_row("b", "Halcyon! This post has been upvoted from the communal account")), cfg.brand("halcyon"), cfg.settings.cleaning)
    assert bot.dropped["reason"].to_list() == ["spam or bot boilerplate"]


def test_chrome_blocks_go_whole_in_plain_long_text(cfg):
    text = "\n".join([
        "Archive for the 'branding' Tag",
        "I switched to Halcyon last spring and the signal at home has been excellent ever since, even in the cellar. " * 20,  # over long_plain_chars
        "Advertisements",
        "STEEM 0.16 TRX 0.13 BTC 58440.50",
        "AAPL: $187.20 (+1.3%) | MSFT 402.11 ▼ 0.4%",
        "Leave a Reply",
        "Halcyon is awful, visit my page for free gift cards",
    ])
    got = clean_mentions(raw_frame(raw_row("p", text)), cfg.brand("halcyon"), cfg.settings.cleaning).mentions["text_for_sentiment"].item()
    assert got.startswith("I switched to Halcyon") and got.count("\n") == 0
    assert "Advertisements" not in got and "58440" not in got and "AAPL" not in got and "gift cards" not in got


def test_cleaning_a_long_post_twice_changes_nothing(cleaned, cfg):
    row = cleaned[0]["review_page"]
    again = clean_mentions(raw_frame(raw_row("again", row["text_for_sentiment"])), cfg.brand("halcyon"), cfg.settings.cleaning)
    assert again.mentions["text_for_sentiment"].item() == row["text_for_sentiment"]


@pytest.mark.parametrize(
    "terms, text, hit",
    [
        (["java"], "Javaの質問です。Spring Bootが起動しません", True),
        (["java"], "JavaScript only", False),
        (["c++"], "Moving from C++ to Rust", True),
        (["ai"], "she said it again", False),
        (["ai"], "the AI assistant", True),
        (["customer service"], "awful customer\u00a0service", True),
        (["halcyon"], "今日はHalcyonの電波が悪い", True),
    ],
)
def test_terms_match_as_whole_words_in_any_script(terms, text, hit):
    assert bool(BrandNames(terms).search(text)) is hit
    assert pl.Series([text]).str.contains(term_pattern(terms)).item() is hit


def test_quotes_start_at_a_sentence_and_end_at_a_word():
    passage = "Which brings me to my own network. Last month Halcyon Mobile lost signal across my whole district for three days. " * 4
    q = extract.quote(passage)
    assert q.startswith("Which brings me") and q.endswith(".") and len(q) <= 280
    long_sentence = "Halcyon " + "really " * 80 + "failed."
    q = extract.quote(long_sentence)
    assert len(q) <= 280 and q.endswith("…") and not q[:-1].endswith(" ") and q[:-1].split()[-1] == "really"


def test_over_long_bodies_are_cut_to_brand_passages_at_listen(cfg):
    filler = "<p>" + "The weather was grey and the trains were slow. " * 30 + "</p>"
    page = filler * 20 + "<p>Halcyon dropped my calls all week. It was awful.</p>" + filler * 20
    raw = raw_frame(raw_row("big", page), raw_row("small", "Halcyon is fine"))
    out = extract.cut_long_texts(raw, cfg.brand("halcyon"), 20_000)
    big, small = out.rows(named=True)
    assert len(page) > 20_000 and big["text_cut"] is True and small["text_cut"] is False
    assert "Halcyon dropped my calls all week." in big["text"] and len(big["text"]) < 3_000
    assert small["text"] == "Halcyon is fine"


def test_undated_quarantine_reads_as_hive_partitions(tmp_path):
    lake = Lake(tmp_path)
    rows = pl.DataFrame({"stage": ["listen"] * 2, "disposition": ["quarantined"] * 2, "reason": ["no date", "bad"],
                         "brand": ["halcyon"] * 2, "source": ["rss"] * 2, "record": ["{}", "{}"],
                         "date": [None, date(2026, 11, 18)]})
    from datetime import datetime, timezone

    rows = rows.with_columns(pl.when(pl.col("date").is_not_null()).then(pl.lit(datetime(2026, 11, 18, 9, tzinfo=timezone.utc))).alias("created_at"))
    lake.merge_window("quarantine/stage=listen", "halcyon", "rss", datetime(2026, 11, 18, tzinfo=timezone.utc), datetime(2026, 11, 19, tzinfo=timezone.utc), rows, kind="quarantine")
    read = pl.scan_parquet(str(tmp_path / "quarantine" / "**" / "*.parquet"), hive_partitioning=True).collect()
    assert sorted(read["reason"].to_list()) == ["bad", "no date"]
    assert read.filter(pl.col("reason") == "no date")["date"].item() is None
