"""Planting orders: promised trees batched per project, and the partner's answer to each batch.

Why batches: a partner plants in campaigns, not tree by tree, so every owed tree of a project
that no order carries yet goes into one order, and the partner accepts or declines it whole.
A project has at most one order awaiting an answer: trees promised meanwhile wait for the next
batch, so an unanswered order never multiplies, and running the batching twice (the scheduled
job, ``saxaul orders create`` and ``POST /v1/operator/orders`` at once) makes no second order.

Why a declined order's trees stay owed by the same project (``order_id`` cleared, project kept):
the project contracted that capacity, and a decline says "not this batch" (the season, the
site is not ready), not "never": the next batching proposes the trees again, with any new
ones. A partner that can no longer plant for a project asks the operator to close it, and the
promise moves on with the project's trees; it is never dropped by a decline.

Example: two promised saxaul owed by ``see-foundation``'s project → ``create_orders(rt)`` makes
one order of 2 units (``order.created`` in the outbox); ``accept(rt, principal, order_id)``
makes both trees ``ordered`` (``order.accepted``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from itertools import groupby

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.errors import Conflict, NotFound
from saxaul.domain.liabilities import LiabilityStatus
from saxaul.domain.orders import EventType, OrderRefused, OrderStatus
from saxaul.domain.partners import PartnerPrincipal
from saxaul.services.runtime import Runtime
from saxaul.store import orders_repo, webhook_outbox
from saxaul.store.orders_repo import Liability, StoredOrder
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class OrdersCreated:
    """What a batching made: orders and the trees in them."""

    orders: int
    trees: int


@dataclass(frozen=True, slots=True)
class OrderDetail:
    """An order with its trees."""

    order: StoredOrder
    trees: tuple[Liability, ...]


def order_payload(order: StoredOrder) -> dict[str, object]:
    """An order as webhook events carry it."""
    return {
        "id": order.id,
        "project_id": order.project_id,
        "status": order.status,
        "units": order.units,
        "created_at": from_us(order.created_at_us).isoformat(),
    }


def create_orders(rt: Runtime) -> OrdersCreated:
    """Batch every project's owed, promised, unordered trees into one proposed order each."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> OrdersCreated:
        made = OrdersCreated(0, 0)
        for project_id, rows in groupby(orders_repo.batchable(conn), lambda b: b.project_id):
            batch = list(rows)
            tree_ids = [b.tree_id for b in batch]
            order = StoredOrder(
                id="ord_" + secrets.token_hex(8),
                partner_id=batch[0].partner_id,
                project_id=project_id,
                mode=batch[0].mode,
                status=OrderStatus.PROPOSED.value,
                units=len(tree_ids),
                created_at_us=at_us,
                decided_at_us=None,
                decision_note=None,
            )
            orders_repo.insert_order(conn, order)
            orders_repo.set_order(conn, tree_ids, order.id, at_us)
            _event(conn, order, EventType.ORDER_CREATED, at_us, tree_ids=tree_ids)
            made = OrdersCreated(made.orders + 1, made.trees + len(tree_ids))
        return made

    return rt.db.write(work)


def list_orders(
    rt: Runtime, partner: PartnerPrincipal, *, status: OrderStatus | None, limit: int, after_id: str
) -> tuple[list[StoredOrder], int]:
    """A page of the partner's orders in its key's mode, by id, and how many match."""
    with rt.db.reading() as conn:
        return orders_repo.orders(
            conn,
            partner.partner_id,
            partner.mode.value,
            status=None if status is None else status.value,
            limit=limit,
            after_id=after_id,
        )


def get_order(rt: Runtime, partner: PartnerPrincipal, order_id: str) -> OrderDetail:
    """One of the partner's orders with its trees; another partner's is not found."""
    with rt.db.reading() as conn:
        order = own_order(conn, partner, order_id)
        return OrderDetail(order, tuple(orders_repo.liabilities(conn, order_id=order_id)))


