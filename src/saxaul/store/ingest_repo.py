"""What the import use case reads and writes, as set-based SQL over staged Arrow frames.

Every function here runs inside the caller's ``BulkConnection.transaction()``: the chunk's
events, awards, balls, cap usage, quarantine rows and the import's resume cursor commit
together or not at all, so a SIGKILL between chunks loses nothing and duplicates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from saxaul.domain.events import Rejection
from saxaul.domain.participants import ConsentScope
from saxaul.store import tables
from saxaul.store.bulk import BulkConnection

EVENT_COLUMNS = (
    "dedupe_key",
    "source",
    "event_id",
    "user_id",
    "behaviour",
    "occurred_at_us",
    "quantity",
    "amount_minor",
    "currency",
    "merchant_category",
    "attributes",
    "payload_hash",
    "import_id",
    "status",
    "day",
    "raw_mg",
    "credited_mg",
    "award_id",
)
AWARD_COLUMNS = (
    "id",
    "import_id",
    "user_id",
    "behaviour",
    "day",
    "pack_id",
    "pack_version",
    "factor_ids",
    "avoided_mg",
    "energy_g",
    "events_counted",
    "events_scored",
    "created_at_us",
)
QUARANTINE_COLUMNS = (
    "import_id",
    "line",
    "location",
    "code",
    "field",
    "reason",
    "raw",
    "created_at_us",
)


PROBE_KEYS = 32
# Participants who consented to scoring at some time; the time window itself is checked per
# event by the kernel (``domain.participants.may_score``).
SCORING_CONSENT = (
    "{p}consent_at_us IS NOT NULL AND {p}consent_scopes LIKE '%" + ConsentScope.SCORING + "%'"
)
USAGE_KEY = ("period_key", "behaviour", "user_id")
USAGE_SCHEMA = {
    "user_id": pl.String,
    "behaviour": pl.String,
    "period_key": pl.Int32,
    "counted": pl.Int64,
    "credited_mg": pl.Int64,
}


def _params(bulk: BulkConnection, count: int) -> list[str]:
    return ["?"] * count if bulk.sqlite else [f"${i}" for i in range(1, count + 1)]


@dataclass(frozen=True, slots=True)
class ImportCursor:
    """An import's identity and how far it has committed (rows of the source, in order)."""

    id: int
    rows_committed: int
    status: str
    counters: dict[str, int]


def open_import(
    bulk: BulkConnection, kind: str, content_sha256: str, name: str, now_us: int
) -> ImportCursor:
    """Find the import of this content, or register it; a re-run resumes from its cursor."""
    p = _params(bulk, 5)
    found = bulk.query(
        f"SELECT id, rows_committed, status, counters FROM imports "
        f"WHERE kind = {p[0]} AND content_sha256 = {p[1]}",
        [kind, content_sha256],
    )
    if found.height == 0:
        bulk.execute(
            f"INSERT INTO imports (kind, content_sha256, name, status, rows_committed, counters,"
            f" started_at_us) VALUES ({p[0]}, {p[1]}, {p[2]}, 'running', 0, '{{}}', {p[3]})",
            [kind, content_sha256, name, now_us],
        )
        return open_import(bulk, kind, content_sha256, name, now_us)
    row = found.row(0, named=True)
    return ImportCursor(
        int(row["id"]), int(row["rows_committed"]), str(row["status"]), json.loads(row["counters"])
    )


def advance_import(
    bulk: BulkConnection, import_id: int, rows_committed: int, counters: Mapping[str, int]
) -> None:
    """Move the resume cursor and the running totals, in the chunk's transaction."""
    p = _params(bulk, 3)
    bulk.execute(
        f"UPDATE imports SET rows_committed = {p[0]}, counters = {p[1]} WHERE id = {p[2]}",
        [rows_committed, json.dumps(dict(counters), sort_keys=True), import_id],
    )


def finish_import(bulk: BulkConnection, import_id: int, now_us: int) -> None:
    """Mark an import done (a later run of the same content only finds duplicates)."""
    p = _params(bulk, 2)
    bulk.execute(
        f"UPDATE imports SET status = 'done', finished_at_us = {p[0]} WHERE id = {p[1]}",
        [now_us, import_id],
    )


