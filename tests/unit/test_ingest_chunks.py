"""Chunk boundaries are fixed row offsets, so an import resumes exactly at ``skip_rows``."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saxaul.domain.errors import InputRejected
from saxaul.ingest import (
    EventChunk,
    Format,
    csvfile,
    detect_format,
    file_sha256,
    iter_event_chunks,
    jsonfile,
)
from saxaul.ingest.sniff import count_rows, detect_kind

ROWS = 23
BAD = {4, 11, 12, 20}  # data rows that are broken at the format level or fail validation


def event(i: int) -> dict[str, object]:
    return {
        "event_id": f"e{i}",
        "source": "app",
        "user_id": f"u{i % 5}",
        "behaviour": "walk",
        "occurred_at": f"2026-03-01T08:{i:02d}:00+08:00",
        "quantity": -1 if i == 20 else i,
        "attributes": {"n": i},
    }


def write_csv(path: Path) -> None:
    lines = ["event_id,source,user_id,behaviour,occurred_at,quantity,attributes"]
    for i in range(ROWS):
        e = event(i)
        if i in (4, 11):
            lines.append(f"e{i},app,broken")
        elif i == 12:
            lines.append(f'e{i},app,"u1"x,walk,2026-03-01T08:00:00Z,1,')
        else:
            attrs = json.dumps(e["attributes"]).replace('"', '""')
            lines.append(
                f'{e["event_id"]},app,{e["user_id"]},walk,{e["occurred_at"]},{e["quantity"]},"{attrs}"'
            )
        if i == 7:
            lines.append("")  # a blank line is not a row
    path.write_text("\n".join(lines) + "\n")


def write_ndjson(path: Path) -> None:
    lines = []
    for i in range(ROWS):
        lines.append("{broken" if i in (4, 11, 12) else json.dumps(event(i)))
        if i == 7:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")


def write_json(path: Path) -> None:
    path.write_text(json.dumps([[i] if i in (4, 11, 12) else event(i) for i in range(ROWS)]))


def write_parquet(path: Path) -> None:
    rows = [event(i) for i in range(ROWS)]
    for i in (4, 11, 12):
        rows[i]["occurred_at"] = "2026-03-01 08:00"
    frame = pl.DataFrame(rows).with_columns(pl.col("attributes").struct.json_encode())
    frame.write_parquet(path)


WRITERS = {
    ".csv": write_csv,
    ".ndjson": write_ndjson,
    ".json": write_json,
    ".parquet": write_parquet,
}


def rows_of(chunks: Iterator[EventChunk]) -> tuple[list[str], list[int]]:
    ids: list[str] = []
    lines: list[int] = []
    for chunk in chunks:
        assert chunk.rows_read == chunk.end_row - chunk.start_row
        assert chunk.rows_read == chunk.accepted.height + len(chunk.rejected)
        ids += chunk.accepted["event_id"].to_list()
        lines += sorted([*chunk.accepted["line"].to_list(), *(r.line for r in chunk.rejected)])
    return ids, lines


@pytest.mark.parametrize("suffix", list(WRITERS))
def test_every_row_is_read_once_whatever_the_chunk_size(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    WRITERS[suffix](path)
    whole_ids, whole_lines = rows_of(iter_event_chunks(path, known_behaviours=None))
    assert whole_ids == [f"e{i}" for i in range(ROWS) if i not in BAD]
    assert len(whole_lines) == ROWS
    for chunk_rows in (1, 2, 5, 7, ROWS, 100):
        chunks = list(iter_event_chunks(path, known_behaviours=None, chunk_rows=chunk_rows))
        assert [c.start_row for c in chunks] == list(range(0, ROWS, chunk_rows))
        assert rows_of(iter(chunks)) == (whole_ids, whole_lines)


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(
    suffix=st.sampled_from(list(WRITERS)),
    chunk_rows=st.integers(1, 9),
    skip_rows=st.integers(0, ROWS + 2),
    block_bytes=st.sampled_from([None, 16, 97, 300]),
)
def test_resuming_at_an_offset_gives_exactly_the_remaining_rows(
    suffix: str, chunk_rows: int, skip_rows: int, block_bytes: int | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        path = Path(tmp) / f"events{suffix}"
        WRITERS[suffix](path)
        full = list(iter_event_chunks(path, known_behaviours=None, chunk_rows=1))
        if block_bytes is not None:
            patch.setattr(csvfile, "BLOCK_BYTES", block_bytes)
            patch.setattr(jsonfile, "BLOCK_BYTES", block_bytes)
            patch.setattr(jsonfile, "PIECE_ELEMENTS", max(1, block_bytes // 40))
        resumed = list(
            iter_event_chunks(
                path, known_behaviours=None, chunk_rows=chunk_rows, skip_rows=skip_rows
            )
        )
    expected = full[skip_rows:]
    assert rows_of(iter(resumed)) == rows_of(iter(expected))
    starts = [c.start_row for c in resumed]
    assert starts == list(range(skip_rows, ROWS, chunk_rows))
    if resumed:
        assert resumed[-1].end_row == ROWS
        assert resumed[0].rejected or resumed[0].accepted.height


def test_file_sha256_streams_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    data = b"x" * (3 << 20) + b"tail"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.csv", None, Format.CSV),
        ("a.NDJSON", None, Format.NDJSON),
        ("a.jsonl", None, Format.NDJSON),
        ("a.json", None, Format.JSON),
        ("a.parquet", None, Format.PARQUET),
        ("a.txt", "csv", Format.CSV),
        ("a.txt", "jsonl", Format.NDJSON),
    ],
)
def test_format_comes_from_the_extension_or_fmt(
    name: str, fmt: str | None, expected: Format
) -> None:
    assert detect_format(Path(name), fmt) is expected


def test_unknown_format_is_refused() -> None:
    with pytest.raises(InputRejected) as refused:
        detect_format(Path("a.txt"))
    assert refused.value.fields["field"] == "path"
    with pytest.raises(InputRejected):
        detect_format(Path("a.csv"), "xml")


@pytest.mark.parametrize("suffix", list(WRITERS))
def test_sniffing_kind_and_row_count(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    WRITERS[suffix](path)
    assert detect_kind(path) == "events"
    counted = count_rows(path)
    assert counted is None if suffix == ".json" else counted in (ROWS, ROWS + 1)


def test_sniffing_participants_and_unknown_files(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("user_id,enrolled_at,consent\nu1,2026-01-01T00:00:00Z,true\n")
    assert detect_kind(people) == "participants"
    other = tmp_path / "other.ndjson"
    other.write_text('{"colour": "green"}\n')
    with pytest.raises(InputRejected):
        detect_kind(other)
