"""What each source really sends, read as the platform shows it: recorded payloads served
on 127.0.0.1 through the connector, then cleaning."""

from tasks.clean import clean_mentions
from tasks.sources import clean_url, hackernews, mastodon
from tests.sources.test_hackernews import PAGE, _source as hn_source
from tests.sources.test_mastodon import END, START, TAG, TAG_QS, last_page, source as masto_source, status


def test_mastodon_language_is_the_posters_default_and_the_text_decides(httpserver, cfg):
    # Both accounts default to Japanese; the first toot is written in English.
    english = status("2026-11-18T10:00:00", 1, language="ja", content="<p>The Halcyon app keeps crashing when I open my bill, third time this week and support never answers.</p>")
    japanese = status("2026-11-18T09:00:00", 2, language="ja", content="<p>Halcyonの電波が今日もずっと悪い。駅でも家でもつながらない。サポートに電話しても誰も出ない。</p>")
    last_page(httpserver, japanese)
    httpserver.expect_request(TAG, query_string=TAG_QS).respond_with_json([english, japanese])
    got = mastodon.fetch(masto_source(httpserver), cfg.brand("halcyon"), START, END, {})
    assert got.mentions["lang_hint"].to_list() == ["ja", "ja"]
    clean = clean_mentions(got.mentions, cfg.brand("halcyon"), cfg.settings.cleaning).mentions
    langs = dict(zip(clean["native_id"].to_list(), clean["lang"].to_list()))
    assert langs == {english["id"]: "en", japanese["id"]: "ja"}, "the Japanese text stays ja: CJK beside the brand word still matches"


def test_hn_comment_text_is_the_commenters_own(httpserver, cfg):
    httpserver.expect_request("/search_by_date").respond_with_json(PAGE)
    got = hackernews.fetch(hn_source(httpserver), cfg.brand("halcyon"), START, END, {})
    clean = clean_mentions(got.mentions, cfg.brand("halcyon"), cfg.settings.cleaning).mentions
    comment = clean.filter(clean["native_id"] == "46217069").row(0, named=True)
    assert not comment["text_for_sentiment"].startswith("Why is UK mobile coverage still so patchy?")


def test_hyphenated_bluesky_handles_and_urls_without_tracking(cfg):
    from tests.conftest import raw_frame, raw_row

    text = "Halcyon strike news from @ferc-cgt.bsky.social and @ann. https://www.reddit.com/r/uk/comments/1abc/halcyon/?ref=search_posts&utm_source=share&sort=new"
    row = clean_mentions(raw_frame(raw_row("b1", text, source="bluesky")), cfg.brand("halcyon"), cfg.settings.cleaning).mentions.row(0, named=True)
    assert row["handles"] == ["ferc-cgt.bsky.social", "ann"]
    assert row["urls"] == ["https://www.reddit.com/r/uk/comments/1abc/halcyon/?sort=new"]
    assert clean_url("https://www.reddit.com/r/uk/comments/1abc/x/?ref=search_posts") == "https://www.reddit.com/r/uk/comments/1abc/x/"
