"""Read-side counts of promised trees: by status, and the planted ones as the sink needs them.

Every function reads in the caller's unit of work; ``partner_id`` and ``mode`` narrow the
counts to the projects of one partner in one mode (``None``: every project, and the waiting
list, for the operator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from saxaul.store.evidence_repo import PLANTINGS
from saxaul.store.tables import evidence, projects, tree_evidence, tree_liabilities
from saxaul.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class StatusCount:
    """Trees of one project, species and status, and how many of them were ever replanted."""

    project_id: str | None
    species_id: str
    status: str
    trees: int
    replaced: int


@dataclass(frozen=True, slots=True)
class PlantedCount:
    """Planted or alive trees of one species and order, by the irrigation they were planted with."""

    species_id: str
    order_id: str
    status: str
    irrigation: str | None
    trees: int


def _of_partner(query: Select[Any], partner_id: str | None, mode: str | None) -> Select[Any]:
    if partner_id is None:
        return query
    return query.join(projects, projects.c.id == tree_liabilities.c.project_id).where(
        projects.c.partner_id == partner_id, projects.c.mode == mode
    )


def status_counts(
    conn: UnitOfWork, partner_id: str | None = None, mode: str | None = None
) -> list[StatusCount]:
    """Trees by project, species and status."""
    keys = (tree_liabilities.c.project_id, tree_liabilities.c.species_id, tree_liabilities.c.status)
    replaced = func.sum(case((tree_liabilities.c.replacements > 0, 1), else_=0))
    query = _of_partner(select(*keys, func.count(), replaced), partner_id, mode)
    rows = conn.execute(query.group_by(*keys).order_by(*keys))
    return [StatusCount(p, s, st, int(n), int(r or 0)) for p, s, st, n, r in rows]


def planted_counts(
    conn: UnitOfWork, partner_id: str | None = None, mode: str | None = None
) -> list[PlantedCount]:
    """Planted and alive trees by species, order and the irrigation of their last planting."""
    later = aliased(tree_evidence)
    last_planting = (
        select(func.max(later.c.evidence_id))
        .where(later.c.tree_id == tree_liabilities.c.tree_id, later.c.outcome.in_(PLANTINGS))
        .scalar_subquery()
    )
    keys = (
        tree_liabilities.c.species_id,
        tree_liabilities.c.order_id,
        tree_liabilities.c.status,
        evidence.c.irrigation,
    )
    query = (
        select(*keys, func.count())
        .join(tree_evidence, tree_evidence.c.tree_id == tree_liabilities.c.tree_id)
        .join(evidence, evidence.c.id == tree_evidence.c.evidence_id)
        .where(
            tree_liabilities.c.status.in_(("planted", "alive")),
            tree_evidence.c.evidence_id == last_planting,
        )
    )
    rows = conn.execute(_of_partner(query, partner_id, mode).group_by(*keys))
    return [PlantedCount(s, o, st, i, int(n)) for s, o, st, i, n in rows]


def observed_survival(
    conn: UnitOfWork, partner_id: str | None = None
) -> dict[str, tuple[int, int]]:
    """Each checked order's last survival check as (alive, sampled)."""
    later = aliased(evidence)
    last_check = (
        select(func.max(later.c.id))
        .where(later.c.order_id == evidence.c.order_id, later.c.kind == "survival")
        .scalar_subquery()
    )
    alive = func.sum(case((tree_evidence.c.outcome == "alive", 1), else_=0))
    query = (
        select(evidence.c.order_id, alive, func.count())
        .join(tree_evidence, tree_evidence.c.evidence_id == evidence.c.id)
        .where(evidence.c.kind == "survival", evidence.c.id == last_check)
        .group_by(evidence.c.order_id)
    )
    if partner_id is not None:
        query = query.where(evidence.c.partner_id == partner_id)
    return {order_id: (int(a), int(n)) for order_id, a, n in conn.execute(query)}
