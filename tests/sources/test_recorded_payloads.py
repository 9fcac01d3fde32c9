"""Real API responses, recorded by public client libraries' test suites
(sample_data/payloads/README.md says where each came from), replayed into the real
connectors: what each connector makes of them."""

from datetime import datetime, timezone

from tasks import schema
from tasks.config import REPO_ROOT, Brand
from tasks.sources import bluesky, github, reddit, stackexchange

UTC = timezone.utc
PAYLOADS = REPO_ROOT / "sample_data" / "payloads"


def rows(f) -> dict[str, dict]:
    return {r["native_id"]: r for r in f.mentions.iter_rows(named=True)}


def test_reddit_search_recorded_by_praw():
    brand = Brand(id="praw", name="PRAW", terms=["praw"])
    # PRAW searched r/all for "praw oauth search"; the connector asks the same query there.
    source = reddit.RedditSource(
        name="reddit", kind="reddit", base_url="https://oauth.reddit.invalid/r/all", token_url="https://www.reddit.invalid/api/v1/access_token",
        queries={"praw": "praw oauth search"}, replay=PAYLOADS / "reddit",
    )
    f = reddit.fetch(source, brand, datetime(2013, 1, 1, tzinfo=UTC), datetime(2017, 1, 1, tzinfo=UTC), {})

    got = rows(f)
    assert list(got) == ["3gpbiu", "3x4kt2", "3b4erh", "1qvzkd", "3qc02b", "4at068"]  # the listing's order, relevance
    post = got["3gpbiu"]
    assert post["mention_id"] == schema.mention_id("reddit", "3gpbiu")
    assert post["title"] == "[PRAW][OAuth2Util] Problem using get_banned() : raise Forbidden(_raw=response)"
    assert post["text"].startswith("# solved\n\nProblem solved with this: /r/redditdev/comments/3gpbiu/")
    assert post["author_handle"] == "dClauzel"
    assert post["created_at"] == datetime(2015, 8, 12, 9, 8, 34, tzinfo=UTC)  # created_utc 1439370514.0
    assert post["url"] == "https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/"
    assert got["4at068"]["engagement"] == 15
    # Search permalinks carry ?ref=search_posts: the link is kept as Reddit shows it.
    assert got["1qvzkd"]["url"] == "https://www.reddit.com/r/redditdev/comments/1qvzkd/praw_opening_a_user_page/"
    assert got["4at068"]["title"] == "たびたび話題になるサイドバーの閲覧中ユーザ数について（また）調べた"
    # The token POST and one page: the listing's `after` is null, so paging stops.
    assert (f.stats.pages, f.complete, f.seen, f.rejects.height) == (2, True, 6, 0)


def test_bluesky_search_recorded_by_bskyr():
    brand = Brand(id="vote", name="Vote", terms=["redistricting"])
    source = bluesky.BlueskySource(name="bluesky", kind="bluesky", base_url="https://bsky.invalid/xrpc", replay=PAYLOADS / "bluesky")
    f = bluesky.fetch(source, brand, datetime(2023, 12, 13, 23, 50, tzinfo=UTC), datetime(2023, 12, 15, tzinfo=UTC), {})

    got = rows(f)
    first = "at://did:plc:xrs7uicyfcp5qbnhnqy7kucb/app.bsky.feed.post/3kghpycppiw2n"
    # 3kghn5wldoc2i was posted at 23:46:48, before the window: counted nowhere.
    assert list(got) == [first, "at://did:plc:tb6kdi6xp44xmafqow5wqqd7/app.bsky.feed.post/3kgho46gd7q2h",
                         "at://did:plc:qvcro2x63rhyll7npfzbulex/app.bsky.feed.post/3kghnlgjhwg2e"]
    post = got[first]
    assert post["text"].startswith("I was upset last year when redistricting meant he was no longer my representative.")
    assert post["author_handle"] == "planetcarnival.bsky.social"
    assert post["url"] == "https://bsky.app/profile/planetcarnival.bsky.social/post/3kghpycppiw2n"
    assert post["created_at"] == datetime(2023, 12, 14, 0, 37, 20, 615000, tzinfo=UTC)
    assert (post["engagement"], post["lang_hint"]) == (1, "en")
    # The session, page one, then the page at the recorded cursor "25" (empty): the walk ends.
    assert (f.stats.pages, f.complete, f.seen) == (3, True, 3)


