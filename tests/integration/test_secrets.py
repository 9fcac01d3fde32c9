"""Secrets come from the environment and go nowhere else: not into logs, artifacts,
partitions or reports. A recognisable secret is planted and a whole run is searched."""

import asyncio
import json
from datetime import date, datetime, timezone

import pytest
import yaml

pytestmark = pytest.mark.integration

CLIENT_ID = "pulse-canary-client-0b8e41"
CLIENT_SECRET = "pulse-canary-secret-7f3a9c"
TOKEN = "pulse-canary-token-51d2aa"


MASTODON_TOKEN = "masto-canary-7c1e9d"
WEBHOOK_PATH = "/services/T0/B0/canary-webhook-4a2f"


def test_secrets_echoed_by_apis_reach_no_state_log_artifact_or_file(prefect_server, config_copy, monkeypatch, httpserver):
    """(Before the test below, whose capfd would leave Prefect's console handler
    writing to a closed file.) Mastodon echoes its token in a 401, the webhook echoes its path in a 404: the
    listen and summary runs fail, and their state messages, logs, artifacts, gate files
    and reports hold neither."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, FlowRunFilter, TaskRunFilter
    from prefect.client.schemas.sorting import ArtifactSort

    from flows.listen import listen_flow
    from flows.weekly_summary import weekly_summary_flow
    from tasks.errors import PulseError
    from tasks.storage import Lake

    monkeypatch.setenv("MASTODON_TOKEN", MASTODON_TOKEN)
    monkeypatch.setenv("PULSE_WEBHOOK_URL", httpserver.url_for(WEBHOOK_PATH))
    httpserver.expect_request("/api/v2/search").respond_with_json({"error": f"The access token {MASTODON_TOKEN} is invalid"}, status=401)
    httpserver.expect_request(WEBHOOK_PATH).respond_with_data(f"no such hook: {WEBHOOK_PATH}", status=404)
    sources = {"sources": [{"name": "masto-live", "kind": "mastodon", "base_url": httpserver.url_for("").rstrip("/"), "hashtags": False, "search": True, "backoff_seconds": 0.01}]}
    (config_copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    settings = yaml.safe_load((config_copy / "settings.yaml").read_text())
    settings["retries"]["window"]["retries"] = 0
    (config_copy / "settings.yaml").write_text(yaml.safe_dump(settings))
    monkeypatch.setenv("PULSE_CONFIG", str(config_copy))

    with pytest.raises(PulseError) as listened:
        listen_flow(start=datetime(2026, 11, 18, tzinfo=timezone.utc), end=datetime(2026, 11, 19, tzinfo=timezone.utc), brands=["halcyon"])
    assert "HTTP 401" in str(listened.value) and "The access token [secret] is invalid" in str(listened.value)
    with pytest.raises(PulseError) as delivered:
        weekly_summary_flow(brand="halcyon", week="2026-W47")
    assert "webhook answered 404" in str(delivered.value)

    canaries = (MASTODON_TOKEN, WEBHOOK_PATH, "canary-webhook")
    written = [p for p in Lake().root.rglob("*") if p.is_file()]
    assert any(p.name == "summary.html" for p in written) and any("suite=source" in str(p) for p in written)
    for path in written:
        assert not any(c.encode() in path.read_bytes() for c in canaries), f"secret written to {path}"

    async def from_prefect():
        async with get_client() as client:
            logs = [log.message for log in await client.read_logs(limit=200)]
            runs = await client.read_flow_runs(limit=50)
            states = [f"{r.state.message}" for r in runs if r.state]
            artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(), flow_run_filter=FlowRunFilter(), task_run_filter=TaskRunFilter(),
                                                    sort=ArtifactSort.CREATED_DESC, limit=200)
            return logs, states, [json.dumps(a.data, default=str) + (a.description or "") for a in artifacts]

    logs, states, artifacts = asyncio.run(from_prefect())
    assert any("[secret]" in s for s in states), "the failed run's state message is there, scrubbed"
    for text in [*logs, *states, *artifacts]:
        assert not any(c in text for c in canaries), f"secret leaked: {text[:300]}"


def _post(i: int, when: datetime) -> dict:
    return {
        "kind": "t3",
        "data": {
            "id": f"p{i}", "name": f"t3_p{i}", "created_utc": when.timestamp(), "author": f"user{i}",
            "title": f"Halcyon network down again {i}", "selftext": "No signal since this morning, Halcyon support is useless",
            "permalink": f"/r/HalcyonMobile/comments/p{i}/x/", "url": "https://example.invalid", "score": 3, "num_comments": 1,
            "subreddit": "HalcyonMobile",
        },
    }


def test_a_planted_secret_appears_nowhere(prefect_server, config_copy, monkeypatch, httpserver, capfd, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, FlowRunFilter, TaskRunFilter
    from prefect.client.schemas.sorting import ArtifactSort
    from werkzeug import Response

    from flows.listen import listen_flow
    from flows.process import process_flow
    from flows.weekly_summary import weekly_summary_flow

    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    seen_auth = []

    def token(request):
        seen_auth.append(request.authorization.password if request.authorization else None)
        return Response(json.dumps({"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600}), content_type="application/json")

    def search(request):
        seen_auth.append(request.headers.get("Authorization"))
        posts = [_post(i, datetime(2026, 11, 18, 9 + i, tzinfo=timezone.utc)) for i in range(3)]
        return Response(json.dumps({"kind": "Listing", "data": {"after": None, "children": posts}}), content_type="application/json")

    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/search").respond_with_handler(search)
    base = httpserver.url_for("").rstrip("/")
    sources = {"sources": [{"name": "reddit-live", "kind": "reddit", "base_url": base, "token_url": f"{base}/api/v1/access_token", "backoff_seconds": 0.01}]}
    (config_copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    monkeypatch.setenv("PULSE_CONFIG", str(config_copy))

    listen_flow(start=datetime(2026, 11, 18, tzinfo=timezone.utc), end=datetime(2026, 11, 19, tzinfo=timezone.utc), brands=["halcyon"])
    process_flow(start=date(2026, 11, 18), end=date(2026, 11, 18), brands=["halcyon"])
    weekly_summary_flow(brand="halcyon", week="2026-W47")
    assert CLIENT_SECRET in seen_auth and f"bearer {TOKEN}".lower() in [str(a).lower() for a in seen_auth], "the secret did reach the API"

    canaries = (CLIENT_ID, CLIENT_SECRET, TOKEN)
    from tasks.storage import Lake

    written = [p for p in Lake().root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in written) and any(p.name == "summary.html" for p in written)
    for path in written:
        body = path.read_bytes()
        assert not any(c.encode() in body for c in canaries), f"secret written to {path}"

    async def from_prefect():
        logs, artifacts = [], []
        async with get_client() as client:
            while page := await client.read_logs(limit=200, offset=len(logs)):
                logs += page
            while page := await client.read_artifacts(
                artifact_filter=ArtifactFilter(), flow_run_filter=FlowRunFilter(), task_run_filter=TaskRunFilter(),
                sort=ArtifactSort.CREATED_DESC, limit=200, offset=len(artifacts),
            ):
                artifacts += page
        return [log.message for log in logs], [json.dumps(a.data, default=str) + (a.description or "") for a in artifacts]

    logs, artifacts = asyncio.run(from_prefect())
    out, err = capfd.readouterr()
    for text in [*logs, *artifacts, out, err]:
        assert not any(c in text for c in canaries), f"secret leaked: {text[:200]}"
    assert logs and artifacts, "there was something to search"

