"""``saxaul partitions ensure|list|archive``: PostgreSQL's monthly partitions kept and retired.

Why a service: the scheduled jobs make the coming months' partitions (``ensure``) so a new
month's rows never pile up in the default partition; an operator retires closed months
(``archive``) through the Parquet archive the impact report already reads back
(``services.archive``), and a month's partition is dropped only once the archive's files of
that month are read back, match their sha256 and hold as many rows as the partition. Dropping
transfers leaves each account's net in ``ledger_openings`` (``store.partitions.drop_month``),
so cached balances, debts and the ledger audit stay exact. On SQLite (not partitioned) every
operation here does nothing.

Example: ``archive_partitions(rt, Path("var/archive"), dt.date(2026, 12, 1))`` → every month
of events, awards and transfers before December exported, verified and dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from saxaul.domain.errors import InputRejected
from saxaul.reports.archive import verified_month_rows
from saxaul.reports.impact import REPORTED_KINDS
from saxaul.services.archive import export_archive
from saxaul.services.runtime import Runtime
from saxaul.store import partitions
from saxaul.store.partitions import Partition, Spec
from saxaul.store.uow import WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class Archived:
    """What an archive run did: each dropped partition and its rows."""

    before: dt.date
    dropped: dict[str, int]


def ensure_partitions(rt: Runtime) -> list[str]:
    """Make this month's partitions and the next ``rt.partition_months_ahead`` months' where
    missing (each in its own transaction); the names made."""
    with rt.db.reading() as conn:
        if not partitions.partitioned(conn):
            return []
    zone = ZoneInfo(rt.rules.timezone)
    month = rt.clock.now().astimezone(zone).date().replace(day=1)
    made = []
    for _ in range(rt.partition_months_ahead + 1):
        for spec in partitions.SPECS:
            if _create(rt, spec, month, zone):
                made.append(partitions.partition_name(spec, month))
        month = partitions.next_month(month)
    return made


def list_partitions(rt: Runtime) -> list[Partition]:
    """Every partition with its rows and bytes (empty on SQLite)."""
    with rt.db.reading() as conn:
        return partitions.partitions(conn)


def archive_partitions(rt: Runtime, out: Path, before: dt.date) -> Archived:
    """Export every month before ``before``'s month to the archive in ``out``, then drop each
    such month's partition whose archived files verify (see the module)."""
    zone = ZoneInfo(rt.rules.timezone)
    cutoff = before.replace(day=1)
    this_month = rt.clock.now().astimezone(zone).date().replace(day=1)
    if cutoff > this_month:
        raise InputRejected(
            f"only closed months are archived: --before {before} reaches past {this_month}",
            code="month_not_closed",
        )
    months = {spec: _months_before(rt, spec, cutoff, zone) for spec in partitions.SPECS}
    if not any(months.values()):
        return Archived(cutoff, {})
    export_archive(rt, out, cutoff)
    dropped: dict[str, int] = {}
    for spec, closed in months.items():
        kinds = REPORTED_KINDS if spec.archived_as == "transfers" else ()
        for month in closed:
            exported = verified_month_rows(out, spec.archived_as, f"{month:%Y-%m}")
            dropped[partitions.partition_name(spec, month)] = _drop(
                rt, spec, month, zone, exported, kinds
            )
    return Archived(cutoff, dropped)


def _months_before(rt: Runtime, spec: Spec, cutoff: dt.date, zone: ZoneInfo) -> list[dt.date]:
    """``spec``'s months before ``cutoff`` that hold or held rows, each made a partition of its
    own first (rows still in the default partition move out), oldest first."""
    with rt.db.reading() as conn:
        if not partitions.partitioned(conn):
            return []
        first = partitions.earliest_default_month(conn, spec, zone)
        months = {m for m in partitions.months(conn, spec) if m < cutoff}
    month = first
    while month is not None and month < cutoff:
        _create(rt, spec, month, zone)
        months.add(month)
        month = partitions.next_month(month)
    return sorted(months)


def _create(rt: Runtime, spec: Spec, month: dt.date, zone: ZoneInfo) -> bool:
    return rt.db.write(lambda conn: partitions.create_month(conn, spec, month, zone))


def _drop(
    rt: Runtime, spec: Spec, month: dt.date, zone: ZoneInfo, exported: int, kinds: tuple[str, ...]
) -> int:
    def work(conn: WriteUnitOfWork) -> int:
        return partitions.drop_month(conn, spec, month, zone, exported, kinds)

    return rt.db.write(work)
