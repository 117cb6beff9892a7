"""Planting orders and the status of the promised trees they carry (``tree_liabilities``).

Every function runs in the caller's unit of work (``store.uow``). Reads that precede a change
lock the rows they read (``FOR UPDATE`` on PostgreSQL; SQLite's writer holds the database), so
two batchings or two answers to one order cannot both act on what they read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, insert, select, update

from saxaul.store.tables import planting_orders, projects, tree_liabilities, trees
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """A planting order as stored."""

    id: str
    partner_id: str
    project_id: str
    mode: str
    status: str
    units: int
    created_at_us: int
    decided_at_us: int | None
    decision_note: str | None


@dataclass(frozen=True, slots=True)
class Liability:
    """One promised tree's row: where it stands and which project and order carry it."""

    tree_id: str
    species_id: str
    project_id: str | None
    order_id: str | None
    status: str
    replacements: int
    updated_at_us: int


@dataclass(frozen=True, slots=True)
class Batchable:
    """An owed, promised tree no order carries yet, with the project that owes it."""

    tree_id: str
    project_id: str
    partner_id: str
    mode: str


CHUNK = 5_000
"""Tree ids per statement: SQLite binds at most 32,766 parameters to one."""
_ORDER = tuple(planting_orders.c[name] for name in StoredOrder.__slots__)
_LIABILITY = tuple(tree_liabilities.c[name] for name in Liability.__slots__)


def batchable(conn: WriteUnitOfWork) -> list[Batchable]:
    """Owed liabilities of promised trees without an order, of open projects that have no
    order awaiting an answer, oldest promise first; locked until commit."""
    proposed = exists().where(
        planting_orders.c.project_id == projects.c.id, planting_orders.c.status == "proposed"
    )
    rows = conn.execute(
        select(tree_liabilities.c.tree_id, projects.c.id, projects.c.partner_id, projects.c.mode)
        .join(trees, trees.c.id == tree_liabilities.c.tree_id)
        .join(projects, projects.c.id == tree_liabilities.c.project_id)
        .where(
            tree_liabilities.c.status == "owed",
            tree_liabilities.c.order_id.is_(None),
            trees.c.status == "promised",
            projects.c.status == "open",
            ~proposed,
        )
        .order_by(projects.c.id, tree_liabilities.c.promised_at_us, tree_liabilities.c.tree_id)
        .with_for_update(of=tree_liabilities)
    )
    return [Batchable(*row) for row in rows]


def insert_order(conn: WriteUnitOfWork, order: StoredOrder) -> None:
    """Store a new order."""
    conn.execute(
        insert(planting_orders).values(
            {column.name: getattr(order, column.name) for column in _ORDER}
        )
    )


def order(
    conn: UnitOfWork, order_id: str, partner_id: str, mode: str, *, lock: bool = False
) -> StoredOrder | None:
    """``partner_id``'s order ``order_id`` in ``mode``; ``None`` for any other partner's or
    mode's order, exactly as for one that does not exist. ``lock`` holds it until commit."""
    query = select(*_ORDER).where(
        planting_orders.c.id == order_id,
        planting_orders.c.partner_id == partner_id,
        planting_orders.c.mode == mode,
    )
    row = conn.execute(query.with_for_update() if lock else query).first()
    return None if row is None else StoredOrder(*row)


def orders(
    conn: UnitOfWork,
    partner_id: str,
    mode: str,
    *,
    status: str | None,
    limit: int,
    after_id: str,
) -> tuple[list[StoredOrder], int]:
    """A page of ``partner_id``'s orders in ``mode`` by id, and how many match in all."""
    where = [planting_orders.c.partner_id == partner_id, planting_orders.c.mode == mode]
    if status is not None:
        where.append(planting_orders.c.status == status)
    rows = conn.execute(
        select(*_ORDER)
        .where(*where, planting_orders.c.id > after_id)
        .order_by(planting_orders.c.id)
        .limit(limit)
    )
    total = conn.execute(select(func.count()).select_from(planting_orders).where(*where))
    return [StoredOrder(*row) for row in rows], int(total.scalar_one())


