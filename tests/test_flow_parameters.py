"""The lake root and the config reach flows as parameters (data_dir, config_path),
resolved once at the flow's top; the CLI passes its options that way and leaves its
own environment alone."""

import os
from pathlib import Path

from typer.testing import CliRunner

from flows.orchestration import resolve


def test_a_flow_resolves_its_parameters_before_the_environment(config_copy, tmp_path, monkeypatch):
    from tasks.config import REPO_ROOT

    monkeypatch.setenv("PULSE_CONFIG", str(REPO_ROOT / "config"))
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "from-env"))
    cfg, lake = resolve(str(config_copy), str(tmp_path / "given"))
    assert cfg.root == config_copy.resolve() and lake.root == tmp_path / "given"
    cfg, lake = resolve(None, None)  # a deployment's run that names neither
    assert cfg.root == (REPO_ROOT / "config").resolve() and lake.root == tmp_path / "from-env"


def test_the_cli_hands_its_options_to_the_flow_not_to_the_environment(config_copy, tmp_path, monkeypatch):
    import flows.cli
    import flows.process

    monkeypatch.delenv("PULSE_CONFIG", raising=False)
    monkeypatch.delenv("PULSE_DATA_DIR", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # no temporary server: the flow is a stand-in
    seen = {}

    def process_flow(**parameters):
        seen.update(parameters)
        return []

    monkeypatch.setattr(flows.process, "process_flow", process_flow)
    lake = tmp_path / "lake"
    out = CliRunner().invoke(flows.cli.app, ["--config", str(config_copy), "--data-dir", str(lake), "process", "--from", "2026-11-16", "--to", "2026-11-17"])
    assert out.exit_code == 0, out.output
    assert seen["config_path"] == str(config_copy) and seen["data_dir"] == str(lake)
    assert "PULSE_CONFIG" not in os.environ and "PULSE_DATA_DIR" not in os.environ


def test_a_worker_started_with_options_hands_them_to_its_runs(config_copy, tmp_path):
    from flows.cli import Where

    env = Where(config=config_copy, data_dir=tmp_path).child_env()
    assert env["PULSE_CONFIG"] == str(config_copy) and env["PULSE_DATA_DIR"] == str(tmp_path)
    assert Where().child_env().get("PULSE_CONFIG") == os.environ.get("PULSE_CONFIG")
    assert Path(env["PATH"]) == Path(os.environ["PATH"])
