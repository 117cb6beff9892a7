"""What a tree's certificate reads: its funding transfers, the planters' ledger history, the
awards and events behind the energy, and the partner's liability for the tree.

Why reads only: a certificate is derived at request time from the chain (``domain.certificates``)
and never stored, so the same chain always gives the same certificate.

The cost, per certificate: one indexed read of the tree's transfers (``reference``); per
planter, the planter's ledger up to their share, read in keyset pages of ``PAGE`` rows (indexed
by debit and credit account; memory bounded by a page plus the unspent credits), so a long
history costs time linear in it and no more memory; one read of the awards by primary key; and
one read of their events by ``award_id``, which has no index of its own: it scans ``events``.
At most ``EVENTS_PER_AWARD`` events of each award are returned, with their total count.

Example: ``with rt.db.reading() as conn: funding_transfers(conn, "t1")`` → the plant and pool
transfers of tree t1 in ledger order.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import or_, select

from saxaul.domain.certificates import (
    AwardFacts,
    Entry,
    EventFacts,
    EvidenceFacts,
    LiabilityFacts,
)
from saxaul.domain.ledger import TransferKind
from saxaul.store.tables import (
    awards,
    events,
    evidence,
    ledger_transfers,
    partners,
    planting_orders,
    projects,
    tree_evidence,
    tree_liabilities,
)
from saxaul.store.uow import UnitOfWork

PAGE = 5_000
"""Ledger rows read per page while replaying a planter's history."""
EVENTS_PER_AWARD = 50
"""Events of one award a certificate lists; ``events_total`` counts them all."""

_FUNDING = (TransferKind.PLANT.value, TransferKind.POOL.value)


def _entry(row: Any) -> Entry:
    return Entry(row.seq, row.kind, row.debit_account, row.credit_account, row.amount_g, row.at_us)


def funding_transfers(conn: UnitOfWork, tree_id: str) -> list[Entry]:
    """The plant and pool transfers referencing ``tree_id``, in ledger order."""
    rows = conn.execute(
        select(ledger_transfers)
        .where(ledger_transfers.c.reference == tree_id, ledger_transfers.c.kind.in_(_FUNDING))
        .order_by(ledger_transfers.c.seq)
    )
    return [_entry(row) for row in rows]


def history(conn: UnitOfWork, account: str, through_seq: int) -> Iterator[Entry]:
    """Every transfer debiting or crediting ``account`` up to ``through_seq``, in ledger order,
    read a page at a time."""
    after = 0
    while True:
        page = conn.execute(
            select(ledger_transfers)
            .where(
                or_(
                    ledger_transfers.c.debit_account == account,
                    ledger_transfers.c.credit_account == account,
                ),
                ledger_transfers.c.seq > after,
                ledger_transfers.c.seq <= through_seq,
            )
            .order_by(ledger_transfers.c.seq)
            .limit(PAGE)
        ).all()
        for row in page:
            yield _entry(row)
        if len(page) < PAGE:
            return
        after = page[-1].seq


def awards_with_events(conn: UnitOfWork, award_ids: Collection[str]) -> dict[str, AwardFacts]:
    """The awards with these ids, each with its first events (by time) and their count."""
    if not award_ids:
        return {}
    ids = sorted(int(a) for a in award_ids)
    found: dict[int, list[EventFacts]] = {a: [] for a in ids}
    totals: dict[int, int] = dict.fromkeys(ids, 0)
    for row in conn.execute(
        select(
            events.c.award_id,
            events.c.source,
            events.c.event_id,
            events.c.behaviour,
            events.c.occurred_at_us,
        )
        .where(events.c.award_id.in_(ids))
        .order_by(events.c.award_id, events.c.occurred_at_us, events.c.source, events.c.event_id)
    ):
        totals[row.award_id] += 1
        if len(found[row.award_id]) < EVENTS_PER_AWARD:
            found[row.award_id].append(
                EventFacts(row.source, row.event_id, row.behaviour, row.occurred_at_us)
            )
    rows = conn.execute(select(awards).where(awards.c.id.in_(ids)))
    return {
        str(row.id): AwardFacts(
            id=str(row.id),
            behaviour=row.behaviour,
            pack_id=row.pack_id,
            pack_version=row.pack_version,
            factors=row.factor_ids,
            day=row.day,
            energy_g=row.energy_g,
            events=tuple(found[row.id]),
            events_total=totals[row.id],
        )
        for row in rows
    }


def liability(conn: UnitOfWork, tree_id: str) -> LiabilityFacts | None:
    """Who owes ``tree_id`` and how far it has got, or ``None`` while no liability exists."""
    row = conn.execute(
        select(tree_liabilities).where(tree_liabilities.c.tree_id == tree_id)
    ).one_or_none()
    if row is None:
        return None
    found = conn.execute(
        select(
            evidence.c.id,
            evidence.c.kind,
            evidence.c.sha256,
            evidence.c.reported_at_us,
            tree_evidence.c.outcome,
        )
        .join(evidence, evidence.c.id == tree_evidence.c.evidence_id)
        .where(tree_evidence.c.tree_id == tree_id)
        .order_by(evidence.c.reported_at_us, evidence.c.id)
    )
    return LiabilityFacts(
        status=row.status,
        replacements=row.replacements,
        project=None if row.project_id is None else _project(conn, row.project_id),
        order=None if row.order_id is None else _order(conn, row.order_id),
        evidence=tuple(
            EvidenceFacts(e.id, e.kind, e.sha256, e.reported_at_us, e.outcome) for e in found
        ),
    )


def _project(conn: UnitOfWork, project_id: str) -> dict[str, Any]:
    row = conn.execute(
        select(
            projects.c.id,
            projects.c.partner_id,
            projects.c.mode,
            projects.c.title_en,
            projects.c.title_zh,
            projects.c.site,
            partners.c.name_en,
            partners.c.name_zh,
        )
        .join(partners, partners.c.id == projects.c.partner_id)
        .where(projects.c.id == project_id)
    ).one_or_none()
    if row is None:
        return {"id": project_id}
    return {
        "id": row.id,
        "mode": row.mode,
        "title_en": row.title_en,
        "title_zh": row.title_zh,
        "partner": {"id": row.partner_id, "name_en": row.name_en, "name_zh": row.name_zh},
        "site": _site(row.site),
    }


def _site(text: str) -> dict[str, Any]:
    """The site's name and region (zh/en); its geometry stays out (GeoJSON holds fractions,
    which a canonical certificate does not carry)."""
    try:
        site = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(site, dict):
        return {}
    out: dict[str, Any] = {}
    if isinstance(site.get("name"), str):
        out["name"] = site["name"]
    region = site.get("region")
    if isinstance(region, str):
        out["region"] = region
    elif isinstance(region, dict):
        out["region"] = {k: v for k, v in region.items() if isinstance(v, str)}
    return out


def _order(conn: UnitOfWork, order_id: str) -> dict[str, Any]:
    row = conn.execute(
        select(planting_orders.c.id, planting_orders.c.status).where(
            planting_orders.c.id == order_id
        )
    ).one_or_none()
    return {"id": order_id, "status": None if row is None else row.status}