def decide_order(
    conn: WriteUnitOfWork, order_id: str, status: str, at_us: int, note: str | None = None
) -> None:
    """Record a new status of an order (``decided_at_us`` keeps its first decision)."""
    conn.execute(
        update(planting_orders)
        .where(planting_orders.c.id == order_id)
        .values(
            status=status,
            decided_at_us=func.coalesce(planting_orders.c.decided_at_us, at_us),
            decision_note=func.coalesce(note, planting_orders.c.decision_note),
        )
    )


def liabilities(
    conn: UnitOfWork, *, order_id: str | None = None, tree_ids: Collection[str] = ()
) -> list[Liability]:
    """The liabilities of one order, or of the named trees, by tree id."""
    query = select(*_LIABILITY).order_by(tree_liabilities.c.tree_id)
    if order_id is not None:
        return [
            Liability(*row)
            for row in conn.execute(query.where(tree_liabilities.c.order_id == order_id))
        ]
    ordered = sorted(tree_ids)
    found: list[Liability] = []
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        found.extend(
            Liability(*row)
            for row in conn.execute(query.where(tree_liabilities.c.tree_id.in_(chunk)))
        )
    return found


def lock_liability(conn: WriteUnitOfWork, tree_id: str) -> Liability | None:
    """The liability of ``tree_id``, locked until commit."""
    row = conn.execute(
        select(*_LIABILITY).where(tree_liabilities.c.tree_id == tree_id).with_for_update()
    ).first()
    return None if row is None else Liability(*row)


def order_liabilities(conn: WriteUnitOfWork, order_id: str) -> list[Liability]:
    """The liabilities of an order, locked until commit (its order is locked first)."""
    rows = conn.execute(
        select(*_LIABILITY)
        .where(tree_liabilities.c.order_id == order_id)
        .order_by(tree_liabilities.c.tree_id)
        .with_for_update()
    )
    return [Liability(*row) for row in rows]


def set_status(
    conn: WriteUnitOfWork,
    tree_ids: Collection[str],
    status: str,
    at_us: int,
    *,
    replaced: bool = False,
) -> None:
    """Move ``tree_ids`` to ``status``; ``replaced`` counts one more replacement each."""
    values: dict[str, object] = {"status": status, "updated_at_us": at_us}
    if replaced:
        values["replacements"] = tree_liabilities.c.replacements + 1
    _update(conn, tree_ids, values)


def set_order(
    conn: WriteUnitOfWork, tree_ids: Collection[str], order_id: str | None, at_us: int
) -> None:
    """Put ``tree_ids`` in ``order_id`` (``None``: take them out of any order, owed again)."""
    _update(conn, tree_ids, {"order_id": order_id, "status": "owed", "updated_at_us": at_us})


def set_order_trees(
    conn: WriteUnitOfWork, order_id: str, status: str, at_us: int, *, release: bool = False
) -> None:
    """Move every tree of ``order_id`` to ``status``; ``release`` also takes them out of it."""
    values: dict[str, object] = {"status": status, "updated_at_us": at_us}
    if release:
        values["order_id"] = None
    conn.execute(
        update(tree_liabilities).where(tree_liabilities.c.order_id == order_id).values(values)
    )


def _update(conn: WriteUnitOfWork, tree_ids: Collection[str], values: dict[str, object]) -> None:
    ordered = sorted(tree_ids)
    for start in range(0, len(ordered), CHUNK):
        conn.execute(
            update(tree_liabilities)
            .where(tree_liabilities.c.tree_id.in_(ordered[start : start + CHUNK]))
            .values(values)
        )


def unplanted(conn: WriteUnitOfWork, order_id: str) -> int:
    """Trees of an order not yet evidenced as planted (still ``ordered``)."""
    result = conn.execute(
        select(func.count())
        .select_from(tree_liabilities)
        .where(
            and_(tree_liabilities.c.order_id == order_id, tree_liabilities.c.status == "ordered")
        )
    )
    return int(result.scalar_one())
