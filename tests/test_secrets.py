"""One scrubber (tasks/secrets.py): a configured secret never leaves the pipeline,
whatever carries it: an API that echoes the request in an error or a 200 page, a
library's log line (urllib3's retry warning prints the query string), a quarantined
record, a report, a gate result, a Prefect artifact."""

import json
import logging
import socket
import threading
from datetime import datetime, timezone

import polars as pl
import pytest
from werkzeug import Response

from tasks import secrets
from tasks.config import load_config
from tasks.sources.bluesky import BlueskySource
from tasks.sources.mastodon import MastodonSource
from tasks.sources.stackexchange import StackExchangeSource
from tasks.errors import SourceError
from tasks.sources import bluesky, mastodon, stackexchange
from tasks.storage import Lake, read_parquet, write_text

START, END = datetime(2026, 11, 18, tzinfo=timezone.utc), datetime(2026, 11, 19, tzinfo=timezone.utc)
TOKEN = "masto-canary-token-5e1f"
HANDLE, PASSWORD = "canary-watch.bsky.social", "zyxw-vuts-rqpo-nmlk"
KEY = "se-canary-key-((42))"
WEBHOOK = "https://hooks.example.invalid/services/T000/B000/canaryWEBHOOKpath"


def _base(httpserver) -> str:
    return httpserver.url_for("").rstrip("/")


def test_a_token_echoed_in_an_api_error_is_scrubbed(httpserver, cfg, monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    httpserver.expect_request("/api/v2/search").respond_with_json({"error": f"invalid token {TOKEN} for Bearer {TOKEN}"}, status=401)
    src = MastodonSource(name="masto", kind="mastodon", base_url=_base(httpserver), hashtags=False, search=True, backoff_seconds=0.01)
    with pytest.raises(SourceError, match=r"HTTP 401 .*invalid token \[secret\]") as e:
        mastodon.fetch(src, cfg.brand("halcyon"), START, END, {})
    assert TOKEN not in str(e.value)


def test_a_200_page_echoing_the_token_is_quarantined_without_it(httpserver, cfg, monkeypatch, tmp_path):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    page = f"<html><body>Proxy error. Your request: Authorization: Bearer {TOKEN}</body></html>"
    httpserver.expect_request("/api/v2/search").respond_with_data(page, content_type="text/html")
    src = MastodonSource(name="masto", kind="mastodon", base_url=_base(httpserver), hashtags=False, search=True, backoff_seconds=0.01)
    got = mastodon.fetch(src, cfg.brand("halcyon"), START, END, {})
    assert got.rejects.height == 2 and not got.complete  # one page per search term
    lake = Lake(tmp_path / "lake")
    lake.merge_window("quarantine/stage=listen", "halcyon", "masto", START, END, got.rejects, kind="quarantine")
    stored = b"".join(p.read_bytes() for p in (tmp_path / "lake").rglob("*.parquet"))
    assert stored and TOKEN.encode() not in stored
    assert all("Bearer [secret]" in r for r in read_parquet(next((tmp_path / "lake").rglob("*.parquet")))["record"])


def test_bluesky_handle_and_password_echoed_at_login_are_scrubbed(httpserver, cfg, monkeypatch):
    monkeypatch.setenv("BLUESKY_HANDLE", HANDLE)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", PASSWORD)
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_json(
        {"error": "AuthenticationRequired", "message": f"Invalid identifier or password: {HANDLE} / {PASSWORD}"}, status=401
    )
    src = BlueskySource(name="bsky", kind="bluesky", base_url=f"{_base(httpserver)}/xrpc", backoff_seconds=0.01)
    with pytest.raises(SourceError) as e:
        bluesky.fetch(src, cfg.brand("halcyon"), START, END, {})
    assert "HTTP 401" in str(e.value) and HANDLE not in str(e.value) and PASSWORD not in str(e.value)


class _DropFirst:
    """A server on 127.0.0.1 that closes the first connection without answering
    (urllib3: RemoteDisconnected, then a retry warning with the URL), then answers."""

    def __init__(self, body: dict):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.body = json.dumps(body).encode()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        for n in range(2):
            conn, _ = self.sock.accept()
            conn.recv(65536)
            if n:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(self.body), self.body))
            conn.close()


def test_urllib3_retry_warning_never_prints_the_stack_exchange_key(cfg, monkeypatch, caplog):
    monkeypatch.setenv("STACKEXCHANGE_KEY", KEY)
    server = _DropFirst({"items": [], "has_more": False, "quota_max": 10000, "quota_remaining": 9999})
    src = StackExchangeSource(name="se", kind="stackexchange", base_url=f"http://127.0.0.1:{server.port}", sites=["android"], backoff_seconds=0.01, queries={"halcyon": "halcyon"})
    with caplog.at_level(logging.WARNING):
        got = stackexchange.fetch(src, cfg.brand("halcyon"), START, END, {})
    assert got.stats.retries == 1
    warnings = [r for r in caplog.records if "Retrying" in r.getMessage()]
    assert warnings, "urllib3 warned about the retry"
    assert "key=" in warnings[0].getMessage() and "[secret]" in warnings[0].getMessage()
    assert "canary" not in caplog.text


def test_every_configured_secret_is_registered_when_config_loads(config_copy, monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("PULSE_WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_canaryTOKEN0123456789")
    load_config(config_copy)
    logging.getLogger("anything.at.all").warning("posting to %s failed", WEBHOOK)
    logging.getLogger("x").error("path only: /services/T000/B000/canaryWEBHOOKpath, token ghp_canaryTOKEN0123456789")
    try:
        raise RuntimeError(f"boom with {WEBHOOK}")
    except RuntimeError:
        logging.getLogger("y").exception("failed")
    assert "canary" not in caplog.text and caplog.text.count("[secret]") >= 4
    write_text(f"report mentioning {WEBHOOK}\n", tmp_path / "r.md")
    assert "canary" not in (tmp_path / "r.md").read_text()


def test_scrub_frame_scrubs_every_string_column_and_leaves_other_frames_alone():
    df = pl.DataFrame({"a": ["x", "token=secret-value-1"], "n": [1, 2]})
    assert secrets.scrub_frame(df) is df  # no secret registered: untouched
    secrets.register("secret-value-1")
    assert secrets.scrub_frame(df)["a"].to_list() == ["x", "token=[secret]"]
    clean = pl.DataFrame({"a": ["x"]})
    assert secrets.scrub_frame(clean) is clean
    secrets.register("abc")  # too short to be a credential: would mask ordinary words
    assert secrets.scrub("abcdef") == "abcdef"
