"""``attributes`` reaches the same canonical JSON text from every format, fast path or not."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saxaul.ingest import iter_event_chunks, parse_event_body
from saxaul.ingest.attributes import canonical_json
from saxaul.ingest.checks import Problem

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_objects = st.dictionaries(st.text(max_size=6), _values, max_size=5)


def expected(value: object) -> str:
    """The documented canonical form, written independently of the implementation."""

    def norm(v: object) -> object:
        if isinstance(v, float) and v.is_integer() and abs(v) < 2.0**53:
            return int(v)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    return json.dumps(norm(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event(attributes: dict[str, object]) -> dict[str, object]:
    return {
        "event_id": "e1",
        "source": "app",
        "user_id": "u1",
        "behaviour": "walk",
        "occurred_at": "2026-03-01T08:00:00Z",
        "attributes": attributes,
    }


def via_csv(attributes: dict[str, object], pretty: bool) -> list[str | None]:
    row = event(attributes)
    text = json.dumps(attributes, indent=1 if pretty else None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(row))
    writer.writerow([*list(row.values())[:-1], text])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        (chunk,) = iter_event_chunks(path, known_behaviours=None)
    assert chunk.rejected == []
    return chunk.accepted["attributes"].to_list()


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(attributes=_objects, pretty=st.booleans())
def test_every_format_gives_the_canonical_text(attributes: dict[str, object], pretty: bool) -> None:
    canonical = expected(attributes)
    ndjson = (json.dumps(event(attributes)) + "\n").encode()
    array = json.dumps([event(attributes)], indent=2 if pretty else None).encode()
    from_ndjson = parse_event_body(
        ndjson, "application/x-ndjson", known_behaviours=None, max_rows=1
    ).accepted["attributes"]
    from_array = parse_event_body(
        array, "application/json", known_behaviours=None, max_rows=1
    ).accepted["attributes"]
    if len(canonical) > 4096:
        return
    assert from_ndjson.to_list() == [canonical]
    assert from_array.to_list() == [canonical]
    assert via_csv(attributes, pretty) == [canonical]


def test_canonical_json_examples() -> None:
    assert canonical_json('{ "mode": "metro", "line": 2.0 }') == '{"line":2,"mode":"metro"}'
    assert canonical_json('{"b": [1.0, {"z": 1, "a": 2}], "a": "é"}') == (
        '{"a":"é","b":[1,{"a":2,"z":1}]}'
    )
    assert canonical_json('{"big": 1e300, "x": -0.0}') == '{"big":1e+300,"x":0}'
    assert canonical_json("[1]") is Problem.NOT_OBJECT
    assert canonical_json('{"x": NaN}') is Problem.NOT_OBJECT
    assert canonical_json('{"x": 1e400}') is Problem.NOT_OBJECT
