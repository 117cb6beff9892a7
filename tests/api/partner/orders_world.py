"""Arranging projects and promised trees for order tests, and reading the outbox.

Why rows are inserted here rather than made through services: projects and the liabilities of
promised trees belong to the projects area; order tests need only their rows (a project of a
partner, promised trees it owes), so this helper writes exactly those rows and nothing else.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from saxaul.domain.clock import to_us
from saxaul.services.runtime import Runtime
from saxaul.store.tables import projects, tree_liabilities, trees, webhook_events
from saxaul.store.uow import WriteUnitOfWork

from .isolation import Caller

PLANTING: dict[str, Any] = {
    "kind": "planting",
    "planted_on": "2026-11-05",
    "location": {"lat": 39.2, "lon": 105.6},
    "photos": [{"sha256": "ab" * 32}, {"url": "https://example.org/p/1.jpg"}],
    "irrigation": "none",
}
"""A planting report on the tests' day (2026-11-05) but for the trees it names."""


def runtime_of(client: TestClient) -> Runtime:
    """The runtime a test client's app serves."""
    rt: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return rt


def add_project(
    rt: Runtime, partner_id: str, *, species: str = "saxaul", mode: str = "live"
) -> str:
    """An open tree project of ``partner_id``; returns its id."""
    project_id = f"{partner_id}-{species}-{mode}"
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> None:
        conn.execute(
            insert(projects).values(
                id=project_id,
                partner_id=partner_id,
                mode=mode,
                outcome="trees",
                species_id=species,
                unit="tree",
                title_en=f"{species} by {partner_id}",
                site="{}",
                capacity=1000,
                energy_price_g=17900,
                starts_on="2026-01-01",
                evidence_required="[]",
                status="open",
                created_at_us=at_us,
                updated_at_us=at_us,
            )
        )

    rt.db.write(work)
    return project_id


def add_trees(
    rt: Runtime,
    project_id: str | None,
    count: int,
    *,
    prefix: str = "t",
    species: str = "saxaul",
    tree_status: str = "promised",
) -> list[str]:
    """``count`` trees in ``tree_status`` whose liabilities are owed by ``project_id`` (or
    waiting, for ``None``); returns their ids."""
    at_us = to_us(rt.clock.now())
    ids = [f"{prefix}-{n:03d}" for n in range(count)]

    def work(conn: WriteUnitOfWork) -> None:
        for tree_id in ids:
            conn.execute(
                insert(trees).values(
                    id=tree_id,
                    species_id=species,
                    catalogue="species@1.0.1",
                    cost_g=17900,
                    initiator="u-1",
                    mode="solo",
                    status=tree_status,
                    created_at_us=at_us,
                    promised_at_us=at_us,
                )
            )
            conn.execute(
                insert(tree_liabilities).values(
                    tree_id=tree_id,
                    species_id=species,
                    project_id=project_id,
                    status="owed" if project_id else "waiting",
                    replacements=0,
                    promised_at_us=at_us,
                    updated_at_us=at_us,
                )
            )

    rt.db.write(work)
    return ids


def events(rt: Runtime, partner_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The outbox of ``partner_id``, oldest first, as (type, payload), but for the
    ``partner.approved`` of the arrangement."""
    with rt.db.reading() as conn:
        rows = conn.execute(
            select(webhook_events.c.type, webhook_events.c.payload)
            .where(
                webhook_events.c.partner_id == partner_id,
                webhook_events.c.type != "partner.approved",
            )
            .order_by(webhook_events.c.seq)
        )
        return [(kind, json.loads(payload)) for kind, payload in rows]


def proposed_order(
    a: Caller, count: int = 3, prefix: str = "t", species: str = "saxaul"
) -> tuple[str, list[str]]:
    """A project of ``a`` for ``species`` with ``count`` promised trees, batched by the operator
    into a proposed order; returns the order id and the tree ids."""
    rt = runtime_of(a.client)
    project_id = add_project(rt, a.partner_id, species=species)
    tree_ids = add_trees(rt, project_id, count, prefix=prefix, species=species)
    made = a.client.post("/v1/operator/orders", headers=a.operator)
    assert made.status_code == 200, made.text
    listed = a.client.get("/v1/partner/orders?status=proposed", headers=a.headers).json()
    (order,) = [o for o in listed["items"] if o["project_id"] == project_id]
    return order["id"], tree_ids


def accepted_order(
    a: Caller, count: int = 3, prefix: str = "t", species: str = "saxaul"
) -> tuple[str, list[str]]:
    """As ``proposed_order``, accepted by ``a``."""
    order_id, tree_ids = proposed_order(a, count, prefix, species)
    answer = a.client.post(f"/v1/partner/orders/{order_id}/accept", headers=a.headers)
    assert answer.status_code == 200, answer.text
    return order_id, tree_ids


def planting(tree_ids: list[str], **changes: Any) -> dict[str, Any]:
    """A planting report naming ``tree_ids``."""
    return PLANTING | {"trees": [{"tree_id": t} for t in tree_ids]} | changes
