"""CSV event files: the happy path, broken lines found by number, and block-size independence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from saxaul.domain.errors import InputRejected
from saxaul.domain.events import RejectCode
from saxaul.ingest import EVENT_SCHEMA, EventChunk, csvfile, iter_event_chunks

HEADER = (
    "event_id,source,user_id,behaviour,occurred_at,quantity,amount_minor,currency,"
    "merchant_category,attributes\n"
)
KNOWN = frozenset({"metro_ride", "bus_ride", "walk_steps"})


def one_chunk(path: Path) -> EventChunk:
    chunks = list(iter_event_chunks(path, known_behaviours=KNOWN))
    assert len(chunks) == 1
    return chunks[0]


def write(tmp_path: Path, body: str | bytes, name: str = "events.csv") -> Path:
    path = tmp_path / name
    data = body.encode() if isinstance(body, str) else body
    path.write_bytes(data)
    return path


def test_happy_path_gives_canonical_frame(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "e1,metro-app,u1,metro_ride,2026-03-01T08:15:00+08:00,,300,cny,4111,"
        + '"{""mode"": ""metro"", ""line"": ""2""}"\n'
        + "e2,metro-app,u2,walk_steps,2026-03-01T00:00:00Z,8000,,,,\n",
    )
    chunk = one_chunk(path)
    assert chunk.rejected == []
    assert chunk.location == "line"
    assert (chunk.rows_read, chunk.duplicates_in_chunk) == (2, 0)
    assert (chunk.start_row, chunk.end_row) == (0, 2)
    assert chunk.accepted.schema == EVENT_SCHEMA
    first, second = chunk.accepted.to_dicts()
    assert first["line"] == 2
    assert first["occurred_at"] == dt.datetime(2026, 3, 1, 0, 15, tzinfo=dt.UTC)
    assert first["quantity"] == 1.0
    assert first["amount_minor"] == 300
    assert first["currency"] == "CNY"
    assert first["attributes"] == '{"line":"2","mode":"metro"}'
    assert second["line"] == 3
    assert second["quantity"] == 8000.0
    assert second["amount_minor"] is None
    assert second["currency"] is None
    assert second["attributes"] is None


def test_only_required_columns_are_needed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "source,event_id,user_id,behaviour,occurred_at,note\n"
        "app,e1,u1,bus_ride,2026-03-01T08:15:00+08:00,ignored\n",
    )
    accepted = one_chunk(path).accepted
    assert accepted["event_id"].to_list() == ["e1"]
    assert accepted["quantity"].to_list() == [1.0]


def test_missing_required_column_refuses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "event_id,source,user_id,behaviour\ne1,app,u1,bus_ride\n")
    with pytest.raises(InputRejected) as refused:
        list(iter_event_chunks(path, known_behaviours=None))
    assert refused.value.fields["field"] == "occurred_at"


MIXED = (
    HEADER
    + "g1,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n"  # 2 good
    + "b1,app,u1\n"  # 3 short
    + "g2,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n"  # 4 good
    + "b2,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,,extra\n"  # 5 long
    + "\n"  # 6 blank: not a row
    + 'g3,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,"{""a"":\n""b""}"\n'  # 7-8 good
    + 'b3,app,"u1"x,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n'  # 9 bad quoting
    + "g4,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n"  # 10 good
)


def mixed_bytes() -> bytes:
    broken_utf8 = b"b4,app,u\xff,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n"  # 11
    last = b"g5,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,"  # 12, no final newline
    return MIXED.encode() + broken_utf8 + last


def test_broken_lines_are_rejected_by_line_and_good_rows_pass(tmp_path: Path) -> None:
    chunk = one_chunk(write(tmp_path, mixed_bytes()))
    assert chunk.accepted["event_id"].to_list() == ["g1", "g2", "g3", "g4", "g5"]
    assert chunk.accepted["line"].to_list() == [2, 4, 7, 10, 12]
    assert chunk.accepted["attributes"][2] == '{"a":"b"}'
    rejected = [(r.line, r.code) for r in chunk.rejected]
    assert rejected == [(line, RejectCode.MALFORMED_ROW) for line in (3, 5, 9, 11)]
    assert chunk.rejected[0].raw == "b1,app,u1"
    assert "3 fields but the header has 10" in chunk.rejected[0].reason
    assert "u\ufffd" in chunk.rejected[3].raw
    assert chunk.rows_read == 9 == chunk.end_row


@pytest.mark.parametrize("block_bytes", [1, 7, 64, 200])
def test_result_does_not_depend_on_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    path = write(tmp_path, mixed_bytes())
    whole = one_chunk(path)
    monkeypatch.setattr(csvfile, "BLOCK_BYTES", block_bytes)
    pieces = one_chunk(path)
    assert pieces.accepted.equals(whole.accepted)
    assert pieces.rejected == whole.rejected


def test_unterminated_quote_costs_one_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + 'b1,app,"u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n'
        + "g1,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n"
        + "g2,app,u1,metro_ride,2026-03-01T08:15:00+08:00,,,,,\n",
    )
    chunk = one_chunk(path)
    assert chunk.accepted["event_id"].to_list() == ["g1", "g2"]
    assert [(r.line, r.code) for r in chunk.rejected] == [(2, RejectCode.MALFORMED_ROW)]


def test_crlf_and_byte_order_mark(tmp_path: Path) -> None:
    text = "\ufeff" + HEADER.replace("\n", "\r\n")
    text += "e1,app,u1,bus_ride,2026-03-01T08:15:00+08:00,2,,,,\r\n"
    chunk = one_chunk(write(tmp_path, text))
    assert chunk.rejected == []
    assert chunk.accepted.select("event_id", "quantity", "attributes").rows() == [("e1", 2.0, None)]


def test_rejected_row_keeps_its_raw_text(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + 'e1,app,u1,bus_ride,yesterday,,,,,"{""a"":1}"\n')
    (rejection,) = one_chunk(path).rejected
    assert rejection.code is RejectCode.INVALID_TIMESTAMP
    assert rejection.field == "occurred_at"
    assert rejection.raw == 'e1,app,u1,bus_ride,yesterday,,,,,"{""a"":1}"'


def test_raw_text_is_truncated(tmp_path: Path) -> None:
    long_id = "x" * 3000
    path = write(tmp_path, HEADER + f"{long_id},app,u1,bus_ride,2026-03-01T08:15:00Z,,,,,\n")
    (rejection,) = one_chunk(path).rejected
    assert rejection.code is RejectCode.INVALID_VALUE
    assert len(rejection.raw) == 2000
    assert "3000 characters long; the limit is 128" in rejection.reason


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(InputRejected):
        list(iter_event_chunks(write(tmp_path, ""), known_behaviours=None))
    assert list(iter_event_chunks(write(tmp_path, HEADER), known_behaviours=None)) == []


def test_typed_frame_even_when_every_row_is_bad(tmp_path: Path) -> None:
    chunk = one_chunk(write(tmp_path, HEADER + "e1,app,u1,bus_ride,nope,,,,,\n"))
    assert chunk.accepted.schema == EVENT_SCHEMA
    assert chunk.accepted.height == 0
    assert isinstance(chunk.accepted, pl.DataFrame)


def test_extra_columns_named_line_or_unnamed_do_not_confuse_the_reader(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "line,event_id,source,user_id,behaviour,occurred_at,,\n"
        "L2,e1,app,u1,bus_ride,2026-03-01T08:15:00+08:00,x,y\n"
        "L2,e2,app,u1,bus_ride,nope,x,y\n",
    )
    chunk = one_chunk(path)
    assert chunk.accepted.select("line", "event_id").rows() == [(2, "e1")]
    (rejection,) = chunk.rejected
    assert (rejection.line, rejection.raw) == (3, "L2,e2,app,u1,bus_ride,nope,x,y")


def test_a_known_column_twice_refuses_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "event_id,source,user_id,behaviour,occurred_at,user_id\n")
    with pytest.raises(InputRejected) as refused:
        list(iter_event_chunks(path, known_behaviours=None))
    assert refused.value.fields["field"] == "user_id"
