import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tasks.config import FileSource
from tasks.errors import SourceError
from tasks.sources import file_import, parse_time

UTC = timezone.utc
START, END = datetime(2026, 11, 18, tzinfo=UTC), datetime(2026, 11, 19, tzinfo=UTC)


def _source(path: Path, **fields) -> FileSource:
    mapping = {"native_id": "id", "created_at": "ts", "text": "body", "author_handle": "account.acct", "author_reach": "account.followers", "engagement": ["likes", "boosts"]}
    mapping.update(fields)
    return FileSource(name="export", kind="file", path=path, fields=mapping, url_template="https://example.social/{native_id}")


def _jsonl(tmp_path, *lines) -> Path:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(l if isinstance(l, str) else json.dumps(l) for l in lines) + "\n", encoding="utf-8")
    return path


def test_maps_nested_and_summed_fields(tmp_path, cfg):
    path = _jsonl(tmp_path, {"id": 7, "ts": "2026-11-18T09:12:33.000Z", "body": "Halcyon rocks", "account": {"acct": "ann@x.social", "followers": 120}, "likes": 3, "boosts": 2})
    got = file_import.fetch(_source(path), cfg.brand("halcyon"), START, END)
    row = got.mentions.row(0, named=True)
    assert (row["native_id"], row["author_handle"], row["author_reach"], row["engagement"]) == ("7", "ann@x.social", 120, 5)
    assert row["created_at"] == datetime(2026, 11, 18, 9, 12, 33, tzinfo=UTC)
    assert row["url"] == "https://example.social/7"
    assert json.loads(row["raw_payload"])["account"]["acct"] == "ann@x.social"
    assert got.seen == 1 and got.rejects.is_empty()


@pytest.mark.parametrize("stamp", [1794993153, "1794993153.5", "2026-11-18T09:12:33+00:00", "Tue, 18 Nov 2026 09:12:33 +0000"])
def test_timestamp_formats(stamp):
    assert parse_time(stamp).replace(microsecond=0) == datetime(2026, 11, 18, 9, 12, 33, tzinfo=UTC)


def test_window_and_brand_query_select_records(tmp_path, cfg):
    path = _jsonl(
        tmp_path,
        {"id": 1, "ts": "2026-11-18T01:00:00Z", "body": "HALCYON is down"},
        {"id": 2, "ts": "2026-11-19T00:00:00Z", "body": "halcyon next day"},  # end is exclusive
        {"id": 3, "ts": "2026-11-18T02:00:00Z", "body": "Brightwave only"},
    )
    got = file_import.fetch(_source(path), cfg.brand("halcyon"), START, END)
    assert got.mentions["native_id"].to_list() == ["1"]


def test_malformed_records_are_quarantined_with_line_numbers(tmp_path, cfg):
    path = _jsonl(
        tmp_path,
        {"id": 1, "ts": "2026-11-18T01:00:00Z", "body": "Halcyon fine"},
        '{"id": "9", "body": "Halcyon trunc',
        {"ts": "2026-11-18T01:00:00Z", "body": "Halcyon without id"},
        {"id": 4, "ts": "yesterday", "body": "Halcyon undated"},
    )
    got = file_import.fetch(_source(path), cfg.brand("halcyon"), START, END)
    assert got.mentions["native_id"].to_list() == ["1"]
    reasons = got.rejects["reason"].to_list()
    assert reasons[0].startswith("export.jsonl line 2: invalid JSON")
    assert reasons[1] == "export.jsonl line 3: missing native id field 'id'"
    assert reasons[2] == "export.jsonl line 4: unparseable 'ts': 'yesterday'"
    assert got.seen == got.mentions.height + got.rejects.height


def test_csv_export(tmp_path, cfg):
    path = tmp_path / "export.csv"
    path.write_text('id,ts,body\n1,2026-11-18T03:00:00Z,"Halcyon, with a comma and ""quotes""\nand a newline"\n', encoding="utf-8")
    got = file_import.fetch(_source(path, author_handle=None, author_reach=None, engagement=None), cfg.brand("halcyon"), START, END)
    assert got.mentions["text"].to_list() == ['Halcyon, with a comma and "quotes"\nand a newline']


def test_missing_file_is_a_source_error(tmp_path, cfg):
    with pytest.raises(SourceError, match="source 'export': cannot read .*nope.jsonl"):
        file_import.fetch(_source(tmp_path / "nope.jsonl"), cfg.brand("halcyon"), START, END)