def consent_of(bulk: BulkConnection, user_ids: pl.Series) -> pl.DataFrame:
    """Consent windows of the given users who agreed to scoring (others are simply absent)."""
    bulk.stage("stage_users", pl.DataFrame({"user_id": user_ids.unique()}))
    return _consent_shape(
        bulk.query(
            "SELECT p.user_id, p.consent_at_us, p.withdrawn_at_us FROM participants p "
            "JOIN stage_users s ON s.user_id = p.user_id "
            f"WHERE {SCORING_CONSENT.format(p='p.')}"
        )
    )


def _consent_shape(frame: pl.DataFrame) -> pl.DataFrame:
    """The scoring kernel's participants shape (typed even when empty: SQLite can't say)."""
    return frame.select(
        pl.col("user_id").cast(pl.String),
        pl.col("consent_at_us").cast(pl.Int64).cast(pl.Datetime("us", "UTC")).alias("consent_at"),
        pl.col("withdrawn_at_us")
        .cast(pl.Int64)
        .cast(pl.Datetime("us", "UTC"))
        .alias("withdrawn_at"),
    )


def cap_usage_of(bulk: BulkConnection, groups: pl.DataFrame) -> pl.DataFrame:
    """Stored cap usage for (user_id, behaviour, period_key) groups.

    Periods with no stored usage at all (the usual case for the first chunk of a new day) are
    found with one index probe each and skip the join entirely.
    """
    periods = sorted(int(p) for p in groups["period_key"].unique().drop_nulls())
    if periods:
        marks = ", ".join(_params(bulk, len(periods)))
        used = bulk.query(
            f"SELECT DISTINCT period_key FROM cap_usage WHERE period_key IN ({marks})", periods
        )
        periods = [int(p) for p in used["period_key"]] if used.height else []
    if not periods:
        return pl.DataFrame(schema=USAGE_SCHEMA)
    bulk.stage("stage_groups", groups.filter(pl.col("period_key").is_in(periods)))
    return bulk.query(
        "SELECT u.user_id, u.behaviour, u.period_key, u.counted, u.credited_mg "
        "FROM cap_usage u JOIN stage_groups g ON g.period_key = u.period_key "
        "AND g.behaviour = u.behaviour AND g.user_id = u.user_id"
    ).select(pl.col(name).cast(dtype) for name, dtype in USAGE_SCHEMA.items())


def existing_events(bulk: BulkConnection, keys: pl.Series) -> pl.DataFrame:
    """Stored events sharing a dedupe key with the chunk: (dedupe_key, source, event_id, …)."""
    bulk.stage("stage_keys", pl.DataFrame({"dedupe_key": keys}))
    return bulk.query(
        "SELECT e.dedupe_key, e.source, e.event_id, e.payload_hash FROM events e "
        "JOIN stage_keys k ON k.dedupe_key = e.dedupe_key"
    )


def any_stored(bulk: BulkConnection, keys: pl.Series) -> bool:
    """Whether any of a few dedupe keys is stored already (one index probe each)."""
    sample = [int(k) for k in keys.head(PROBE_KEYS)]
    if not sample:
        return False
    marks = ", ".join(_params(bulk, len(sample)))
    found = bulk.scalar(f"SELECT COUNT(*) FROM events WHERE dedupe_key IN ({marks})", sample)
    return bool(found)


def insert_events(bulk: BulkConnection, events: pl.DataFrame) -> None:
    """Append scored events in dedupe-key order (one sweep of the unique index).

    Raises ``UniqueViolation`` if any key is already stored: the caller rolls back and takes
    the exact path, so new data is written once, with no staging copy.
    """
    bulk.append(tables.events, events.select(EVENT_COLUMNS).sort("dedupe_key"))


