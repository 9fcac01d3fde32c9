"""prefect.yaml carries the schedules, time zones and parameters of config/, and the
check names any difference."""

import shutil

import yaml

from flows.deployments import PREFECT_YAML, differences, render
from tasks.config import REPO_ROOT, load_config


def test_the_committed_prefect_yaml_matches_config():
    assert differences(load_config()) == []


def test_each_brand_gets_its_weekly_summary_in_its_own_time_zone():
    cfg = load_config()
    deployments = {d["name"]: d for d in yaml.safe_load(PREFECT_YAML.read_text())["deployments"]}
    for brand in cfg.brands:
        d = deployments[brand.id]
        assert d["entrypoint"] == "flows/weekly_summary.py:weekly_summary_flow"
        assert d["parameters"] == {"brand": brand.id}
        assert d["schedules"] == [{"cron": cfg.settings.deployments.weekly_summary_cron, "timezone": brand.timezone, "active": True}]
    assert deployments["scheduled"]["schedules"][0]["cron"] == cfg.settings.deployments.listen_cron


def _config_copy(tmp_path, edit):
    folder = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", folder)
    path = folder / edit[0]
    data = yaml.safe_load(path.read_text())
    edit[1](data)
    path.write_text(yaml.safe_dump(data))
    return load_config(folder)


def test_a_schedule_changed_in_config_only_is_named(tmp_path):
    cfg = _config_copy(tmp_path, ("brands.yaml", lambda d: d["brands"][1].update(timezone="America/New_York")))
    problems = differences(cfg)
    assert len(problems) == 1
    assert problems[0].startswith("weekly_summary_flow/brightwave: schedules: prefect.yaml says")
    assert "America/New_York" in problems[0]


def test_a_brand_added_to_config_only_is_named(tmp_path):
    def add(d):
        d["brands"].append({**d["brands"][1], "id": "nimbus", "name": "Nimbus", "terms": ["nimbus"], "competitors": []})

    assert differences(_config_copy(tmp_path, ("brands.yaml", add))) == ["weekly_summary_flow/nimbus: missing from prefect.yaml"]


def test_a_hand_edit_of_prefect_yaml_is_named(tmp_path):
    edited = tmp_path / "prefect.yaml"
    edited.write_text(PREFECT_YAML.read_text().replace("*/15 * * * *", "*/5 * * * *"))
    assert differences(load_config(), edited) == [
        "listen_flow/scheduled: schedules: prefect.yaml says [{'cron': '*/5 * * * *', 'timezone': 'UTC', 'active': True}], "
        "config says [{'cron': '*/15 * * * *', 'timezone': 'UTC', 'active': True}]"
    ]


def test_rendering_is_stable():
    assert render(load_config()) == PREFECT_YAML.read_text()
