"""Event validation rules, in-chunk duplicates, and the stability of dedupe_key / payload_hash."""

from __future__ import annotations

import datetime as dt
import json
import struct

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saxaul.domain.events import RejectCode
from saxaul.ingest import EventChunk, parse_event_body

KNOWN = frozenset({"metro_ride", "walk_steps"})


def event(event_id: object = "e1", **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "event_id": event_id,
        "source": "app",
        "user_id": "u1",
        "behaviour": "metro_ride",
        "occurred_at": "2026-03-01T08:15:00+08:00",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def parse(*events: dict[str, object], known: frozenset[str] | None = KNOWN) -> EventChunk:
    body = json.dumps(list(events)).encode()
    return parse_event_body(body, "application/json", known_behaviours=known, max_rows=1000)


def only_rejection(**fields: object) -> tuple[RejectCode, str | None, str]:
    chunk = parse(event(**fields))
    assert chunk.accepted.height == 0
    (rejection,) = chunk.rejected
    return rejection.code, rejection.field, rejection.reason


def test_naive_timestamp_is_refused_with_an_example() -> None:
    code, field, reason = only_rejection(occurred_at="2026-03-01 08:00")
    assert (code, field) == (RejectCode.INVALID_TIMESTAMP, "occurred_at")
    assert reason == (
        "occurred_at '2026-03-01 08:00' has no UTC offset; send e.g. 2026-03-01T08:00:00+08:00"
    )


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-01T08:15:00+08:00", dt.datetime(2026, 3, 1, 0, 15)),
        ("2026-03-01T00:15:00Z", dt.datetime(2026, 3, 1, 0, 15)),
        ("2026-03-01T08:15:00+0800", dt.datetime(2026, 3, 1, 0, 15)),
        ("2026-03-01T00:15:00.250Z", dt.datetime(2026, 3, 1, 0, 15, 0, 250000)),
        ("2026-03-01T08:15:00.000001-05:30", dt.datetime(2026, 3, 1, 13, 45, 0, 1)),
        ("2026-03-01T08:15:00.5+0800", dt.datetime(2026, 3, 1, 0, 15, 0, 500000)),
        ("2026-03-01T08:15:00.1234567+08:00", dt.datetime(2026, 3, 1, 0, 15, 0, 123456)),
        ("2026-03-01 08:15:00+08:00", dt.datetime(2026, 3, 1, 0, 15)),
        ("2026-03-01T08:15+08:00", dt.datetime(2026, 3, 1, 0, 15)),
        ("2026-03-01T08:15:00+08", dt.datetime(2026, 3, 1, 0, 15)),
        ("2026-02-28T20:15:00-05:00", dt.datetime(2026, 3, 1, 1, 15)),
    ],
)
def test_timestamps_with_an_offset_are_converted_to_utc(text: str, utc: dt.datetime) -> None:
    chunk = parse(event(occurred_at=text))
    assert chunk.rejected == []
    assert chunk.accepted["occurred_at"].to_list() == [utc.replace(tzinfo=dt.UTC)]


@pytest.mark.parametrize("text", ["yesterday", "2026-02-30T08:00:00Z", "2026-03-01T25:00:00Z"])
def test_impossible_timestamps_are_refused(text: str) -> None:
    code, field, reason = only_rejection(occurred_at=text)
    assert (code, field) == (RejectCode.INVALID_TIMESTAMP, "occurred_at")
    assert "not an ISO 8601 time" in reason


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"event_id": ""}, RejectCode.MISSING_FIELD, "event_id"),
        ({"source": None}, RejectCode.MISSING_FIELD, "source"),
        ({"user_id": "u" * 129}, RejectCode.INVALID_VALUE, "user_id"),
        ({"event_id": "e" * 129}, RejectCode.INVALID_VALUE, "event_id"),
        ({"source": "s" * 65}, RejectCode.INVALID_VALUE, "source"),
        ({"event_id": " e1"}, RejectCode.INVALID_VALUE, "event_id"),
        ({"source": "a\x1fb"}, RejectCode.INVALID_VALUE, "source"),
        ({"behaviour": "rocket"}, RejectCode.UNKNOWN_BEHAVIOUR, "behaviour"),
        ({"occurred_at": ""}, RejectCode.MISSING_FIELD, "occurred_at"),
        ({"quantity": -1}, RejectCode.INVALID_VALUE, "quantity"),
        ({"quantity": 1e9 + 1}, RejectCode.INVALID_VALUE, "quantity"),
        ({"quantity": "inf"}, RejectCode.INVALID_VALUE, "quantity"),
        ({"quantity": "nan"}, RejectCode.INVALID_VALUE, "quantity"),
        ({"quantity": "lots"}, RejectCode.INVALID_VALUE, "quantity"),
        ({"amount_minor": -5}, RejectCode.INVALID_VALUE, "amount_minor"),
        ({"amount_minor": 12.5}, RejectCode.INVALID_VALUE, "amount_minor"),
        ({"currency": "RMB1"}, RejectCode.INVALID_VALUE, "currency"),
        ({"merchant_category": "123456789"}, RejectCode.INVALID_VALUE, "merchant_category"),
        ({"attributes": [1, 2]}, RejectCode.INVALID_VALUE, "attributes"),
        ({"attributes": "not json"}, RejectCode.INVALID_VALUE, "attributes"),
        ({"attributes": {"k": "v" * 4100}}, RejectCode.INVALID_VALUE, "attributes"),
    ],
)
def test_bad_values_are_rejected_with_the_field(
    fields: dict[str, object], code: RejectCode, field: str
) -> None:
    assert only_rejection(**fields)[:2] == (code, field)


