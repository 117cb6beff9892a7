"""Partners' evidence about an order's trees: the report as received, and one row per tree named.

Every function runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select

from saxaul.store.orders_repo import CHUNK
from saxaul.store.tables import evidence, tree_evidence
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

PLANTINGS = ("planted", "replanted")


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """One report as stored: canonical JSON and its sha256."""

    id: int
    order_id: str
    kind: str
    document: str
    sha256: str
    irrigation: str | None
    reported_at_us: int


_EVIDENCE = tuple(evidence.c[name] for name in StoredEvidence.__slots__)


def insert_evidence(
    conn: WriteUnitOfWork,
    *,
    partner_id: str,
    order_id: str,
    kind: str,
    document: str,
    sha256: str,
    irrigation: str | None,
    at_us: int,
) -> int:
    """Store a report; returns its id."""
    result = conn.execute(
        insert(evidence)
        .values(
            partner_id=partner_id,
            order_id=order_id,
            kind=kind,
            document=document,
            sha256=sha256,
            irrigation=irrigation,
            reported_at_us=at_us,
        )
        .returning(evidence.c.id)
    )
    return int(result.scalar_one())


def insert_outcomes(
    conn: WriteUnitOfWork, evidence_id: int, outcomes: Sequence[tuple[str, str]]
) -> None:
    """One ``tree_evidence`` row per (tree id, outcome) the report names."""
    rows = [{"tree_id": t, "evidence_id": evidence_id, "outcome": o} for t, o in outcomes]
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(tree_evidence), rows[start : start + CHUNK])


def planted_before(conn: UnitOfWork, tree_ids: Collection[str]) -> set[str]:
    """Those of ``tree_ids`` some earlier evidence reported planted."""
    ordered = sorted(tree_ids)
    found: set[str] = set()
    for start in range(0, len(ordered), CHUNK):
        found.update(
            conn.execute(
                select(tree_evidence.c.tree_id)
                .where(
                    tree_evidence.c.tree_id.in_(ordered[start : start + CHUNK]),
                    tree_evidence.c.outcome.in_(PLANTINGS),
                )
                .distinct()
            ).scalars()
        )
    return found


def of_order(conn: UnitOfWork, order_id: str) -> list[StoredEvidence]:
    """The reports on an order, oldest first."""
    rows = conn.execute(
        select(*_EVIDENCE).where(evidence.c.order_id == order_id).order_by(evidence.c.id)
    )
    return [StoredEvidence(*row) for row in rows]