def next_award_id(bulk: BulkConnection) -> int:
    """The first free award id (safe: the caller holds the ingest lock)."""
    return int(bulk.scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM awards"))


def insert_awards(bulk: BulkConnection, awards: pl.DataFrame) -> None:
    """Append awards (ids from ``next_award_id``); each worth ≥ 1 g is an energy ball."""
    if awards.height:
        bulk.append(tables.awards, awards.select(AWARD_COLUMNS))


def save_cap_usage(bulk: BulkConnection, usage: pl.DataFrame, prior: pl.DataFrame) -> None:
    """Write the new cap totals: append groups seen for the first time, update the others."""
    if usage.height == 0:
        return
    known = prior.select(USAGE_KEY)
    fresh = usage.join(known, on=list(USAGE_KEY), how="anti")
    if fresh.height:
        bulk.append(tables.cap_usage, fresh.sort(list(USAGE_KEY)))
    seen = usage.join(known, on=list(USAGE_KEY), how="semi")
    if seen.height:
        bulk.stage("stage_usage", seen)
        bulk.upsert_from_stage("cap_usage", USAGE_KEY, ("counted", "credited_mg"), "stage_usage")


def quarantine_rows(bulk: BulkConnection, rows: pl.DataFrame) -> int:
    """Keep refused rows for inspection; a re-run of the same import adds no second copy."""
    if rows.height == 0:
        return 0
    bulk.stage("stage_quarantine", rows.select(QUARANTINE_COLUMNS))
    return bulk.insert_from_stage(
        "quarantine", QUARANTINE_COLUMNS, "stage_quarantine", conflict="import_id, line"
    )


PARTICIPANT_COLUMNS = (
    "user_id",
    "enrolled_at_us",
    "consent_scopes",
    "consent_at_us",
    "updated_at_us",
)
DEMOGRAPHIC_COLUMNS = ("user_id", "gender", "birth_year", "province")


def upsert_participants(bulk: BulkConnection, participants: pl.DataFrame) -> None:
    """Enrol or update participants and their separately stored demographics.

    An opt-out (``withdrawn_at_us``) is never cleared by a re-import: withdrawing is the
    participant's own act and only they can undo it.
    """
    if participants.height == 0:
        return
    bulk.stage("stage_participants", participants.select(PARTICIPANT_COLUMNS))
    bulk.upsert_from_stage(
        "participants",
        ("user_id",),
        ("enrolled_at_us", "consent_scopes", "consent_at_us", "updated_at_us"),
        "stage_participants",
    )
    bulk.stage("stage_demographics", participants.select(DEMOGRAPHIC_COLUMNS))
    bulk.upsert_from_stage(
        "demographics", ("user_id",), DEMOGRAPHIC_COLUMNS[1:], "stage_demographics"
    )


def quarantine_frame(
    import_id: int, rejected: list[Rejection], location: str, now_us: int
) -> pl.DataFrame:
    """Refused rows as a frame ready for ``quarantine_rows``."""
    return pl.DataFrame(
        {
            "import_id": [import_id] * len(rejected),
            "line": [r.line for r in rejected],
            "location": [location] * len(rejected),
            "code": [str(r.code) for r in rejected],
            "field": [r.field for r in rejected],
            "reason": [r.reason for r in rejected],
            "raw": [r.raw for r in rejected],
            "created_at_us": [now_us] * len(rejected),
        },
        schema={
            "import_id": pl.Int64,
            "line": pl.Int64,
            "location": pl.Utf8,
            "code": pl.Utf8,
            "field": pl.Utf8,
            "reason": pl.Utf8,
            "raw": pl.Utf8,
            "created_at_us": pl.Int64,
        },
    )


def stored_events_for_rescore(bulk: BulkConnection, behaviours: frozenset[str]) -> pl.DataFrame:
    """Stored events of the given behaviours in the kernel's input shape (plus credited_mg)."""
    if not behaviours:
        return pl.DataFrame()
    placeholders = ", ".join(_params(bulk, len(behaviours)))
    frame = bulk.query(
        "SELECT dedupe_key AS row, user_id, behaviour, occurred_at_us, quantity, amount_minor, "
        f"attributes, credited_mg FROM events WHERE behaviour IN ({placeholders})",
        sorted(behaviours),
    )
    return frame.with_columns(
        pl.col("row").cast(pl.Int64),
        pl.col("occurred_at_us").cast(pl.Datetime("us", "UTC")).alias("occurred_at"),
    )


def all_consent(bulk: BulkConnection) -> pl.DataFrame:
    """Every participant's scoring-consent window, in the kernel's participants shape."""
    return _consent_shape(
        bulk.query(
            "SELECT user_id, consent_at_us, withdrawn_at_us FROM participants "
            f"WHERE {SCORING_CONSENT.format(p='')}"
        )
    )