def own_order(
    conn: UnitOfWork, partner: PartnerPrincipal, order_id: str, *, lock: bool = False
) -> StoredOrder:
    """The partner's order ``order_id`` in its key's mode, or ``NotFound`` (as for no order)."""
    order = orders_repo.order(conn, order_id, partner.partner_id, partner.mode.value, lock=lock)
    if order is None:
        raise NotFound(f"there is no order {order_id!r}", field="order_id")
    return order


def accept(rt: Runtime, partner: PartnerPrincipal, order_id: str) -> OrderDetail:
    """Accept a proposed order: its trees become ``ordered``. Accepting again changes nothing."""
    return _answer(rt, partner, order_id, OrderStatus.ACCEPTED, None)


def decline(rt: Runtime, partner: PartnerPrincipal, order_id: str, reason: str) -> OrderDetail:
    """Decline a proposed order: its trees leave it, owed again by the same project (see the
    module docstring). Declining again changes nothing."""
    return _answer(rt, partner, order_id, OrderStatus.DECLINED, reason)


def _answer(
    rt: Runtime,
    partner: PartnerPrincipal,
    order_id: str,
    answer: OrderStatus,
    reason: str | None,
) -> OrderDetail:
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> OrderDetail:
        order = own_order(conn, partner, order_id, lock=True)
        same = {answer} | ({OrderStatus.FULFILLED} if answer is OrderStatus.ACCEPTED else set())
        if OrderStatus(order.status) in same:
            return OrderDetail(order, tuple(orders_repo.liabilities(conn, order_id=order_id)))
        if order.status != OrderStatus.PROPOSED.value:
            raise OrderRefused(
                f"this order is {order.status}; only a proposed order can be {answer.value}",
                field="order_id",
                status=order.status,
            )
        trees = orders_repo.order_liabilities(conn, order_id)
        if answer is OrderStatus.ACCEPTED:
            orders_repo.set_order_trees(conn, order_id, LiabilityStatus.ORDERED.value, at_us)
            event = EventType.ORDER_ACCEPTED
        else:
            orders_repo.set_order_trees(
                conn, order_id, LiabilityStatus.OWED.value, at_us, release=True
            )
            event = EventType.ORDER_DECLINED
        orders_repo.decide_order(conn, order_id, answer.value, at_us, reason)
        decided = own_order(conn, partner, order_id)
        extra = {"reason": reason} if reason is not None else {}
        _event(conn, decided, event, at_us, tree_ids=[t.tree_id for t in trees], **extra)
        return OrderDetail(decided, tuple(orders_repo.liabilities(conn, order_id=order_id)))

    return rt.db.write(work)


def reopen(rt: Runtime, tree_id: str) -> Liability:
    """An operator reopens a lost tree: owed again by its project, outside any order, so the
    next batching orders it again. The participant's promise stands until a tree lives."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> Liability:
        liability = orders_repo.lock_liability(conn, tree_id)
        if liability is None:
            raise NotFound(f"no promised tree {tree_id!r}", field="tree_id")
        if liability.status != LiabilityStatus.LOST.value:
            raise Conflict(
                f"tree {tree_id!r} is {liability.status}; only a lost tree is reopened",
                code="wrong_tree_status",
                field="tree_id",
                status=liability.status,
            )
        orders_repo.set_order(conn, [tree_id], None, at_us)
        (reopened,) = orders_repo.liabilities(conn, tree_ids=[tree_id])
        return reopened

    return rt.db.write(work)


def _event(
    conn: WriteUnitOfWork,
    order: StoredOrder,
    event: EventType,
    at_us: int,
    **extra: object,
) -> None:
    webhook_outbox.record(
        conn,
        partner_id=order.partner_id,
        mode=order.mode,
        type=event.value,
        payload={"order": order_payload(order), **extra},
        at_us=at_us,
    )
