import polars as pl

from tasks.clean import clean_mentions, readable_text
from tests.conftest import raw_frame, raw_row


def _readable(title, text):
    return pl.DataFrame({"title": [title], "text": [text]}).select(readable_text(pl.col("title"), pl.col("text"))).item()


def test_markup_and_entities_go_sentiment_cues_stay():
    text = "<p>Halcyon support is GREAT!!! &lt;3 :) 😍</p><p>But the bill&#x27;s &quot;hidden fee&quot; isn&#39;t ok &amp;amp; not fair</p>"
    got = _readable(None, text)
    # Paragraphs stay apart (one line each): sentences are split within them.
    assert got == "Halcyon support is GREAT!!! <3 :) 😍\nBut the bill's \"hidden fee\" isn't ok & not fair"


def test_title_joined_mojibake_repaired_invisible_removed():
    assert _readable("Halcyon One", "I\u200bâ€™m happy") == "Halcyon One\nI’m happy"


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


def test_sentiment_text_keeps_every_cue(cfg):
    text = "The battery is GREAT!!! :) 😍 but support is NOT"
    raw = raw_frame(raw_row("1", f"Halcyon One: {text}"))
    got = clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning).mentions["text_for_sentiment"].item()
    assert got == f"Halcyon One: {text}"


def test_repost_with_other_link_handle_and_a_word_changed_is_a_near_duplicate(cfg):
    raw = raw_frame(
        raw_row("1", "Halcyon has had no signal in Leeds since 7am, three hours and counting, absolutely useless https://t.co/a", source="bluesky", when="2026-11-18T08:00:00"),
        raw_row("2", "@leedsnews Halcyon has had no signal in Leeds since 7am, three hours and counting, absolutely useless!! https://ow.ly/b", source="mastodon", when="2026-11-18T09:00:00"),
        raw_row("3", "Halcyon has had no signal in Leeds since 7am, four hours and counting, absolutely useless", source="reddit", when="2026-11-18T10:00:00"),
        raw_row("4", "Halcyon has had great signal in Leeds all week, no complaints", source="reddit", when="2026-11-18T11:00:00"),
    )
    out = clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning)
    assert out.mentions.sort("created_at")["native_id"].to_list() == ["1", "4"]
    first = out.mentions.filter(pl.col("native_id") == "1").row(0, named=True)
    assert first["dup_count"] == 3 and first["dup_sources"] == ["bluesky", "mastodon", "reddit"]
    assert out.dropped["reason"].str.starts_with("duplicate of ").all()


def test_known_bot_phrasings_are_dropped_with_their_reason(cfg):
    raw = raw_frame(
        raw_row("1", "This post has been upvoted from the communal account, @minnowsupport, by halcyonfan"),
        raw_row("2", "The Halcyon bot has determined this post by @ann to be original material and upvoted it!"),
    )
    out = clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning)
    assert out.mentions.is_empty()
    assert out.dropped["reason"].to_list() == ["spam or bot boilerplate"] * 2


def test_campaign_boilerplate_from_many_authors_is_dropped(cfg):
    rows = [raw_row(str(i), "Switch to Halcyon today and save big https://promo.example/x", author_handle=f"acct{i}", when=f"2026-11-18T0{i}:00:00") for i in range(5)]
    out = clean_mentions(raw_frame(*rows), cfg.brand("halcyon"), cfg.settings.cleaning)
    assert out.mentions.is_empty() and set(out.dropped["reason"]) == {"boilerplate repeated by many authors"}
    # Four authors is below the threshold: one canonical mention with four copies.
    out = clean_mentions(raw_frame(*rows[:4]), cfg.brand("halcyon"), cfg.settings.cleaning)
    assert out.mentions["dup_count"].to_list() == [4]


def test_blog_page_chrome_is_cut_out(cfg):
    raw = raw_frame(raw_row("1", "<p>My Halcyon Fiber review: fast and stable.</p><p>HALC $41.20 ▲ +1.3% Share this: Leave a Reply Your email address will not be published. Required fields are marked *</p>", source="reviews"))
    got = clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning).mentions["text_for_sentiment"].item()
    assert got == "My Halcyon Fiber review: fast and stable."


def test_pii_masking_is_a_switch(cfg):
    raw = raw_frame(raw_row("1", "Halcyon billed me twice, email me at jo.b@example.com or call 07700 900123, @ann@mastodon.social saw it"))
    brand = cfg.brand("halcyon")
    kept = clean_mentions(raw, brand, cfg.settings.cleaning).mentions["text_for_sentiment"].item()
    assert "jo.b@example.com" in kept, "off by default in storage"
    masked = clean_mentions(raw, brand, cfg.settings.cleaning.model_copy(update={"mask_pii": True})).mentions["text_for_sentiment"].item()
    assert masked == "Halcyon billed me twice, email me at [email] or call [phone], @ann@mastodon.social saw it"


def test_an_emoji_reaction_is_kept_not_dropped_as_links_only(cfg):
    raw = raw_frame(
        raw_row("1", "Halcyon 😡😡😡🔥💀", when="2026-11-18T08:00:00"),
        raw_row("2", "Halcyon ❤️", when="2026-11-19T09:00:00"),  # another day: emoji are not part of the dedup key
        raw_row("3", "https://t.co/abc #halcyon", when="2026-11-18T10:00:00"),
    )
    out = clean_mentions(raw, cfg.brand("halcyon"), cfg.settings.cleaning)
    assert sorted(out.mentions["native_id"].to_list()) == ["1", "2"]
    assert out.dropped["reason"].to_list() == ["links, handles or hashtags only"]
