"""Webhook delivery against a local HTTP server on 127.0.0.1."""

import json

import pytest
from werkzeug import Response

from tasks.config import RetryPolicy
from tasks.deliver import DeliveryError, deliver, messages

MODEL = {
    "brand_name": "Halcyon <Mobile>",
    "week": "2026-W47",
    "volume": 1200,
    "net_sentiment": -12.5,
    "attention": ["Outage / network: 373 negative mentions (growing), owned by Product & operations, SLA 4 h"],
    "spikes": [{"date": "2026-11-18", "mentions": 475, "usual_mentions": 130.0}],
    "teams": [
        {"name": "HR", "issues": [], "praise": [{"posts": [{"text": "Thanks Priya <3"}]}]},
        {"name": "IT", "issues": [], "praise": []},
    ],
}


def test_digest_and_per_team_messages_escape_slack_control_characters():
    (digest,) = messages(MODEL, "digest")
    assert digest["text"].startswith("*Halcyon &lt;Mobile&gt;, week 2026-W47*: 1200 mentions")
    assert "Product &amp; operations" in digest["text"] and "Spike on 2026-11-18" in digest["text"]
    per_team = messages(MODEL, "per_team")
    assert len(per_team) == 1 and "*For HR*" in per_team[0]["text"] and "Thanks Priya &lt;3" in per_team[0]["text"]


def test_two_runs_deliver_once_and_resend_posts_again(httpserver, tmp_path):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    url, receipt = httpserver.url_for("/hook"), tmp_path / "receipt.json"
    payloads = messages(MODEL, "digest")
    assert deliver(payloads, url, receipt, retry=RetryPolicy(backoff_seconds=0)) == "delivered 1 message(s)"
    assert deliver(payloads, url, receipt, retry=RetryPolicy(backoff_seconds=0)).startswith("already delivered")
    assert len(httpserver.log) == 1
    assert json.loads(httpserver.log[0][0].get_data()) == payloads[0]
    assert deliver(payloads, url, receipt, resend=True, retry=RetryPolicy(backoff_seconds=0)) == "delivered 1 message(s)"
    assert len(httpserver.log) == 2


def test_a_500_is_retried(httpserver, tmp_path):
    calls = []

    def flaky(request):
        calls.append(1)
        return Response("busy", status=500) if len(calls) == 1 else Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(flaky)
    assert deliver(messages(MODEL, "digest"), httpserver.url_for("/hook"), tmp_path / "r.json", retry=RetryPolicy(backoff_seconds=0.01)) == "delivered 1 message(s)"
    assert len(calls) == 2


def test_a_refusal_fails_clearly_and_records_nothing(httpserver, tmp_path):
    httpserver.expect_request("/hook", method="POST").respond_with_data("invalid_token", status=403)
    with pytest.raises(DeliveryError, match="webhook answered 403: invalid_token"):
        deliver(messages(MODEL, "digest"), httpserver.url_for("/hook"), tmp_path / "r.json", retry=RetryPolicy(backoff_seconds=0))
    assert not (tmp_path / "r.json").exists()
