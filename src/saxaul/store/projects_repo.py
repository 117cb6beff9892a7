"""Projects in the database: one row per project, written by its partner or seeded.

Every function runs in the caller's unit of work (``store.uow``). Reads that serve a partner
name the partner and the mode, so a row of another partner or of the other mode is never
returned (it is answered as not found). The game's hot statements on ``projects`` (rooms,
``allocated``) are in ``store.liabilities_repo``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import insert, select, update

from saxaul.store.tables import projects
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class StoredProject:
    """A project as stored (``site`` and ``evidence_required`` are JSON text)."""

    id: str
    partner_id: str
    mode: str
    outcome: str
    species_id: str | None
    unit: str
    title_en: str
    title_zh: str | None
    site: str
    capacity: int
    allocated: int
    unit_cost_minor: int | None
    currency: str | None
    energy_price_g: int
    starts_on: str
    ends_on: str | None
    evidence_required: str
    status: str
    source: str | None
    created_at_us: int
    updated_at_us: int


_COLUMNS = [projects.c[name] for name in StoredProject.__slots__]


def insert_project(conn: WriteUnitOfWork, stored: StoredProject) -> None:
    """Store a new project."""
    conn.execute(insert(projects).values(**asdict(stored)))


def project(conn: UnitOfWork, project_id: str, *, lock: bool = False) -> StoredProject | None:
    """The project ``project_id``, if it exists; with ``lock``, locked until commit."""
    query = select(*_COLUMNS).where(projects.c.id == project_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return None if row is None else StoredProject(*row)


def existing_ids(conn: UnitOfWork, ids: list[str]) -> set[str]:
    """Which of ``ids`` are projects already."""
    return set(conn.execute(select(projects.c.id).where(projects.c.id.in_(ids))).scalars())


def projects_of(
    conn: UnitOfWork, partner_id: str | None, mode: str, limit: int, after: str | None
) -> list[StoredProject]:
    """Projects of ``partner_id`` (every partner's with ``None``) in ``mode``, by id, from
    after ``after``."""
    query = select(*_COLUMNS).where(projects.c.mode == mode)
    if partner_id is not None:
        query = query.where(projects.c.partner_id == partner_id)
    if after is not None:
        query = query.where(projects.c.id > after)
    rows = conn.execute(query.order_by(projects.c.id).limit(limit))
    return [StoredProject(*row) for row in rows]


def update_project(conn: WriteUnitOfWork, project_id: str, values: Mapping[str, Any]) -> None:
    """Change the given columns of ``project_id``."""
    conn.execute(update(projects).where(projects.c.id == project_id).values(**values))
