"""What the import use case reads and writes, as set-based SQL over staged Arrow frames.

Every function here runs inside the caller's ``store.uow.bulk_transaction``: the chunk's
events, awards, balls, cap usage, quarantine rows and the import's resume cursor commit
together or not at all, so a SIGKILL between chunks loses nothing and duplicates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select

from saxaul.domain.events import Rejection
from saxaul.domain.participants import ConsentScope
from saxaul.store import partitions, tables
from saxaul.store.bulk import BulkConnection
from saxaul.store.uow import UnitOfWork

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


NUL_MARK = "\u2400"
"""What a NUL (U+0000) in kept text becomes: PostgreSQL refuses U+0000 in text, and ␀ (the
symbol for NUL) shows a reader where it was. The same on SQLite, so both stores agree."""
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
    """An import's identity, how far it has committed (rows of the source, in order), and
    which process runs it until when."""

    id: int
    rows_committed: int
    status: str
    counters: dict[str, int]
    owner: str | None = None
    lease_until_us: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """A run's hold on its import: only ``owner`` may move the cursor, until ``until_us``."""

    import_id: int
    owner: str
    until_us: int


def find_import(bulk: BulkConnection, kind: str, content_sha256: str) -> ImportCursor | None:
    """The import of this content, if one was ever started."""
    p = _params(bulk, 2)
    found = bulk.query(
        "SELECT id, rows_committed, status, counters, owner, lease_until_us, error FROM imports "
        f"WHERE kind = {p[0]} AND content_sha256 = {p[1]}",
        [kind, content_sha256],
    )
    if found.height == 0:
        return None
    row = found.row(0, named=True)
    lease = row["lease_until_us"]
    return ImportCursor(
        int(row["id"]),
        int(row["rows_committed"]),
        str(row["status"]),
        json.loads(row["counters"]),
        row["owner"],
        None if lease is None else int(lease),
        row["error"],
    )


def register_import(
    bulk: BulkConnection, kind: str, content_sha256: str, name: str, lease: Lease, now_us: int
) -> ImportCursor:
    """Record a new import, running under ``lease`` (its ``import_id`` is not known yet)."""
    p = _params(bulk, 6)
    bulk.execute(
        "INSERT INTO imports (kind, content_sha256, name, status, rows_committed, counters, "
        f"started_at_us, owner, lease_until_us) VALUES ({p[0]}, {p[1]}, {p[2]}, 'running', 0, "
        f"'{{}}', {p[3]}, {p[4]}, {p[5]})",
        [kind, content_sha256, name, now_us, lease.owner, lease.until_us],
    )
    found = find_import(bulk, kind, content_sha256)
    assert found is not None
    return found


def standing_import(
    bulk: BulkConnection, kind: str, content_sha256: str, name: str, now_us: int
) -> int:
    """The id of an import that is never run but holds quarantine rows of a source that has no
    file (a stream's messages, ``line`` from their stream sequence); recorded done on first use."""
    found = find_import(bulk, kind, content_sha256)
    if found is not None:
        return found.id
    p = _params(bulk, 5)
    bulk.execute(
        "INSERT INTO imports (kind, content_sha256, name, status, rows_committed, counters, "
        f"started_at_us, finished_at_us) VALUES ({p[0]}, {p[1]}, {p[2]}, 'done', 0, '{{}}', "
        f"{p[3]}, {p[4]})",
        [kind, content_sha256, name, now_us, now_us],
    )
    made = find_import(bulk, kind, content_sha256)
    assert made is not None
    return made.id


def claim_import(bulk: BulkConnection, lease: Lease, rows_committed: int) -> None:
    """Make ``lease`` the import's owner, running again from ``rows_committed``."""
    p = _params(bulk, 4)
    bulk.execute(
        f"UPDATE imports SET status = 'running', owner = {p[0]}, lease_until_us = {p[1]}, "
        f"rows_committed = {p[2]}, error = NULL, finished_at_us = NULL WHERE id = {p[3]}",
        [lease.owner, lease.until_us, rows_committed, lease.import_id],
    )


def advance_import(
    bulk: BulkConnection, lease: Lease, rows_committed: int, counters: Mapping[str, int]
) -> bool:
    """Move the resume cursor and the running totals, and renew the lease, in the chunk's
    transaction; ``False`` (nothing changed) when another run has taken the import over."""
    p = _params(bulk, 5)
    return _owned_update(
        bulk,
        f"rows_committed = {p[0]}, counters = {p[1]}, lease_until_us = {p[2]}",
        [rows_committed, json.dumps(dict(counters), sort_keys=True), lease.until_us],
        lease,
    )


