"""The `pulse` command as a user runs it: help, and one clear line for bad input."""

import subprocess
import sys

import pytest

from tasks.config import REPO_ROOT


def pulse(*args, env_extra=None, cwd=None):
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, env=env, cwd=cwd or REPO_ROOT, timeout=120)


def test_help_lists_every_command():
    out = pulse("--help")
    assert out.returncode == 0
    for command in ("demo", "listen", "process", "summary", "backfill", "evaluate", "schema"):
        assert command in out.stdout


@pytest.mark.parametrize("command", ["demo", "listen", "process", "summary", "backfill", "evaluate"])
def test_each_command_has_help(command):
    out = pulse(command, "--help")
    assert out.returncode == 0 and "Usage" in out.stdout


def test_bad_config_is_one_line_naming_file_and_key(config_copy):
    (config_copy / "brands.yaml").write_text("brands:\n  - id: halcyon\n    name: Halcyon\n")
    out = pulse("--config", str(config_copy), "summary", "--brand", "halcyon", "--week", "2026-W47")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert f"{config_copy / 'brands.yaml'}: brands.0.terms: Field required" in lines[0]


def test_bad_week_and_unknown_brand(config_copy):
    out = pulse("--config", str(config_copy), "summary", "--brand", "halcyon", "--week", "47")
    assert out.returncode == 1 and "week '47': expected an ISO week such as 2026-W47" in out.stderr
    out = pulse("--config", str(config_copy), "summary", "--brand", "acme", "--week", "2026-W47")
    assert out.returncode == 1 and "no brand with id 'acme'" in out.stderr


def test_bad_date_is_a_usage_error():
    out = pulse("process", "--from", "yesterday", "--to", "2026-11-18")
    assert out.returncode == 2 and "'yesterday' is not a date like 2026-11-18" in out.stderr
