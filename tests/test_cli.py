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


# -- hostile input on the command line: printed literally, checked before any work -----

def _one_line_error(out, *expected: str) -> str:
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 1 and len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("brand", ["[/x]", "acme[bold]corp", "[red]x[/red]", ":smile:"])
def test_user_text_is_printed_literally_never_as_markup(config_copy, brand):
    out = pulse("--config", str(config_copy), "summary", "--brand", brand, "--week", "2026-W47")
    _one_line_error(out, f"no brand with id {brand!r}")


def test_a_config_error_shows_the_slug_pattern_as_it_is(config_copy):
    (config_copy / "brands.yaml").write_text("brands:\n  - id: Not A Slug\n    name: X\n    terms: [x]\n")
    out = pulse("--config", str(config_copy), "summary", "--brand", "x", "--week", "2026-W47")
    _one_line_error(out, "brands.0.id", "'^[a-z0-9][a-z0-9_-]{0,63}$'")


@pytest.mark.parametrize(
    "args, expected",
    [
        (["listen", "--from", "2026-11-19T00:00", "--to", "2026-11-18T00:00"], "--from 2026-11-19T00:00:00+00:00 is not before --to 2026-11-18T00:00:00+00:00"),
        (["listen", "--from", "2999-01-01T00:00"], "is not before now"),
        (["process", "--from", "2026-11-19", "--to", "2026-11-18"], "--from 2026-11-19 is after --to 2026-11-18: the range is empty"),
        (["backfill", "--from", "2026-11-19", "--to", "2026-11-18"], "--from 2026-11-19 is after --to 2026-11-18"),
        (["listen", "--brand", "nosuch"], "no brand with id 'nosuch'"),
        (["process", "--brand", "nosuch"], "no brand with id 'nosuch'"),
        (["backfill", "--from", "2026-11-18", "--to", "2026-11-18", "--brand", "nosuch"], "no brand with id 'nosuch'"),
        (["listen", "--source", "nosuch"], "unknown source 'nosuch'"),
        (["process", "--from", "2024-11-18", "--to", "2026-11-18"], "the range covers 731 days (over 92); check --from and --to, or pass --yes"),
        (["backfill", "--from", "2024-11-18", "--to", "2026-11-18"], "the range covers 731 days"),
    ],
)
def test_bad_ranges_and_names_fail_in_one_line_before_any_work(config_copy, tmp_path, args, expected):
    out = pulse("--config", str(config_copy), "--data-dir", str(tmp_path / "lake"), *args, env_extra={"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    _one_line_error(out, expected)
    assert not (tmp_path / "lake").exists(), "nothing was written"


def test_an_empty_pulse_data_dir_is_refused(config_copy, tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    out = pulse("--config", str(config_copy), "process", env_extra={"PULSE_DATA_DIR": ""}, cwd=here)
    _one_line_error(out, "PULSE_DATA_DIR is set but empty")
    assert not list(here.iterdir()), "no lake in the current folder"
