"""What a scoring job reads: events, participants and prior usage as Parquet, and their columns.

Events come in either of two layouts: the archive's (``saxaul archive export``: a root with
``manifest.json`` whose ``events/month=YYYY-MM/`` folders are read) or a plain directory of
Parquet files (nested ``key=value`` folders allowed). Columns are found by name, so an
archive's ``dedupe_key`` and ``occurred_at_us`` serve as ``row`` and the instant; see
``EVENT_COLUMNS``. Both engines read the same columns into the same wire shape (``WIRE``):
the instant as integer microseconds, so no engine converts it through a session time zone.

An archive's events hold their payment details sealed (column ``payment``, read by no engine):
the caller opens them (``services.file_scoring``, with the store's keys) and hands them over
as ``PAID`` rows, which both engines put in place of the missing columns (``with_paid``).

Example: a directory with ``dedupe_key, user_id, behaviour, occurred_at (timestamp),
quantity`` → wire columns ``row ← dedupe_key``, ``occurred_at_us ← occurred_at``, and
``amount_minor``, ``attributes``, ``credited_mg`` all null.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.domain.participants import ConsentScope
from saxaul.scoring.table import PARTICIPANTS_SCHEMA, USAGE_SCHEMA

ARCHIVE_MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class EventColumn:
    """One wire column: the input names it may be read from (first found wins)."""

    name: str
    sources: tuple[str, ...]
    dtype: pl.DataType
    required: bool


EVENT_COLUMNS: tuple[EventColumn, ...] = (
    EventColumn("row", ("row", "dedupe_key"), pl.Int64(), True),
    EventColumn("user_id", ("user_id",), pl.String(), True),
    EventColumn("behaviour", ("behaviour",), pl.String(), True),
    EventColumn("occurred_at_us", ("occurred_at_us", "occurred_at"), pl.Int64(), True),
    EventColumn("quantity", ("quantity",), pl.Float64(), True),
    EventColumn("amount_minor", ("amount_minor",), pl.Int64(), False),
    EventColumn("attributes", ("attributes",), pl.String(), False),
    EventColumn("credited_mg", ("credited_mg",), pl.Int64(), False),
)
"""``row``: the event's unique identity (int64), kept in every outcome; ``occurred_at``: a UTC
timestamp, or ``occurred_at_us`` as microseconds; ``credited_mg``: a stored credit, read only
by a restatement."""

INSTANT_SOURCE = "occurred_at"
"""The one source that is a timestamp, converted to microseconds on reading."""

WIRE: dict[str, pl.DataType] = {c.name: c.dtype for c in EVENT_COLUMNS}

PAID: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "amount_minor": pl.Int64(),
    "attributes": pl.String(),
}
"""Payment details opened outside the engine, by event ``row``: they fill the events' own
(absent, so null) columns."""
PAID_SUFFIX = "__paid"


def with_paid(wire: pl.DataFrame, paid: pl.DataFrame | None) -> pl.DataFrame:
    """Wire-shaped events with ``paid``'s details where their own are null (the Polars
    engine's join; ``spark`` does the same in Spark)."""
    if paid is None or paid.is_empty():
        return wire
    joined = wire.join(paid, on="row", how="left", suffix=PAID_SUFFIX)
    return joined.select(
        pl.coalesce(name, f"{name}{PAID_SUFFIX}").alias(name)
        if name in PAID and name != "row"
        else pl.col(name)
        for name in WIRE
    )


def event_sources(columns: Iterable[str]) -> dict[str, str | None]:
    """Wire column → the input column it is read from (``None``: absent, read as null).

    Refused (``InputRejected``) if a required column has no source.
    """
    present = set(columns)
    found = {c.name: next((s for s in c.sources if s in present), None) for c in EVENT_COLUMNS}
    missing = [
        " or ".join(c.sources) for c in EVENT_COLUMNS if c.required and found[c.name] is None
    ]
    if missing:
        raise InputRejected(
            f"the events have no column {', '.join(missing)} (they have {sorted(present)})",
            code="invalid_events",
        )
    return found


def events_root(path: Path) -> Path:
    """The folder holding the events' Parquet files: an archive's ``events/``, else ``path``."""
    if (path / ARCHIVE_MANIFEST).is_file():
        path = path / "events"
    if not path.is_dir() or not any(path.rglob("*.parquet")):
        raise InputRejected(f"no Parquet event files under {path}", code="invalid_events")
    return path


