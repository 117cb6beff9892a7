"""Bad bytes never break the store: NUL characters and deep nesting, every format, both engines.

A row carrying a NUL (U+0000) in any field, or JSON nested deeper than the ingest limit, is
quarantined with a reason that names the field; its neighbours are imported and the import
finishes. PostgreSQL refuses NUL in text outright, so what is kept for inspection marks it.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from saxaul.ingest.columns import MAX_JSON_DEPTH
from saxaul.services import imports, participants, quarantine, reversals
from saxaul.services.runtime import Runtime

GOOD = {
    "event_id": "ok",
    "source": "wallet",
    "user_id": "p0000001",
    "behaviour": "metro_ride",
    "occurred_at": "2026-11-02T08:15:00+08:00",
    "quantity": "1",
    "amount_minor": "300",
    "currency": "CNY",
    "merchant_category": "4111",
    "attributes": '{"line":"2"}',
}
FORMATS = ("ndjson", "json", "csv", "parquet")


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    fmt = path.suffix.lstrip(".")
    if fmt == "ndjson":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif fmt == "csv":
        pl.DataFrame(rows).write_csv(path)
    else:
        pl.DataFrame(rows).write_parquet(path)
    return path


def _with_nul(field: str) -> dict[str, str]:
    value = GOOD[field]
    return GOOD | {"event_id": f"nul-{field}", field: value[:1] + "\x00" + value[1:]}


def _import_row(rt: Runtime, tmp_path: Path, fmt: str, bad: dict[str, str]) -> int:
    """Import one bad row between two new good ones; returns the import id."""
    rows = [GOOD | {"event_id": f"before-{tmp_path.name}"}, bad, GOOD | {"event_id": tmp_path.name}]
    summary = imports.import_events(rt, _write(tmp_path / f"x.{fmt}", rows))
    assert (summary.new_events, summary.rejected) == (2, 1)
    return summary.import_id


def _status(rt: Runtime, import_id: int) -> str:
    with rt.db.engine.connect() as conn:
        found = conn.execute(sa.text(f"SELECT status FROM imports WHERE id = {import_id}"))
        return str(found.scalar_one())


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nul_in_any_event_field_is_quarantined_naming_the_field(
    runtime: Runtime, tmp_path: Path, fmt: str
) -> None:
    for field in GOOD:
        (tmp_path / field).mkdir()
        import_id = _import_row(runtime, tmp_path / field, fmt, _with_nul(field))

        [row], total = quarantine.list_quarantine(runtime, import_id=import_id)
        assert (total, row.field, row.code) == (1, field, "invalid_value"), row.reason
        assert row.reason.startswith(f"{field} contains a NUL character (U+0000)")
        assert "\x00" not in row.raw + row.reason
        assert _status(runtime, import_id) == "done"
    with runtime.db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one()
    assert stored == 2 * len(GOOD)


def test_the_kept_raw_line_marks_where_the_nul_was(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    header = ",".join(GOOD).encode()
    good = ",".join(GOOD.values()).replace('{"line":"2"}', '"{""line"":""2""}"').encode()
    path.write_bytes(header + b"\n" + good + b"\n" + good.replace(b"ok,", b"o\x00k,") + b"\n")

    summary = imports.import_events(runtime, path)

    [row], _ = quarantine.list_quarantine(runtime, import_id=summary.import_id)
    assert (row.line, row.field) == (3, "event_id")
    assert row.raw.startswith("o\u2400k,wallet,")


def test_a_nul_in_a_broken_line_is_kept_marked(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "broken.ndjson"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"event_id": "a\x00\n')

    summary = imports.import_events(runtime, path)

    [row], _ = quarantine.list_quarantine(runtime, import_id=summary.import_id)
    assert (row.line, row.code, row.raw) == (2, "malformed_row", '{"event_id": "a\u2400')


@pytest.mark.parametrize("fmt", ("csv", "ndjson"))
def test_a_nul_in_a_participant_field_is_quarantined(
    runtime: Runtime, tmp_path: Path, fmt: str
) -> None:
    good = {
        "user_id": "p1",
        "enrolled_at": "2026-01-01T00:00:00+08:00",
        "consent": "true",
        "gender": "female",
        "birth_year": "1990",
        "province": "Guangdong",
    }
    rows = [good] + [
        good | {"user_id": f"p-{name}", name: value[:1] + "\x00" + value[1:]}
        for name, value in good.items()
    ]
    path = tmp_path / f"people.{fmt}"
    if fmt == "csv":
        pl.DataFrame(rows).write_csv(path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    summary = participants.import_participants(runtime, path)

    assert (summary.enrolled_or_updated, summary.rejected) == (1, len(good))
    rows_kept, _ = quarantine.list_quarantine(runtime)
    assert [r.field for r in rows_kept] == list(good)
    assert all("NUL" in r.reason and "\x00" not in r.raw + r.reason for r in rows_kept)


def _deep(levels: int) -> str:
    """A JSON list nested ``levels`` deep (text: ``json.dumps`` itself would recurse)."""
    return "[" * levels + '"x"' + "]" * levels


@pytest.mark.parametrize("fmt", ("ndjson", "json"))
def test_a_row_nested_too_deep_is_quarantined_naming_the_limit(
    runtime: Runtime, tmp_path: Path, fmt: str
) -> None:
    deep = {k: v for k, v in GOOD.items() if k != "attributes"} | {"event_id": "deep"}
    text = json.dumps(deep)[:-1] + ', "attributes": {"a": ' + _deep(100_000) + "}}"
    rows = [json.dumps(GOOD | {"event_id": "before"}), text, json.dumps(GOOD)]
    path = tmp_path / f"deep.{fmt}"
    if fmt == "ndjson":
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    else:
        path.write_text("[" + ",".join(rows) + "]", encoding="utf-8")

    summary = imports.import_events(runtime, path)

    assert (summary.new_events, summary.rejected) == (2, 1)
    [row], _ = quarantine.list_quarantine(runtime, import_id=summary.import_id)
    assert row.field == "attributes"
    assert f"limit is {MAX_JSON_DEPTH}" in row.reason


def test_attributes_text_nested_too_deep_is_quarantined(runtime: Runtime, tmp_path: Path) -> None:
    rows = [
        GOOD,
        GOOD | {"event_id": "deep", "attributes": '{"a": ' + _deep(30_000) + "}"},
        GOOD | {"event_id": "limit", "attributes": '{"a": ' + _deep(MAX_JSON_DEPTH - 1) + "}"},
    ]

    summary = imports.import_events(runtime, _write(tmp_path / "deep.csv", rows))

    assert (summary.new_events, summary.rejected) == (2, 1)
    [row], _ = quarantine.list_quarantine(runtime, import_id=summary.import_id)
    assert (row.line, row.field) == (3, "attributes")
    assert f"limit is {MAX_JSON_DEPTH}" in row.reason


def test_consent_nested_too_deep_is_quarantined(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    consent = _deep(30_000)
    pl.DataFrame(
        {"user_id": ["p1"], "enrolled_at": ["2026-01-01T00:00:00+08:00"], "consent": [consent]}
    ).write_csv(path)

    summary = participants.import_participants(runtime, path)

    assert summary.rejected == 1
    [row], _ = quarantine.list_quarantine(runtime)
    assert row.field == "consent" and f"limit is {MAX_JSON_DEPTH}" in row.reason


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nul_in_a_reversal_field_is_refused_naming_the_field(
    runtime: Runtime, tmp_path: Path, fmt: str
) -> None:
    good = {
        "source": "wallet",
        "event_id": "r1",
        "original_event_id": "p1",
        "reason": "refund",
        "occurred_at": "2026-11-03T10:00:00+08:00",
    }
    rows = [
        good | {"event_id": f"r-{name}", name: value[:1] + "\x00" + value[1:]}
        for name, value in good.items()
    ]

    done = reversals.import_reversals(runtime, _write(tmp_path / f"rev.{fmt}", rows))

    assert done.results == []
    assert [r.field for r in done.rejected] == list(good)
    assert all(r.reason.startswith(f"{r.field} contains a NUL") for r in done.rejected)