def test_github_issue_search_recorded_by_pygithub():
    brand = Brand(id="ppsspp", name="compile", terms=["compile"])
    source = github.GitHubSource(name="github", kind="github", base_url="https://api.github.invalid", replay=PAYLOADS / "github")
    # The recorded query had 29,512 results: within one second the window cannot be halved
    # further, so the connector reads the page it has and says so.
    lo = datetime(2013, 3, 15, 15, 46, 16, tzinfo=UTC)
    f = github.fetch(source, brand, lo, datetime(2013, 3, 15, 15, 46, 17, tzinfo=UTC), {})

    (post,) = f.mentions.iter_rows(named=True)
    assert post["native_id"] == "12068673"
    assert post["title"] == "Make sceMpeg and sceAtrac basiclly workable for PC "  # as the author typed it
    assert post["text"].startswith("I use ffmpeg for video decoding and dshow for at3+ audio.")
    assert post["author_handle"] == "oioitff"
    assert post["url"] == "https://github.com/hrydgard/ppsspp/pull/997"
    assert post["created_at"] == lo
    assert post["engagement"] == 1017  # comments; this 2014 payload has no reactions
    assert f.stats.errors == ["'compile in:title,body created:2013-03-15T15:46:16Z..2013-03-15T15:46:16Z': 29512 results within one second; only the first 1000 were fetched"]
    # 30 items on a page of 100 asked for: the last page.
    assert (f.stats.pages, f.complete) == (1, True)


def test_stackexchange_search_recorded_by_gaea():
    brand = Brand(id="rails", name="Rails", terms=["rails"])
    # gaea searched Stack Overflow for "something missing" (page 1 of more: has_more true).
    source = stackexchange.StackExchangeSource(
        name="stackexchange", kind="stackexchange", base_url="https://api.stackexchange.invalid/2.2", sites=["stackoverflow"],
        queries={"rails": "something missing"}, max_pages=1, replay=PAYLOADS / "stackexchange",
    )
    # The recorded page is sorted by activity: its questions were asked from 2009 to 2016.
    f = stackexchange.fetch(source, brand, datetime(2013, 1, 1, tzinfo=UTC), datetime(2016, 1, 1, tzinfo=UTC), {})

    got = rows(f)
    # Inside the window, in the page's order; 2009, 2012 and 2016 questions are counted nowhere.
    assert list(got) == ["stackoverflow:16258911", "stackoverflow:31622385", "stackoverflow:32294434"]
    post = got["stackoverflow:31622385"]
    assert post["mention_id"] == schema.mention_id("stackexchange", "stackoverflow:31622385")
    # The API sends titles HTML-escaped; the connector keeps them as sent, cleaning unescapes.
    assert post["title"] == "Upgrading to RSpec 3 and following deprecation notice results in &quot;undefined method &#39;allow&#39;&quot;"
    assert post["text"] == ""  # the default filter sends no body (the connector asks for withbody)
    assert post["author_handle"] == "Grant Birchmeier"
    assert post["author_reach"] == 7134
    assert post["engagement"] == 2
    assert post["created_at"] == datetime(2015, 7, 25, 2, 50, 13, tzinfo=UTC)  # creation_date 1437792613
    assert post["url"] == "http://stackoverflow.com/questions/31622385/upgrading-to-rspec-3-and-following-deprecation-notice-results-in-undefined-meth"
    # has_more after the one page allowed: the window is marked incomplete and says why.
    assert (f.stats.pages, f.complete, f.seen) == (1, False, 3)
    assert f.stats.errors == ["stackoverflow 'something missing': more pages after max_pages=1; stopped paging"]