def read_events(path: Path) -> pl.DataFrame:
    """Every event under ``path`` in the wire shape (the Polars engine's reader)."""
    scan = pl.scan_parquet(events_root(path) / "**" / "*.parquet", hive_partitioning=True)
    sources = event_sources(scan.collect_schema().names())

    def column(name: str, dtype: pl.DataType) -> pl.Expr:
        source = sources[name]
        if source is None:
            return pl.lit(None, dtype).alias(name)
        if source == INSTANT_SOURCE:
            return pl.col(source).dt.epoch("us").alias(name)
        return pl.col(source).cast(dtype).alias(name)

    return scan.select(column(n, t) for n, t in WIRE.items()).collect()


def repeated_rows(examples: list[int]) -> InputRejected:
    """The refusal of events whose ``row`` repeats: the kernel keys outcomes by it."""
    return InputRejected(
        f"event rows (row or dedupe_key) repeat, e.g. {examples}: each event needs its own",
        code="invalid_events",
    )


def _read_frame(path: Path, what: str) -> pl.DataFrame:
    files = [path] if path.is_file() else sorted(path.rglob("*.parquet"))
    if not files:
        raise InputRejected(f"no Parquet {what} file at {path}", code=f"invalid_{what}")
    try:
        return pl.read_parquet(files, hive_partitioning=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputRejected(f"{what} at {path} unreadable: {exc}", code=f"invalid_{what}") from exc


def _instant(frame: pl.DataFrame, name: str, required: bool) -> pl.Expr:
    """Column ``name`` (a timestamp) or ``name_us`` (microseconds) as a UTC timestamp."""
    if f"{name}_us" in frame.columns:
        return pl.from_epoch(pl.col(f"{name}_us"), "us").dt.replace_time_zone("UTC").alias(name)
    if name in frame.columns:
        column = pl.col(name)
        zone = frame.schema[name]
        if isinstance(zone, pl.Datetime) and zone.time_zone is None:
            column = column.dt.replace_time_zone("UTC")
        return column.dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias(name)
    if required:
        raise InputRejected(
            f"the participants have no column {name} or {name}_us", code="invalid_participants"
        )
    return pl.lit(None, PARTICIPANTS_SCHEMA[name]).alias(name)


def read_participants(path: Path) -> pl.DataFrame:
    """Participants holding the scoring scope: ``user_id``, ``consent_at``, ``withdrawn_at``
    (each instant a timestamp or ``…_us`` microseconds), one row per user; with a
    ``consent_scopes`` column (an archive's participants), only rows whose scopes hold
    ``scoring``, as the store scores."""
    frame = _read_frame(path, "participants")
    if "user_id" not in frame.columns:
        raise InputRejected("the participants have no column user_id", code="invalid_participants")
    if "consent_scopes" in frame.columns:
        scopes = pl.col("consent_scopes").str.split(";")
        frame = frame.filter(scopes.list.contains(pl.lit(ConsentScope.SCORING.value)))
    participants = frame.select(
        pl.col("user_id").cast(pl.String),
        _instant(frame, "consent_at", True),
        _instant(frame, "withdrawn_at", False),
    ).filter(pl.col("consent_at").is_not_null())
    repeated = participants.filter(pl.col("user_id").is_duplicated())["user_id"].unique()
    if repeated.len():
        raise InputRejected(
            f"participants repeat user ids, e.g. {repeated.head(3).to_list()}",
            code="invalid_participants",
        )
    return participants


def read_prior(path: Path | None) -> pl.DataFrame:
    """Cap usage of earlier batches (``USAGE_SCHEMA``, e.g. an earlier job's ``usage/``)."""
    if path is None:
        return pl.DataFrame(schema=USAGE_SCHEMA)
    frame = _read_frame(path, "usage")
    missing = [name for name in USAGE_SCHEMA if name not in frame.columns]
    if missing:
        raise InputRejected(f"the prior usage has no column {missing}", code="invalid_usage")
    usage = frame.select(pl.col(n).cast(t) for n, t in USAGE_SCHEMA.items())
    if usage.select(pl.struct("user_id", "behaviour", "period_key").is_duplicated().any()).item():
        raise InputRejected("the prior usage repeats a key", code="invalid_usage")
    return usage
