"""NDJSON and JSON-array files, and HTTP bulk bodies (including bodies refused as a whole)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from saxaul.domain.errors import InputRejected
from saxaul.domain.events import RejectCode
from saxaul.ingest import EVENT_SCHEMA, iter_event_chunks, jsonfile, parse_event_body

KNOWN = frozenset({"metro_ride", "walk_steps"})


def event(event_id: str, **extra: object) -> dict[str, object]:
    return {
        "event_id": event_id,
        "source": "app",
        "user_id": "u1",
        "behaviour": "metro_ride",
        "occurred_at": "2026-03-01T08:15:00+08:00",
        **extra,
    }


def line(event_id: str, **extra: object) -> str:
    return json.dumps(event(event_id, **extra))


def test_ndjson_happy_path_reads_numbers_and_objects(tmp_path: Path) -> None:
    path = tmp_path / "day.ndjson"
    path.write_text(
        line("e1", quantity=2.5, amount_minor=300, currency="cny", attributes={"z": 1, "a": "x"})
        + "\n"
        + line("e2", behaviour="walk_steps", quantity="8000")
        + "\n"
    )
    (chunk,) = iter_event_chunks(path, known_behaviours=KNOWN)
    assert chunk.rejected == []
    assert chunk.location == "line"
    assert chunk.accepted.schema == EVENT_SCHEMA
    assert chunk.accepted.select(
        "line", "quantity", "amount_minor", "currency", "attributes"
    ).rows() == [
        (1, 2.5, 300, "CNY", '{"a":"x","z":1}'),
        (2, 8000.0, None, None, None),
    ]


def test_ndjson_broken_lines_are_rejected_by_line(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl"
    path.write_text(
        "\n".join(
            [
                line("g1"),  # 1
                '{"event_id": "b1", "source": ',  # 2 broken JSON
                "",  # 3 blank: not a row
                line("g2"),  # 4
                "[1, 2]",  # 5 not an object
                '{"event_id": "b3", "quantity": NaN}',  # 6 not JSON
                line("g3", occurred_at="2026-03-01 08:15"),  # 7 naive time
                line("g4"),  # 8
            ]
        )
    )
    (chunk,) = iter_event_chunks(path, known_behaviours=KNOWN)
    assert chunk.accepted["event_id"].to_list() == ["g1", "g2", "g4"]
    assert chunk.accepted["line"].to_list() == [1, 4, 8]
    assert [(r.line, r.code) for r in chunk.rejected] == [
        (2, RejectCode.MALFORMED_ROW),
        (5, RejectCode.MALFORMED_ROW),
        (6, RejectCode.MALFORMED_ROW),
        (7, RejectCode.INVALID_TIMESTAMP),
    ]
    assert chunk.rejected[0].raw == '{"event_id": "b1", "source": '
    assert chunk.rejected[3].raw == line("g3", occurred_at="2026-03-01 08:15")
    assert chunk.rows_read == 7 == chunk.end_row


@pytest.mark.parametrize("block_bytes", [1, 50, 4096])
def test_ndjson_block_size_does_not_matter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    path = tmp_path / "day.ndjson"
    path.write_text("\n".join([line("g1"), "{oops", "", line("g2"), "  ", line("g3")]) + "\n")
    (whole,) = iter_event_chunks(path, known_behaviours=KNOWN)
    monkeypatch.setattr(jsonfile, "BLOCK_BYTES", block_bytes)
    (pieces,) = iter_event_chunks(path, known_behaviours=KNOWN)
    assert pieces.accepted.equals(whole.accepted)
    assert pieces.rejected == whole.rejected
    assert whole.accepted["line"].to_list() == [1, 4, 6]


def test_json_array_file_uses_zero_based_index(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([event("e0"), 42, event("e2", quantity=-1), event("e3")], indent=2))
    (chunk,) = iter_event_chunks(path, known_behaviours=KNOWN)
    assert chunk.location == "index"
    assert chunk.accepted.select("line", "event_id").rows() == [(0, "e0"), (3, "e3")]
    assert [(r.line, r.code, r.field) for r in chunk.rejected] == [
        (1, RejectCode.MALFORMED_ROW, None),
        (2, RejectCode.INVALID_VALUE, "quantity"),
    ]
    assert chunk.rejected[0].raw == "42"


def test_json_array_with_a_syntax_error_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text("[" + line("e0") + ", {broken}]")
    with pytest.raises(InputRejected, match="element 1"):
        list(iter_event_chunks(path, known_behaviours=KNOWN))


def test_http_json_array() -> None:
    body = json.dumps([event("e0"), event("e1", behaviour="rocket")]).encode()
    chunk = parse_event_body(
        body, "application/json; charset=utf-8", known_behaviours=KNOWN, max_rows=10
    )
    assert chunk.location == "index"
    assert chunk.accepted["event_id"].to_list() == ["e0"]
    (rejection,) = chunk.rejected
    assert (rejection.line, rejection.code) == (1, RejectCode.UNKNOWN_BEHAVIOUR)
    assert rejection.reason == "behaviour 'rocket' is not one of the accepted values"


def test_http_ndjson() -> None:
    body = (line("e0") + "\n" + "not json\n" + line("e1") + "\n").encode()
    chunk = parse_event_body(body, "application/x-ndjson", known_behaviours=KNOWN, max_rows=3)
    assert chunk.location == "line"
    assert chunk.accepted["line"].to_list() == [1, 3]
    assert [(r.line, r.code) for r in chunk.rejected] == [(2, RejectCode.MALFORMED_ROW)]


def test_http_empty_array_is_an_empty_chunk() -> None:
    chunk = parse_event_body(b"[]", "application/json", known_behaviours=KNOWN, max_rows=5)
    assert chunk.accepted.schema == EVENT_SCHEMA
    assert (chunk.accepted.height, chunk.rejected, chunk.rows_read) == (0, [], 0)


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        (b"{not json", "application/json", "body"),
        (b'{"event_id": "e0"}', "application/json", "body"),
        (b"[1, 2] 3", "application/json", "body"),
        (b"\xff\xfe[]", "application/json", "body"),
        (json.dumps([event("e0")] * 4).encode(), "application/json", "body"),
        (("\n".join([line("e0")] * 4)).encode(), "application/x-ndjson", "body"),
        (b"event_id\ne0\n", "text/csv", "content_type"),
    ],
)
def test_http_bodies_that_cannot_be_read_are_refused(
    body: bytes, content_type: str, field: str
) -> None:
    with pytest.raises(InputRejected) as refused:
        parse_event_body(body, content_type, known_behaviours=KNOWN, max_rows=3)
    assert refused.value.fields["field"] == field


def test_http_ndjson_blank_lines_do_not_count_towards_max_rows() -> None:
    body = (line("e0") + "\n\n\n\n" + line("e1") + "\n").encode()
    chunk = parse_event_body(body, "application/x-ndjson", known_behaviours=KNOWN, max_rows=2)
    assert chunk.accepted["line"].to_list() == [1, 5]
