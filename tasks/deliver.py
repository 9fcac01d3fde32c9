"""Webhook delivery of the weekly summary as Slack-compatible JSON messages.

The webhook URL is a secret: it is read from the environment variable named in config,
never from a file in the repository. Delivery is idempotent: the SHA-256 of what was
sent is kept under state/, and the same content is not posted twice unless asked.
Transient HTTP failures (429, 5xx, connection errors) are retried with exponential
backoff by urllib3, honouring Retry-After (tasks/retry.py, settings.yaml `retries.delivery`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from tasks.config import RetryPolicy
from tasks.errors import PulseError
from tasks.retry import http_retry
from tasks.storage import write_text


class DeliveryError(PulseError):
    """The webhook refused the message or stayed unreachable after retries."""


def _slack(text: object) -> str:
    # Slack's mrkdwn treats these three as control characters.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _issue_lines(issues: list[dict]) -> list[str]:
    return [
        f"• *{_slack(i['label'])}*: {i['mentions']} mentions from {i['authors']} people ({i['status']})"
        + (f", SLA {i['sla_hours']} h" if i.get("sla_hours") else "") + (f". {_slack(i['playbook'])}" if i.get("playbook") else "")
        for i in issues
    ]


def messages(model: dict, mode: str) -> list[dict]:
    """`digest`: one message for the brand; `per_team`: one per team with something to act on."""
    head = (
        f"*{_slack(model['brand_name'])}, week {model['week']}*: {model['volume']} mentions, "
        f"net sentiment {model['net_sentiment'] if model['net_sentiment'] is not None else 'n/a'}"
    )
    if mode == "digest":
        lines = [head, "Needs attention:"] + [f"• {_slack(a)}" for a in model["attention"]]
        lines += [f"Spike on {s['date']}: {s['mentions']} mentions (usually {s['usual_mentions']})" for s in model["spikes"]]
        return [{"text": "\n".join(lines)}]
    out = []
    for team in model["teams"]:
        if not team["issues"] and not team["praise"]:
            continue
        lines = [f"{head}\n*For {_slack(team['name'])}*"] + _issue_lines(team["issues"])
        lines += [f"• Praise: “{_slack(p['posts'][0]['text'])}”" for p in team["praise"] if p["posts"]]
        out.append({"text": "\n".join(lines)})
    return out


def _session(policy: RetryPolicy) -> requests.Session:
    retry = http_retry(policy, {"POST"})
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def deliver(payloads: list[dict], url: str, receipt: Path, resend: bool = False, retry: RetryPolicy | None = None, timeout: float = 10.0) -> str:
    """Post `payloads` unless this exact content was delivered before, retrying as
    `retry` (settings.yaml `retries.delivery`) says. Returns what happened."""
    retry = retry or RetryPolicy()
    digest = hashlib.sha256(json.dumps(payloads, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    if not resend and receipt.is_file() and json.loads(receipt.read_text()).get("sha256") == digest:
        return "already delivered (use --resend to post again)"
    with _session(retry) as session:
        for payload in payloads:
            try:
                response = session.post(url, json=payload, timeout=timeout)
            except requests.RequestException as e:
                raise DeliveryError(f"webhook unreachable after {retry.retries} retries: {type(e).__name__}") from None
            if response.status_code >= 400:
                raise DeliveryError(f"webhook answered {response.status_code}: {response.text[:200]}")
    write_text(json.dumps({"sha256": digest, "messages": len(payloads)}) + "\n", receipt)
    return f"delivered {len(payloads)} message(s)"