@pytest.mark.parametrize(
    ("fields", "column", "value"),
    [
        ({"event_id": "e" * 128}, "event_id", "e" * 128),
        ({"quantity": 0}, "quantity", 0.0),
        ({"quantity": 1e9}, "quantity", 1e9),
        ({"quantity": " 2.5 "}, "quantity", 2.5),
        ({"amount_minor": "300.0"}, "amount_minor", 300),
        ({"amount_minor": 0}, "amount_minor", 0),
        ({"currency": "usd"}, "currency", "USD"),
        ({"merchant_category": "5411"}, "merchant_category", "5411"),
        ({"attributes": {}}, "attributes", "{}"),
        ({"attributes": {"b": 1.0, "a": [{"y": 2, "x": None}]}}, "attributes", None),
    ],
)
def test_values_at_the_bounds_are_accepted(
    fields: dict[str, object], column: str, value: object
) -> None:
    chunk = parse(event(**fields))
    assert chunk.rejected == []
    expected = '{"a":[{"x":null,"y":2}],"b":1}' if value is None else value
    assert chunk.accepted[column].to_list() == [expected]


def test_behaviour_is_not_checked_without_a_catalogue() -> None:
    assert parse(event(behaviour="anything"), known=None).accepted.height == 1


def test_first_problem_in_column_order_names_the_rejection() -> None:
    (rejection,) = parse(event(user_id="", occurred_at="nope", quantity=-1)).rejected
    assert (rejection.code, rejection.field) == (RejectCode.MISSING_FIELD, "user_id")


def test_good_rows_pass_beside_bad_ones() -> None:
    chunk = parse(event("g1"), event("b1", quantity=-1), event("g2"), event("b2", currency="x"))
    assert chunk.accepted["event_id"].to_list() == ["g1", "g2"]
    assert [r.line for r in chunk.rejected] == [1, 3]


def test_in_chunk_duplicates_are_dropped_or_rejected() -> None:
    chunk = parse(
        event("e1"),
        event("e2"),
        event("e1"),  # exact repeat: dropped and counted
        event("e1", quantity=2),  # same key, other payload: rejected
        event("e1", source="other-app"),  # other source: another event
    )
    assert chunk.accepted.select("line", "source", "event_id").rows() == [
        (0, "app", "e1"),
        (1, "app", "e2"),
        (4, "other-app", "e1"),
    ]
    assert chunk.duplicates_in_chunk == 1
    (conflict,) = chunk.rejected
    assert (conflict.line, conflict.code, conflict.field) == (
        3,
        RejectCode.DUPLICATE_IN_BATCH,
        "event_id",
    )
    assert "already appears at index 0" in conflict.reason
    assert chunk.rows_read == chunk.accepted.height + len(chunk.rejected) + 1
    # the later rows stay at hand: a stored event's rows are judged against the store instead
    assert chunk.repeats.select("line", "event_id", "exact").rows() == [
        (2, "e1", True),
        (3, "e1", False),
    ]


# --- hashing --------------------------------------------------------------------------------

GOLDEN = event(
    "evt-0001",
    source="metro-app",
    user_id="u42",
    quantity=2.5,
    amount_minor=300,
    currency="cny",
    merchant_category="4111",
    attributes={"mode": "metro", "line": "2"},
)
GOLDEN_DEDUPE_KEY = 6266488247466258928
GOLDEN_PAYLOAD_HASH = -254126451949732716


