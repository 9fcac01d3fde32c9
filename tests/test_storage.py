import os
import re
import stat
from datetime import date, datetime, timedelta, timezone

import polars as pl
import pytest

from tasks import schema
from tasks.errors import StorageError
from tasks.storage import Lake, days_between, write_parquet
from tests.conftest import raw_frame, raw_row

UTC = timezone.utc


def test_mention_id_is_stable_and_source_scoped():
    assert schema.mention_id("reddit", "t3_abc") == schema.mention_id("reddit", "t3_abc")
    assert schema.mention_id("reddit", "1") != schema.mention_id("mastodon", "1")
    assert len(schema.mention_id("reddit", "t3_abc")) == 20


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "p" / "part.parquet"
    write_parquet(pl.DataFrame({"a": [1, 2]}), path)

    def boom(self, file, **kw):
        file.write_bytes(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", boom)
    with pytest.raises(StorageError, match="disk full"):
        write_parquet(pl.DataFrame({"a": [3]}), path)
    monkeypatch.undo()
    assert pl.read_parquet(path)["a"].to_list() == [1, 2]
    assert [p.name for p in path.parent.iterdir()] == ["part.parquet"], "no temporary file left behind"


def test_unwritable_data_dir_is_a_clear_error(tmp_path):
    # A plain file where the lake's folder should be: fails for root too, unlike chmod.
    (tmp_path / "lake").write_text("not a folder")
    with pytest.raises(StorageError, match=f"cannot write under {tmp_path / 'lake'}"):
        Lake(tmp_path / "lake").replace_partitions("clean", "halcyon", [date(2026, 11, 18)], raw_frame(raw_row("1", "x")))


def test_merge_window_replaces_only_its_window(tmp_path):
    lake = Lake(tmp_path)
    morning = raw_frame(raw_row("1", "early", when="2026-11-18T08:00:00"), raw_row("2", "mid", when="2026-11-18T10:00:00"))
    lake.merge_window("raw", "halcyon", "reddit", datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 18, 12, tzinfo=UTC), morning, "raw")
    # The 09:00-11:00 window is fetched again: post 2 was deleted, post 3 is new.
    again = raw_frame(raw_row("3", "new", when="2026-11-18T09:30:00"))
    lake.merge_window("raw", "halcyon", "reddit", datetime(2026, 11, 18, 9, tzinfo=UTC), datetime(2026, 11, 18, 11, tzinfo=UTC), again, "raw")
    lake.merge_window("raw", "halcyon", "reddit", datetime(2026, 11, 18, 9, tzinfo=UTC), datetime(2026, 11, 18, 11, tzinfo=UTC), again, "raw")
    got = lake.read("raw", "halcyon", [date(2026, 11, 18)], sources=["reddit"])
    assert got["native_id"].to_list() == ["1", "3"]


def test_replace_partitions_removes_days_that_became_empty(tmp_path):
    lake = Lake(tmp_path)
    days = [date(2026, 11, 17), date(2026, 11, 18)]
    both = raw_frame(raw_row("1", "a", when="2026-11-17T08:00:00"), raw_row("2", "b", when="2026-11-18T08:00:00"))
    lake.replace_partitions("clean", "halcyon", days, both)
    assert lake.partition("clean", "halcyon", days[0]).is_file()
    lake.replace_partitions("clean", "halcyon", days, both.filter(pl.col("native_id") == "2"))
    assert not lake.partition("clean", "halcyon", days[0]).exists()
    assert lake.read("clean", "halcyon", days)["native_id"].to_list() == ["2"]


def test_same_rows_give_byte_identical_files(tmp_path):
    rows = raw_frame(raw_row("2", "b"), raw_row("1", "a"))
    a, b = Lake(tmp_path / "a"), Lake(tmp_path / "b")
    a.replace_partitions("clean", "halcyon", [date(2026, 11, 18)], rows)
    b.replace_partitions("clean", "halcyon", [date(2026, 11, 18)], rows.reverse())
    pa, pb = a.partition("clean", "halcyon", date(2026, 11, 18)), b.partition("clean", "halcyon", date(2026, 11, 18))
    assert pa.read_bytes() == pb.read_bytes()


