"""Business scenarios in the database, their registered pack versions, and what they credited.

Every function runs in the caller's unit of work (``store.uow``), except
``credited_mg_under``, which runs in an import's ``bulk_transaction`` (under the ingest lock,
so the budget it reads stays true until the chunk commits).

A scenario's live events are imported under the import kind ``scenario:<id>`` and its awards
carry its own pack version, which is how its impact is found again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import case, distinct, func, insert, select, update

from saxaul.store.bulk import BulkConnection
from saxaul.store.keyset import newest_first_after
from saxaul.store.tables import awards, events, imports, methodology_packs, quarantine, scenarios
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

IMPORT_KIND_PREFIX = "scenario:"


@dataclass(frozen=True, slots=True)
class StoredScenario:
    """A scenario as stored (``fragment`` and ``sandbox_result`` are JSON text)."""

    id: str
    partner_id: str
    title: str
    fragment: str
    status: str
    sandbox_result: str | None
    budget_g: int | None
    pack_id: str | None
    pack_version: str | None
    created_at_us: int
    submitted_at_us: int | None
    decided_at_us: int | None
    decided_by: str | None
    decision_note: str | None


_COLUMNS = [scenarios.c[f.name] for f in fields(StoredScenario)]


def import_kind(scenario_id: str) -> str:
    """The ``imports.kind`` of a scenario's live event requests."""
    return IMPORT_KIND_PREFIX + scenario_id


def insert_scenario(conn: WriteUnitOfWork, stored: StoredScenario) -> None:
    """Store a new scenario."""
    conn.execute(insert(scenarios).values(**{c.name: getattr(stored, c.name) for c in _COLUMNS}))


def scenario(conn: UnitOfWork, scenario_id: str, *, lock: bool = False) -> StoredScenario | None:
    """The scenario ``scenario_id``; ``lock``: held until the unit of work ends (PostgreSQL)."""
    query = select(*_COLUMNS).where(scenarios.c.id == scenario_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return None if row is None else StoredScenario(*row)


def list_scenarios(
    conn: UnitOfWork,
    *,
    partner_id: str | None = None,
    status: str | None = None,
    limit: int,
    after_id: str | None = None,
) -> list[StoredScenario]:
    """Scenarios, newest first, of one partner and/or in one status: at most ``limit``, after
    scenario ``after_id`` in that order."""
    query = select(*_COLUMNS).order_by(scenarios.c.created_at_us.desc(), scenarios.c.id)
    if after_id is not None:
        query = query.where(newest_first_after(scenarios.c.created_at_us, scenarios.c.id, after_id))
    if partner_id is not None:
        query = query.where(scenarios.c.partner_id == partner_id)
    if status is not None:
        query = query.where(scenarios.c.status == status)
    return [StoredScenario(*row) for row in conn.execute(query.limit(limit))]


def update_scenario(conn: WriteUnitOfWork, scenario_id: str, **values: Any) -> None:
    """Change some columns of a scenario."""
    conn.execute(update(scenarios).where(scenarios.c.id == scenario_id).values(**values))


def approved_packs(conn: UnitOfWork) -> list[tuple[str, str, str]]:
    """(scenario id, pack id, version) of every approved scenario."""
    rows = conn.execute(
        select(scenarios.c.id, scenarios.c.pack_id, scenarios.c.pack_version).where(
            scenarios.c.status == "approved"
        )
    )
    return [(row[0], row[1], row[2]) for row in rows]


def pack_versions(conn: UnitOfWork, pack_id: str) -> list[str]:
    """Every registered version of ``pack_id``."""
    rows = conn.execute(
        select(methodology_packs.c.version).where(methodology_packs.c.pack_id == pack_id)
    )
    return [row[0] for row in rows]


def pack_record(conn: UnitOfWork, pack_id: str, version: str) -> tuple[str, str] | None:
    """(content hash, document) of a registered pack version."""
    row = conn.execute(
        select(methodology_packs.c.content_hash, methodology_packs.c.document).where(
            methodology_packs.c.pack_id == pack_id, methodology_packs.c.version == version
        )
    ).first()
    return None if row is None else (row[0], row[1])


def credited_mg_under(bulk: BulkConnection, pack_id: str, version: str) -> int:
    """Milligrams credited so far by awards of one pack version (a scenario's budget spent)."""
    marks = ("?", "?") if bulk.sqlite else ("$1", "$2")
    return int(
        bulk.scalar(
            "SELECT COALESCE(SUM(avoided_mg), 0) FROM awards "
            f"WHERE pack_id = {marks[0]} AND pack_version = {marks[1]}",
            [pack_id, version],
        )
    )


def credited_mg(conn: UnitOfWork, pack_id: str, version: str) -> int:
    """``credited_mg_under`` in a unit of work: what a scenario's budget has spent."""
    spent = conn.execute(
        select(func.coalesce(func.sum(awards.c.avoided_mg), 0)).where(
            awards.c.pack_id == pack_id, awards.c.pack_version == version
        )
    ).scalar_one()
    return int(spent)


@dataclass(frozen=True, slots=True)
class ImpactDay:
    """One local day of a scenario's live events."""

    day: int
    events: int
    scored: int
    credited_mg: int
    energy_g: int


@dataclass(frozen=True, slots=True)
class Impact:
    """What a scenario's live events did, from the store."""

    events: int
    rejected: int
    statuses: dict[str, int]
    participants: int
    credited_mg: int
    energy_g: int
    days: list[ImpactDay]


def impact(conn: UnitOfWork, scenario_id: str, pack_id: str, version: str) -> Impact:
    """Events stored and rows refused under the scenario's imports; its awards' totals."""
    its_imports = select(imports.c.id).where(imports.c.kind == import_kind(scenario_id))
    mine = events.c.import_id.in_(its_imports.scalar_subquery())
    statuses = {
        row[0]: int(row[1])
        for row in conn.execute(
            select(events.c.status, func.count()).where(mine).group_by(events.c.status)
        )
    }
    rejected = conn.execute(
        select(func.count())
        .select_from(quarantine)
        .where(quarantine.c.import_id.in_(its_imports.scalar_subquery()))
    ).scalar_one()
    its_awards = (awards.c.pack_id == pack_id) & (awards.c.pack_version == version)
    participants, credited, energy = conn.execute(
        select(
            func.count(distinct(awards.c.user_id)),
            func.coalesce(func.sum(awards.c.avoided_mg), 0),
            func.coalesce(func.sum(awards.c.energy_g), 0),
        ).where(its_awards)
    ).one()
    energy_by_day = {
        int(row[0]): int(row[1])
        for row in conn.execute(
            select(awards.c.day, func.sum(awards.c.energy_g))
            .where(its_awards)
            .group_by(awards.c.day)
        )
    }
    scored = func.sum(case((events.c.status == "scored", 1), else_=0))
    days = [
        ImpactDay(int(row[0]), int(row[1]), int(row[2]), int(row[3]), energy_by_day.get(row[0], 0))
        for row in conn.execute(
            select(events.c.day, func.count(), scored, func.sum(events.c.credited_mg))
            .where(mine)
            .group_by(events.c.day)
            .order_by(events.c.day)
        )
    ]
    return Impact(
        events=sum(statuses.values()),
        rejected=int(rejected),
        statuses=statuses,
        participants=int(participants),
        credited_mg=int(credited),
        energy_g=int(energy),
        days=days,
    )