def xxh64(data: bytes, seed: int = 0) -> int:
    """Reference XXH64 (the published algorithm, in plain Python) to cross-check the plugin."""
    p1, p2, p3, p4, p5 = (
        11400714785074694791,
        14029467366897019727,
        1609587929392839161,
        9650029242287828579,
        2870177450012600261,
    )
    mask = (1 << 64) - 1

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (64 - r))) & mask

    def rnd(acc: int, lane: int) -> int:
        return (rotl((acc + lane * p2) & mask, 31) * p1) & mask

    def lane(i: int, size: int = 8) -> int:
        return int.from_bytes(data[i : i + size], "little")

    n, i = len(data), 0
    if n >= 32:
        acc = [(seed + p1 + p2) & mask, (seed + p2) & mask, seed, (seed - p1) & mask]
        while i + 32 <= n:
            acc = [rnd(a, lane(i + 8 * k)) for k, a in enumerate(acc)]
            i += 32
        h = (rotl(acc[0], 1) + rotl(acc[1], 7) + rotl(acc[2], 12) + rotl(acc[3], 18)) & mask
        for a in acc:
            h = (((h ^ rnd(0, a)) * p1) + p4) & mask
    else:
        h = (seed + p5) & mask
    h = (h + n) & mask
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, lane(i)), 27) * p1 + p4) & mask
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ ((lane(i, 4) * p1) & mask), 23) * p2 + p3) & mask
        i += 4
    while i < n:
        h = (rotl(h ^ ((data[i] * p5) & mask), 11) * p1) & mask
        i += 1
    h = ((h ^ (h >> 33)) * p2) & mask
    h = ((h ^ (h >> 29)) * p3) & mask
    return h ^ (h >> 32)


def signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def test_reference_xxh64_matches_published_vectors() -> None:
    assert xxh64(b"") == 0xEF46DB3751D8E999
    assert xxh64(b"a") == 0xD24EC4F1A98C6E5B


def test_golden_hashes_do_not_change() -> None:
    row = parse(GOLDEN).accepted.row(0, named=True)
    assert (row["dedupe_key"], row["payload_hash"]) == (GOLDEN_DEDUPE_KEY, GOLDEN_PAYLOAD_HASH)


def test_hashes_follow_the_documented_rendering() -> None:
    row = parse(GOLDEN).accepted.row(0, named=True)
    key_text = "metro-app\x1fevt-0001"
    assert row["dedupe_key"] == signed(xxh64(key_text.encode()))
    quantity_bits = struct.unpack("<q", struct.pack("<d", 2.5))[0]
    epoch_us = int(dt.datetime(2026, 3, 1, 0, 15, tzinfo=dt.UTC).timestamp()) * 1_000_000
    payload = "\x1f".join(
        [
            "saxaul.event.v1",
            "metro-app",
            "evt-0001",
            "u42",
            "metro_ride",
            str(epoch_us),
            str(quantity_bits),
            "300",
            "CNY",
            "4111",
            '{"line":"2","mode":"metro"}',
        ]
    )
    assert row["payload_hash"] == signed(xxh64(payload.encode()))


def test_absent_values_hash_apart_from_empty_ones() -> None:
    hashes = parse(
        event("e1"), event("e2", attributes={}), event("e3", merchant_category="0")
    ).accepted
    without = parse(event("e1", attributes=None)).accepted
    assert hashes["payload_hash"][0] == without["payload_hash"][0]
    assert hashes["payload_hash"].n_unique() == 3


_printable = st.characters(
    min_codepoint=0x21, max_codepoint=0x2FF, exclude_categories=("Cc", "Zs", "Zl", "Zp")
)
_text = st.text(_printable, min_size=1, max_size=12)


@settings(max_examples=50, deadline=None)
@given(
    event_id=_text,
    quantity=st.one_of(st.none(), st.floats(0, 1e9), st.integers(0, 10**9)),
    amount=st.one_of(st.none(), st.integers(0, 10**12)),
    attributes=st.one_of(
        st.none(), st.dictionaries(_text, st.one_of(_text, st.integers(), st.booleans()))
    ),
)
def test_same_event_hashes_the_same_from_json_and_ndjson(
    event_id: str, quantity: float | None, amount: int | None, attributes: dict[str, object] | None
) -> None:
    one = event(event_id, quantity=quantity, amount_minor=amount, attributes=attributes)
    as_json = parse(one, known=None).accepted
    ndjson = json.dumps(one).encode() + b"\n"
    as_ndjson = parse_event_body(
        ndjson, "application/x-ndjson", known_behaviours=None, max_rows=1
    ).accepted
    columns = ["dedupe_key", "payload_hash", "attributes", "quantity"]
    assert as_json.height == 1
    assert as_json.select(columns).equals(as_ndjson.select(columns))
    if attributes is not None:
        canonical = json.dumps(
            attributes, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert as_json["attributes"].to_list() == [canonical]


def test_accepted_frame_types() -> None:
    accepted = parse(event()).accepted
    assert accepted["occurred_at"].dtype == pl.Datetime("us", "UTC")
    assert accepted["dedupe_key"].dtype == pl.Int64