def finish_import(bulk: BulkConnection, lease: Lease, now_us: int) -> bool:
    """Mark an import done (a later run of the same content only finds duplicates);
    ``False`` when another run has taken it over."""
    return _close(bulk, lease, "done", None, now_us)


def fail_import(bulk: BulkConnection, lease: Lease, error: str, now_us: int) -> bool:
    """Mark an import failed with why; a later run of the same content resumes at its cursor."""
    return _close(bulk, lease, "failed", keepable(error), now_us)


def _close(bulk: BulkConnection, lease: Lease, status: str, error: str | None, now_us: int) -> bool:
    p = _params(bulk, 3)
    return _owned_update(
        bulk,
        f"status = {p[0]}, error = {p[1]}, finished_at_us = {p[2]}, owner = NULL, "
        "lease_until_us = NULL",
        [status, error, now_us],
        lease,
    )


def _owned_update(
    bulk: BulkConnection, assignments: str, values: list[object], lease: Lease
) -> bool:
    """``UPDATE imports SET assignments`` while ``lease`` still owns the running import."""
    p = _params(bulk, len(values) + 2)
    found = bulk.query(
        f"UPDATE imports SET {assignments} WHERE id = {p[-2]} AND owner = {p[-1]} "
        "AND status = 'running' RETURNING id",
        [*values, lease.import_id, lease.owner],
    )
    return found.height == 1


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
    """Stored events sharing a dedupe key with the chunk: (dedupe_key, source, event_id, …);
    an event whose partition was archived comes with ``source`` NULL."""
    bulk.stage("stage_keys", pl.DataFrame({"dedupe_key": keys}))
    if bulk.sqlite:
        return bulk.query(
            "SELECT e.dedupe_key, e.source, e.event_id, e.payload_hash FROM events e "
            "JOIN stage_keys k ON k.dedupe_key = e.dedupe_key"
        )
    # partitioned: the key of an archived event is still known, its row is not (NULL source)
    return bulk.query(
        "SELECT i.dedupe_key, e.source, e.event_id, e.payload_hash "
        f"FROM {partitions.event_keys.name} i "
        "JOIN stage_keys k ON k.dedupe_key = i.dedupe_key "
        "LEFT JOIN events e ON e.dedupe_key = i.dedupe_key AND e.day = i.day"
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
    ids = partitions.award_ids(bulk.sqlite)
    return int(bulk.scalar(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {ids}"))


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
ERASED = "SELECT user_id FROM participants WHERE erased_at_us IS NOT NULL"


def upsert_participants(bulk: BulkConnection, participants: pl.DataFrame) -> None:
    """Enrol or update participants and their separately stored demographics.

    An opt-out (``withdrawn_at_us``) is never cleared by a re-import: withdrawing is the
    participant's own act and only they can undo it. An erased participant's rows are left
    out: a file the operator kept from before the erasure must not bring them back.
    """
    if participants.height == 0:
        return
    bulk.stage("stage_participants", participants.select(PARTICIPANT_COLUMNS))
    bulk.stage("stage_demographics", participants.select(DEMOGRAPHIC_COLUMNS))
    for stage in ("stage_participants", "stage_demographics"):
        bulk.execute(f"DELETE FROM {stage} WHERE user_id IN ({ERASED})")
    bulk.upsert_from_stage(
        "participants",
        ("user_id",),
        ("enrolled_at_us", "consent_scopes", "consent_at_us", "updated_at_us"),
        "stage_participants",
    )
    bulk.upsert_from_stage(
        "demographics", ("user_id",), DEMOGRAPHIC_COLUMNS[1:], "stage_demographics"
    )


def keepable(text: str) -> str:
    """``text`` as any store can keep it (NUL shown as ``NUL_MARK``)."""
    return text.replace("\x00", NUL_MARK)


def quarantine_frame(
    import_id: int, rejected: list[Rejection], location: str, now_us: int
) -> pl.DataFrame:
    """Refused rows as a frame ready for ``quarantine_rows`` (text made ``keepable``)."""
    frame = pl.DataFrame(
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
    return frame.with_columns(
        pl.col("field", "reason", "raw").str.replace_all("\x00", NUL_MARK, literal=True)
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


def latest_imports(conn: UnitOfWork, limit: int) -> list[dict[str, Any]]:
    """The latest ``limit`` imports, newest first, as the columns an operator's list shows."""
    query = (
        select(
            tables.imports.c.id,
            tables.imports.c.kind,
            tables.imports.c.name,
            tables.imports.c.status,
            tables.imports.c.rows_committed,
            tables.imports.c.started_at_us,
            tables.imports.c.finished_at_us,
            tables.imports.c.owner,
            tables.imports.c.error,
        )
        .order_by(tables.imports.c.id.desc())
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]
