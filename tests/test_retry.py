"""Retry policies: one section of settings.yaml, one schedule (tasks/retry.py), used by
the connectors' HTTP client, the webhook's delivery and the flows' task retries."""

import pytest
from werkzeug import Response

from tasks.config import RetryPolicy, load_config
from tasks.deliver import DeliveryError, deliver
from tasks.errors import ConfigError
from tasks.retry import backoff_schedule, http_retry
from tests.conftest import edit_yaml


def _source(cfg, name):
    return next(s for s in cfg.sources if s.name == name)


def test_the_shipped_policies():
    settings = load_config().settings.retries
    assert (settings.http.retries, settings.http.backoff_seconds) == (4, 1.0)
    assert backoff_schedule(settings.window) == [2.0, 4.0, 8.0]
    assert backoff_schedule(settings.task) == [2.0, 4.0, 8.0]
    assert (settings.delivery.retries, settings.delivery.backoff_seconds) == (4, 1.0)


def test_the_schedule_doubles_up_to_its_cap():
    assert backoff_schedule(RetryPolicy(retries=5, backoff_seconds=1.5, max_backoff_seconds=10)) == [1.5, 3.0, 6.0, 10.0, 10.0]
    assert backoff_schedule(RetryPolicy(retries=0)) == []


def test_urllib3_retry_follows_the_policy():
    retry = http_retry(RetryPolicy(retries=6, backoff_seconds=0.5, max_backoff_seconds=30, jitter=0.2), {"POST"})
    assert (retry.total, retry.backoff_factor, retry.backoff_max, retry.backoff_jitter) == (6, 0.5, 30, 0.1)
    assert retry.allowed_methods == frozenset({"POST"}) and 429 in retry.status_forcelist and retry.respect_retry_after_header


def test_sources_take_the_http_policy_and_override_its_keys(config_copy):
    def mutate(d):
        d["retries"]["http"] = {"retries": 7, "jitter": 0.1}  # keys left out keep the defaults

    edit_yaml(config_copy, "settings.yaml", mutate)

    api = [i for i, s in enumerate(load_config(config_copy).sources) if hasattr(s, "retry")]
    one, other = api[0], api[1]

    def override(d):
        d["sources"][one]["retry"] = {"backoff_seconds": 3.0}
        d["sources"][other]["retries"] = 2  # the key sources had before `retry`

    edit_yaml(config_copy, "sources.yaml", override)
    cfg = load_config(config_copy)
    first, third = cfg.sources[one], cfg.sources[other]
    assert first.retry == RetryPolicy(retries=7, backoff_seconds=3.0, max_backoff_seconds=120, jitter=0.1)
    assert third.retry == RetryPolicy(retries=2, backoff_seconds=1.0, max_backoff_seconds=120, jitter=0.1)
    api = [s for s in cfg.sources if hasattr(s, "retry")]
    assert all(s.retry.retries == 7 for s in api if s not in (first, third)), "every other API source takes retries.http"


@pytest.mark.parametrize(
    "file, mutate, expected",
    [
        ("settings.yaml", lambda d: d["retries"]["window"].update(jitter=2), "retries.window.jitter: Input should be less than or equal to 1"),
        ("settings.yaml", lambda d: d["retries"]["task"].update(retries=-1), "retries.task.retries"),
        ("settings.yaml", lambda d: d["retries"].update(webhook={"retries": 2}), "retries.webhook: Extra inputs are not permitted"),
        ("settings.yaml", lambda d: d["listen"].update(retries=5), "listen: retries: moved to `retries.window.retries`"),
        ("settings.yaml", lambda d: d["delivery"].update(retries=5), "delivery: retries: moved to `retries.delivery.retries`"),
        ("sources.yaml", lambda d: d["sources"][0].update(retry={"retries": 11}), "sources.0.retry.retries: Input should be less than or equal to 10"),
        ("sources.yaml", lambda d: d["sources"][0].update(retries=2, retry={"retries": 3}), "retries is given twice"),
    ],
)
def test_bad_retry_settings_name_file_and_key(config_copy, file, mutate, expected):
    path = edit_yaml(config_copy, file, mutate)
    with pytest.raises(ConfigError) as err:
        load_config(config_copy)
    assert str(err.value).startswith(str(path)) and expected in str(err.value), str(err.value)


def test_delivery_retries_as_its_policy_says(httpserver, tmp_path):
    calls = []

    def busy(request):
        calls.append(1)
        return Response("busy", status=503)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(busy)
    with pytest.raises(DeliveryError, match="webhook answered 503"):
        deliver([{"text": "hi"}], httpserver.url_for("/hook"), tmp_path / "r.json", retry=RetryPolicy(retries=2, backoff_seconds=0))
    assert len(calls) == 3, "the first post and two retries"


def test_flows_give_prefect_the_same_schedule():
    from flows.orchestration import IO_RETRIES, task_retries

    options = task_retries(RetryPolicy(retries=2, backoff_seconds=5, jitter=0.25))
    assert (options["retries"], options["retry_delay_seconds"], options["retry_jitter_factor"]) == (2, [5, 10], 0.25)
    assert (IO_RETRIES["retries"], IO_RETRIES["retry_delay_seconds"]) == (3, [2.0, 4.0, 8.0]), "what the decorators had before config"