def test_cursor_only_moves_forward(tmp_path):
    lake = Lake(tmp_path)
    assert lake.read_cursor("reddit", "halcyon") is None
    lake.advance_cursor("reddit", "halcyon", datetime(2026, 11, 18, 12, tzinfo=UTC))
    lake.advance_cursor("reddit", "halcyon", datetime(2026, 11, 1, tzinfo=UTC))
    assert lake.read_cursor("reddit", "halcyon") == datetime(2026, 11, 18, 12, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["../../etc", "a/b", ".hidden", ""])
def test_partition_names_cannot_escape_the_lake(tmp_path, bad):
    with pytest.raises(StorageError):
        Lake(tmp_path).partition("clean", bad, date(2026, 11, 18))


def test_days_between_is_end_exclusive():
    d = days_between(datetime(2026, 11, 17, 23, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC))
    assert d == [date(2026, 11, 17), date(2026, 11, 18)]


# -- corrupt partitions: named, not retried, replaced by a re-listen ---------------------

def _corrupt(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PAR1 this is not parquet PAR1")


def test_a_corrupt_partition_is_named_and_never_retried(tmp_path):
    from types import SimpleNamespace

    from flows.orchestration import retry_transient
    from tasks.errors import CorruptPartition

    lake = Lake(tmp_path)
    day = date(2026, 11, 18)
    bad = lake.partition("raw", "halcyon", day, "reddit")
    _corrupt(bad)
    for read in (lambda: lake.read("raw", "halcyon", [day], sources=["reddit"]), lambda: lake.count_rows("raw", "halcyon", [day], ["reddit"])):
        with pytest.raises(CorruptPartition, match=re.escape(str(bad)) + " is not a readable Parquet file") as e:
            read()
        assert not retry_transient(None, None, SimpleNamespace(data=e.value)), "a corrupt file fails the same way every time"


def test_listening_again_replaces_a_corrupt_raw_partition(tmp_path):
    lake = Lake(tmp_path)
    day = date(2026, 11, 18)
    bad = lake.partition("raw", "halcyon", day, "reddit")
    _corrupt(bad)
    start = datetime(2026, 11, 18, tzinfo=timezone.utc)
    lake.merge_window("raw", "halcyon", "reddit", start, start + timedelta(days=1), raw_frame(raw_row("1", "Halcyon is down")), kind="raw")
    assert lake.read("raw", "halcyon", [day], sources=["reddit"])["native_id"].to_list() == ["1"]
    (aside,) = bad.parent.glob(".part.parquet.corrupt-*")
    assert aside.read_bytes().startswith(b"PAR1 this is not"), "the unreadable file is kept for inspection"


def test_a_lake_path_with_glob_characters_is_read_as_a_name(tmp_path):
    lake = Lake(tmp_path / "lake [copy] *?")
    day = date(2026, 11, 18)
    lake.replace_partitions("raw", "halcyon", [day], raw_frame(raw_row("1", "Halcyon is down")), source="reddit")
    assert lake.count_rows("raw", "halcyon", [day], ["reddit"]) == 1
    assert lake.read("raw", "halcyon", [day], sources=["reddit"]).height == 1


def test_an_empty_pulse_data_dir_is_refused(monkeypatch):
    from tasks.storage import data_dir

    monkeypatch.setenv("PULSE_DATA_DIR", "")
    with pytest.raises(StorageError, match="PULSE_DATA_DIR is set but empty"):
        data_dir()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path, umask, mode):
    """As open() would: a report on a shared lake or behind a web server is readable
    by others when the umask says so (mkstemp alone makes every file 0600)."""
    from tasks.storage import write_text

    old = os.umask(umask)
    try:
        write_parquet(pl.DataFrame({"a": [1]}), tmp_path / "p" / "part.parquet")
        write_text("# report\n", tmp_path / "reports" / "summary.md")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "p" / "part.parquet").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "reports" / "summary.md").stat().st_mode) == mode
