"""Faults a hostile tester provoked, end to end under Prefect: a full disk named with
the partition it stopped, a source removed from config, a lake path with glob
characters, an export that imports nothing, and a `kill -9` that must not orphan the
command's temporary Prefect server."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from tasks.config import REPO_ROOT
from tasks.errors import SourceError, StorageError
from tasks.storage import Lake
from tests.conftest import raw_frame, raw_row

pytestmark = pytest.mark.integration
UTC = timezone.utc
DAY = date(2026, 11, 18)


POSTS = [
    "Halcyon network down again in Leeds, support useless and nobody answers the phone",
    "My new Halcyon One arrived a day early, delivery driver was lovely",
    "Halcyon billing charged me twice this month, still waiting for a refund",
]


def _raw(lake: Lake, source: str = "reddit", n: int = 3) -> None:
    rows = [raw_row(f"{source}{i}", POSTS[i], source=source, when=f"2026-11-18T{9 + i:02d}:00:00") for i in range(n)]
    lake.replace_partitions("raw", "halcyon", [DAY], raw_frame(*rows), source=source)


def test_a_full_disk_fails_process_with_the_partition(prefect_server, monkeypatch):
    import tasks.storage
    from flows.process import process_flow

    _raw(Lake())

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tasks.storage.os, "replace", full)
    with pytest.raises(StorageError) as e:
        process_flow(start=DAY, end=DAY, brands=["halcyon"])
    assert f"cannot write {Lake().root}/" in str(e.value) and "(disk full)" in str(e.value), "the path and the cause"


def test_a_removed_sources_data_is_kept_left_out_and_reported(prefect_server):
    from flows.process import process_flow
    from flows.weekly_summary import weekly_summary_flow

    lake = Lake()
    _raw(lake, "reddit")
    _raw(lake, "oldforum")  # no longer in config/sources.yaml
    process_flow(start=DAY, end=DAY, brands=["halcyon"])
    scored = lake.read("scored", "halcyon", [DAY])
    assert set(scored["source"]) == {"reddit"}, "the removed source is left out of new processing"
    assert lake.partition("raw", "halcyon", DAY, "oldforum").is_file(), "its stored data is kept"
    paths = weekly_summary_flow(brand="halcyon", week="2026-W47")
    report = json.loads(Path(paths["json"]).read_text())
    assert "3 stored raw mention(s) of oldforum (no longer in sources.yaml) left out of processing" in json.dumps(report)
    assert "oldforum" in Path(paths["markdown"]).read_text()


def test_a_lake_path_with_glob_characters_works_end_to_end(prefect_server, monkeypatch, tmp_path):
    from flows.process import process_flow
    from flows.weekly_summary import weekly_summary_flow

    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "lake [2026] *"))
    lake = Lake()
    _raw(lake)
    process_flow(start=DAY, end=DAY, brands=["halcyon"])
    assert lake.count_rows("scored", "halcyon", [DAY]) == 3
    paths = weekly_summary_flow(brand="halcyon", week="2026-W47")
    assert Path(paths["html"]).is_file() and "lake [2026] *" in paths["html"]


def test_an_export_that_imports_nothing_fails_listen_and_keeps_the_cursor(prefect_server, config_copy, monkeypatch, tmp_path):
    from flows.listen import listen_flow

    broken = tmp_path / "reviews.csv"
    broken.write_text("ident,when,text\n1,2026-11-18T09:00:00Z,Halcyon is great\n", encoding="utf-8")
    sources = yaml.safe_load((config_copy / "sources.yaml").read_text())
    reviews = next(s for s in sources["sources"] if s["name"] == "reviews-export")  # the demo hears reviews as a feed
    reviews.update(path=str(broken), enabled=True)
    (config_copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    monkeypatch.setenv("PULSE_CONFIG", str(config_copy))
    with pytest.raises(SourceError, match=r"reviews-export/halcyon: .*none of the 1 records of reviews.csv .* could be imported"):
        listen_flow(start=datetime(2026, 11, 18, tzinfo=UTC), end=datetime(2026, 11, 19, tzinfo=UTC), sources=["reviews-export"], brands=["halcyon"])
    assert Lake().read_cursor("reviews-export", "halcyon") is None


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc (Linux)")
def test_kill_9_of_a_pulse_command_ends_its_temporary_prefect_server(tmp_path):
    lake = tmp_path / "lake"
    _raw(Lake(lake))
    marker = tmp_path / "writing"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_")}
    env.update(PULSE_DATA_DIR=str(lake), PREFECT_HOME=str(tmp_path / "prefect-home"), PULSE_PAUSE_AT_WRITE=f"1:{marker}", PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")  # a fresh PREFECT_HOME migrates its database first
    command = subprocess.Popen([sys.executable, "-m", "flows.cli", "process", "--from", "2026-11-18", "--to", "2026-11-18"], env=env, cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = None
    try:
        deadline = time.time() + 240
        while not marker.exists() and time.time() < deadline and command.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), "the run reached its first write (its server is up)"
        (server,) = [p for p in _children(command.pid) if "uvicorn" in _cmdline(p)]
        command.send_signal(signal.SIGKILL)
        command.wait()
        deadline = time.time() + 20
        while _running(server) and time.time() < deadline:
            time.sleep(0.2)
        assert not _running(server), "the temporary server ended with its command"
    finally:
        if command.poll() is None:
            command.kill()
        if server and _running(server):
            os.kill(server, signal.SIGKILL)
