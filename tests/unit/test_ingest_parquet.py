"""Parquet event files: typed columns are used as they are; naive timestamps are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from saxaul.domain.errors import InputRejected
from saxaul.domain.events import RejectCode
from saxaul.ingest import EVENT_SCHEMA, iter_event_chunks


def test_typed_columns_and_struct_attributes(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pl.DataFrame(
        {
            "event_id": ["e0", "e1", "e2"],
            "source": ["app"] * 3,
            "user_id": [101, 102, 103],
            "behaviour": ["walk"] * 3,
            "occurred_at": [dt.datetime(2026, 3, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))]
            * 3,
            "quantity": [1.5, None, 3.0],
            "amount_minor": [300.0, None, 12.5],
            "attributes": [{"mode": "metro", "n": 1}, None, {"mode": "bus", "n": None}],
        },
        schema_overrides={"occurred_at": pl.Datetime("ms", "Asia/Shanghai")},
    ).write_parquet(path)
    (chunk,) = iter_event_chunks(path, known_behaviours=None)
    assert chunk.location == "index"
    assert chunk.accepted.schema == EVENT_SCHEMA
    assert chunk.accepted.select(
        "line", "user_id", "occurred_at", "quantity", "amount_minor", "attributes"
    ).rows() == [
        (0, "101", dt.datetime(2026, 3, 1, 0, tzinfo=dt.UTC), 1.5, 300, '{"mode":"metro","n":1}'),
        (1, "102", dt.datetime(2026, 3, 1, 0, tzinfo=dt.UTC), 1.0, None, None),
    ]
    (rejection,) = chunk.rejected
    assert (rejection.line, rejection.code, rejection.field) == (
        2,
        RejectCode.INVALID_VALUE,
        "amount_minor",
    )
    assert '"event_id":"e2"' in rejection.raw


def test_naive_datetime_column_is_refused_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pl.DataFrame(
        {
            "event_id": ["e0"],
            "source": ["app"],
            "user_id": ["u"],
            "behaviour": ["walk"],
            "occurred_at": [dt.datetime(2026, 3, 1, 8)],
        }
    ).write_parquet(path)
    (chunk,) = iter_event_chunks(path, known_behaviours=None)
    (rejection,) = chunk.rejected
    assert rejection.code is RejectCode.INVALID_TIMESTAMP
    assert "no UTC offset" in rejection.reason


def test_missing_required_column_or_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pl.DataFrame({"event_id": ["e0"]}).write_parquet(path)
    with pytest.raises(InputRejected):
        list(iter_event_chunks(path, known_behaviours=None))
    path.write_bytes(b"not parquet")
    with pytest.raises(InputRejected):
        list(iter_event_chunks(path, known_behaviours=None))
