"""Virtual trees in the database: the tree, its planters, and its shares read from the ledger.

Why shares come from the ledger: every pooled share and every solo planting is a transfer that
references the tree, so a tree's progress is what the ledger moved, never a counter to update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping

from sqlalchemy import func, insert, select, update

from saxaul.domain import accounts
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.ledger import AccountKind, TransferKind
from saxaul.domain.planting import Tree, TreeMode, TreeStatus
from saxaul.store import setwise
from saxaul.store.tables import ledger_transfers, tree_members, trees
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


def load_trees(conn: UnitOfWork, tree_ids: Collection[str]) -> dict[str, Tree]:
    """The trees with these ids, with their planters and pooled shares in order."""
    if not tree_ids:
        return {}
    ids = sorted(tree_ids)
    members: dict[str, list[str]] = {tree_id: [] for tree_id in ids}
    for member in conn.execute(
        select(tree_members.c.tree_id, tree_members.c.user_id)
        .where(setwise.any_of(conn, tree_members.c.tree_id, ids))
        .order_by(tree_members.c.joined_at_us, tree_members.c.user_id)
    ):
        members[member.tree_id].append(member.user_id)
    shares: dict[str, list[tuple[str, int]]] = {tree_id: [] for tree_id in ids}
    share_query = (
        select(
            ledger_transfers.c.reference,
            ledger_transfers.c.debit_account,
            ledger_transfers.c.amount_g,
        )
        .where(
            setwise.any_of(conn, ledger_transfers.c.reference, ids),
            ledger_transfers.c.kind.in_([TransferKind.POOL.value, TransferKind.PLANT.value]),
            ledger_transfers.c.debit_account.like(accounts.prefix(AccountKind.PARTICIPANT) + "%"),
        )
        .order_by(ledger_transfers.c.seq)
    )
    for share in conn.execute(share_query):
        shares[share.reference].append(
            (accounts.key_of(share.debit_account, AccountKind.PARTICIPANT), share.amount_g)
        )
    out: dict[str, Tree] = {}
    for row in conn.execute(select(trees).where(setwise.any_of(conn, trees.c.id, ids))):
        out[row.id] = Tree(
            id=row.id,
            species_id=row.species_id,
            catalogue=row.catalogue,
            cost_g=row.cost_g,
            initiator=row.initiator,
            mode=TreeMode(row.mode),
            status=TreeStatus(row.status),
            members=tuple(members[row.id]),
            created_at=from_us(row.created_at_us),
            promised_at=None if row.promised_at_us is None else from_us(row.promised_at_us),
            shares=tuple(shares[row.id]),
        )
    return out


def save_trees(conn: WriteUnitOfWork, changed: Mapping[str, Tree], known: Collection[str]) -> None:
    """Insert new trees with their planters; update the status of known ones."""
    new = [tree for tree_id, tree in changed.items() if tree_id not in known]
    if new:
        conn.execute(
            insert(trees),
            [
                {
                    "id": tree.id,
                    "species_id": tree.species_id,
                    "catalogue": tree.catalogue,
                    "cost_g": tree.cost_g,
                    "initiator": tree.initiator,
                    "mode": tree.mode.value,
                    "status": tree.status.value,
                    "created_at_us": to_us(tree.created_at),
                    "promised_at_us": None if tree.promised_at is None else to_us(tree.promised_at),
                }
                for tree in new
            ],
        )
        conn.execute(
            insert(tree_members),
            [
                {"tree_id": tree.id, "user_id": member, "joined_at_us": to_us(tree.created_at) + n}
                for tree in new
                for n, member in enumerate(tree.members)
            ],
        )
    for tree_id, tree in changed.items():
        if tree_id in known:
            conn.execute(
                update(trees)
                .where(trees.c.id == tree_id)
                .values(
                    status=tree.status.value,
                    promised_at_us=None if tree.promised_at is None else to_us(tree.promised_at),
                )
            )


def trees_of(conn: UnitOfWork, user: str) -> dict[str, Tree]:
    """Every tree ``user`` plants or co-plants, newest first."""
    ids = conn.execute(
        select(tree_members.c.tree_id)
        .join(trees, trees.c.id == tree_members.c.tree_id)
        .where(tree_members.c.user_id == user)
        .order_by(trees.c.created_at_us.desc(), trees.c.id)
    ).scalars()
    ordered = list(ids)
    loaded = load_trees(conn, ordered)
    return {tree_id: loaded[tree_id] for tree_id in ordered}


def promised_trees(conn: UnitOfWork, users: Collection[str]) -> Counter[str]:
    """How many promised trees each user planted or co-planted."""
    counts: Counter[str] = Counter()
    for row in conn.execute(
        select(tree_members.c.user_id, func.count())
        .join(trees, trees.c.id == tree_members.c.tree_id)
        .where(
            setwise.any_of(conn, tree_members.c.user_id, users),
            trees.c.status == TreeStatus.PROMISED.value,
        )
        .group_by(tree_members.c.user_id)
    ):
        counts[row[0]] = int(row[1])
    return counts
