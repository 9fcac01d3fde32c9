import polars as pl

from tasks.clean import clean_mentions, readable_text
from tests.conftest import raw_frame, raw_row


def _readable(title, text):
    return pl.DataFrame({"title": [title], "text": [text]}).select(readable_text(pl.col("title"), pl.col("text"))).item()


def test_markup_and_entities_go_sentiment_cues_stay():
    text = "<p>Halcyon support is GREAT!!! &lt;3 :) 😍</p><p>But the bill&#x27;s &quot;hidden fee&quot; isn&#39;t ok &amp;amp; not fair</p>"
    got = _readable(None, text)
    assert got == "Halcyon support is GREAT!!! <3 :) 😍 But the bill's \"hidden fee\" isn't ok & not fair"


def test_title_joined_mojibake_repaired_invisible_removed():
    assert _readable("Halcyon One", "I\u200bâ€™m happy") == "Halcyon One I’m happy"


def test_cleaning_clean_text_changes_nothing():
    once = _readable(None, "Halcyon network down again!!! 😡 <3 https://x.co/a @bob #outage")
    assert _readable(None, once) == once


def test_urls_handles_hashtags_extracted(cfg):
    raw = raw_frame(raw_row("1", '<p>@Priya_Support thanks! <a href="https://h.co/x">https://h.co/x</a> #HalcyonMobile rocks, halcyon team</p>'))
    row = clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning).mentions.row(0, named=True)
    assert row["urls"] == ["https://h.co/x"]
    assert row["handles"] == ["priya_support"]
    assert row["hashtags"] == ["halcyonmobile"]
    assert "https" not in row["text_norm"] and row["text_norm"] == row["text_norm"].lower()


def test_every_row_is_kept_or_dropped_with_a_reason(cfg):
    raw = raw_frame(
        raw_row("1", "Halcyon network down again since this morning!!! 😡", when="2026-11-18T08:00:00"),
        raw_row("2", "RT @someone: Halcyon network down again since this morning!!! https://t.co/zz", source="bluesky", when="2026-11-18T09:00:00"),
        raw_row("3", "Those halcyon days of summer, when we were young", when="2026-11-18T09:00:00"),
        raw_row("4", "This post has been upvoted from the communal account, @minnowsupport, halcyon", when="2026-11-18T09:00:00"),
        raw_row("5", "https://t.co/abc #halcyon", when="2026-11-18T09:00:00"),
        raw_row("6", "", when="2026-11-18T09:00:00"),
        raw_row("7", "#halcyon #free #giveaway #win #promo #deal #phones wow", when="2026-11-18T09:00:00"),
        raw_row("8", "Switched from Brightwave to Halcyon, no regrets :)", when="2026-11-18T09:00:00"),
        raw_row("9", "Halcyon network down again since this morning!!! 😡", when="2026-11-19T08:00:00"),
    )
    out = clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning)
    assert out.mentions.height + out.dropped.height == raw.height
    reasons = dict(zip(out.dropped["mention_id"].to_list(), out.dropped["reason"].to_list()))
    ids = {n: raw.filter(pl.col("native_id") == n)["mention_id"].item() for n in "123456789"}
    assert reasons[ids["2"]] == f"duplicate of {ids['1']}"
    assert reasons[ids["3"]].startswith("brand word used off-topic")
    assert reasons[ids["4"]] == "spam or bot boilerplate"
    assert reasons[ids["5"]] == "links, handles or hashtags only"
    assert reasons[ids["6"]] == "empty text"
    assert reasons[ids["7"]] in ("hashtag-stuffed", "spam or bot boilerplate")
    kept = out.mentions.sort("created_at")
    assert kept["native_id"].to_list() == ["1", "8", "9"], "a repost on another day is kept: duplicates are day-local"
    first = kept.row(0, named=True)
    assert first["dup_count"] == 2 and first["dup_sources"] == ["bluesky", "reddit"]
    assert out.dropped["record"].null_count() == 0


def test_exclusion_does_not_hide_a_real_mention(cfg):
    raw = raw_frame(raw_row("1", "Halcyon support fixed my bill, unlike those halcyon days of waiting on hold"))
    assert clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning).mentions.height == 1


def test_language_hint_wins_and_short_text_defaults_to_brand_language(cfg):
    raw = raw_frame(
        raw_row("1", "La red de Halcyon no funciona desde esta mañana, qué desastre", lang_hint=None),
        raw_row("2", "Halcyon One arrived", lang_hint=None),
        raw_row("3", "Halcyon est en panne", lang_hint="fr"),
    )
    langs = dict(clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning).mentions.select("native_id", "lang").iter_rows())
    assert langs == {"1": "es", "2": "en", "3": "fr"}
