import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tasks.sources.file_import import FileSource
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


# -- hostile files: encodings, far dates, epoch units, a file that imports nothing ------

CSV_ROWS = "id,ts,body\n1,2026-11-18T09:00:00Z,Halcyon is down again\n2,2026-11-18T10:00:00Z,Halcyon support helped me\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-32"])
def test_a_csv_with_a_byte_order_mark_is_read(tmp_path, cfg, encoding):
    path = tmp_path / "export.csv"
    if encoding == "utf-16-le-bom":  # what Excel's "Unicode text" writes
        path.write_bytes(b"\xff\xfe" + CSV_ROWS.encode("utf-16-le"))
    else:
        path.write_bytes(CSV_ROWS.encode(encoding))
    got = file_import.fetch(_source(path), cfg.brand("halcyon"), START, END)
    assert got.mentions["native_id"].to_list() == ["1", "2"] and got.rejects.is_empty()


def test_a_file_whose_every_record_is_rejected_fails_and_is_not_retried(tmp_path, cfg):
    from tasks.errors import DeterministicError

    path = tmp_path / "export.csv"
    path.write_text(CSV_ROWS.replace("id,", "ident,"), encoding="utf-8")  # a header the field map does not know
    with pytest.raises(SourceError, match=r"none of the 2 records of export.csv that mention 'halcyon' could be imported \(first: missing native id field 'id'\)") as e:
        file_import.fetch(_source(path), cfg.brand("halcyon"), START, END)
    assert isinstance(e.value, DeterministicError)


def test_a_latin1_file_is_one_clear_error(tmp_path, cfg):
    path = tmp_path / "export.csv"
    path.write_bytes(CSV_ROWS.replace("again", "encore déçu").encode("latin-1"))
    with pytest.raises(SourceError, match=r"export.csv is not UTF-8 .*CSV UTF-8"):
        file_import.fetch(_source(path), cfg.brand("halcyon"), START, END)


def test_far_dates_are_quarantined_with_their_date_not_lost(tmp_path, cfg):
    path = _jsonl(
        tmp_path,
        {"id": 1, "ts": "2099-01-01T00:00:00Z", "body": "Halcyon from the future"},
        {"id": 2, "ts": "1969-12-31T23:59:59Z", "body": "Halcyon before epoch"},
        {"id": 3, "ts": 0, "body": "Halcyon with a zero timestamp"},
        {"id": 4, "ts": "2026-11-18T09:00:00Z", "body": "Halcyon today"},
    )
    got = file_import.fetch(_source(path), cfg.brand("halcyon"), START, END)
    assert got.mentions["native_id"].to_list() == ["4"]
    reasons = got.rejects["reason"].to_list()
    assert reasons == [
        "export.jsonl line 1: dated 2099-01-01 00:00:00, in the future",
        "export.jsonl line 2: dated 1969-12-31 23:59:59, before 1990",
        "export.jsonl line 3: dated 1970-01-01 00:00:00, before 1990",
    ]
    assert got.rejects["date"].is_null().all(), "kept in the undated set, which every window's quarantine holds"
    assert got.seen == 4


@pytest.mark.parametrize("stamp", [1794993153000, "1794993153000", 1794993153000000, 1794993153000000000])
def test_epoch_milliseconds_micro_and_nanoseconds(stamp):
    assert parse_time(stamp) == datetime(2026, 11, 18, 9, 12, 33, tzinfo=UTC)
