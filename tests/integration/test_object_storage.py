"""PULSE_DATA_DIR as an fsspec URL: the lake on object storage (here fsspec's in-memory
filesystem, which stands in for s3:// or gs:// without a network) holds the same bytes
as a local lake after the same listen, process and weekly summary."""

import pytest
from upath import UPath

from tasks.storage import Lake

pytestmark = pytest.mark.integration


def _files(root) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix() if hasattr(p, "relative_to") else str(p): p.read_bytes()
        for p in sorted(root.rglob("*"), key=str)
        # Partition lock files exist beside a local lake's partitions only (tasks/locks.py).
        if p.is_file() and not p.name.endswith(".lock")
    }


def test_a_lake_on_object_storage_holds_what_a_local_lake_holds(prefect_server, monkeypatch, tmp_path):
    from datetime import date, datetime, timezone

    from flows.listen import listen_flow
    from flows.process import process_flow
    from flows.weekly_summary import weekly_summary_flow

    def run_all():
        listen_flow(start=datetime(2026, 11, 16, tzinfo=timezone.utc), end=datetime(2026, 11, 23, tzinfo=timezone.utc), brands=["halcyon"])
        process_flow(start=date(2026, 11, 16), end=date(2026, 11, 22), brands=["halcyon"])
        return weekly_summary_flow(brand="halcyon", week="2026-W47")

    monkeypatch.chdir(tmp_path)  # nothing may land in the working directory
    monkeypatch.setenv("PULSE_DATA_DIR", str(tmp_path / "local"))
    run_all()
    monkeypatch.setenv("PULSE_DATA_DIR", "memory://pulse-lake")
    paths = run_all()

    remote = UPath("memory://pulse-lake")
    assert Lake().root == remote
    assert paths["html"].startswith("memory://pulse-lake/reports/brand=halcyon/week=2026-W47/")
    local, stored = _files(tmp_path / "local"), _files(remote)
    assert any(name.startswith("scored/") for name in local)
    assert stored.keys() == local.keys()
    assert {n for n in local if stored[n] != local[n]} == set()
    assert not (tmp_path / "memory:").exists(), "nothing fell back to a local folder named after the URL"
    assert paths["quality"].endswith("quality.html") and any(n.endswith("week=2026-W47/quality.html") for n in stored)
