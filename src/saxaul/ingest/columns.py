"""Column names, limits and the canonical output schemas of ingest: the contract with the store.

Why one module: the readers, the validators, the tests and the store's table definitions must
agree on names, order and bounds. Example: a CSV header ``event_id,source,user_id,behaviour,
occurred_at`` names every required event column; ``EVENT_SCHEMA`` is what survives validation.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

Location = Literal["line", "index"]
"""What ``line`` counts: ``"line"`` = 1-based physical line, ``"index"`` = 0-based row/element."""

LINE: Final = "line"
SOURCE_LINE: Final = "__saxaul_line"
"""Internal: ``line`` while a file's own columns (which may include a "line") are alongside."""
POS: Final = "__saxaul_pos"
"""Internal: absolute data-row position (resume offset) of a row in its file."""
ROW: Final = "__saxaul_row"
"""Internal: 0-based row number inside one chunk, to find a rejected row's input again."""

EVENT_FIELDS: Final = (
    "event_id",
    "source",
    "user_id",
    "behaviour",
    "occurred_at",
    "quantity",
    "amount_minor",
    "currency",
    "merchant_category",
    "attributes",
)
"""Event input columns, in the order that decides which problem a bad row is rejected for."""
EVENT_REQUIRED: Final = ("event_id", "source", "user_id", "behaviour", "occurred_at")

NESTED_FIELDS: Final = ("attributes", "consent")
"""Fields whose JSON value may be an object or a list (kept as JSON text)."""

PARTICIPANT_FIELDS: Final = (
    "user_id",
    "enrolled_at",
    "consent",
    "gender",
    "birth_year",
    "province",
)
PARTICIPANT_REQUIRED: Final = ("user_id", "enrolled_at")

MAX_CHARS: Final[dict[str, int]] = {
    "source": 64,
    "event_id": 128,
    "user_id": 128,
    "behaviour": 64,
    "merchant_category": 8,
    "attributes": 4096,
    "province": 64,
}
"""Upper bounds in characters; ``attributes`` is measured as canonical compact JSON."""
QUANTITY_MAX: Final = 1e9
AMOUNT_MINOR_MAX: Final = 2**63 - 1
"""``amount_minor`` is stored as a 64-bit integer."""
BIRTH_YEAR_MIN: Final = 1900
BIRTH_YEAR_MAX: Final = 2026
RAW_MAX_CHARS: Final = 2000
"""A rejection keeps at most this much of the row's raw text."""
MAX_JSON_DEPTH: Final = 32
"""Deepest nesting of objects and lists in one field's JSON value (``{"a": [1]}`` is 2 deep).

Why a bound: Python's ``json`` recurses once per level and fails near 1,000; a row nested
deeper than this is refused with a reason instead, long before any parser can be exhausted.
"""

UTC_US: Final = pl.Datetime("us", "UTC")

EVENT_SCHEMA: Final = pl.Schema(
    {
        LINE: pl.Int64(),
        "source": pl.String(),
        "event_id": pl.String(),
        "user_id": pl.String(),
        "behaviour": pl.String(),
        "occurred_at": UTC_US,
        "quantity": pl.Float64(),
        "amount_minor": pl.Int64(),
        "currency": pl.String(),
        "merchant_category": pl.String(),
        "attributes": pl.String(),
        "dedupe_key": pl.Int64(),
        "payload_hash": pl.Int64(),
    }
)
"""Accepted events. ``dedupe_key`` identifies (source, event_id); ``payload_hash`` its content."""

PARTICIPANT_SCHEMA: Final = pl.Schema(
    {
        LINE: pl.Int64(),
        "user_id": pl.String(),
        "enrolled_at": UTC_US,
        "consent_scopes": pl.String(),
        "gender": pl.String(),
        "birth_year": pl.Int32(),
        "province": pl.String(),
    }
)
"""Accepted participants; ``consent_scopes`` is sorted and ';'-joined, '' when none."""
