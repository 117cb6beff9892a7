"""Virtual trees in the database: the tree, its planters, and its shares read from the ledger.

Why shares come from the ledger: every pooled share and every solo planting is a transfer that
references the tree, so a tree's progress is what the ledger moved, never a counter to update.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping

from sqlalchemy import func, select

from saxaul.domain import accounts
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.ledger import AccountKind, TransferKind
from saxaul.domain.planting import Tree, TreeMode, TreeStatus
from saxaul.store import driver, setwise
from saxaul.store.driver import Read, Sql
from saxaul.store.keyset import newest_first_after
from saxaul.store.tables import tree_members, trees
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


def _load_sql() -> Sql:
    """Each tree with its planters and pooled shares as JSON arrays, in one statement."""
    pooled = f"'{TransferKind.POOL.value}', '{TransferKind.PLANT.value}'"
    planter = accounts.prefix(AccountKind.PARTICIPANT)
    tree = (
        "SELECT t.id, t.species_id, t.catalogue, t.cost_g, t.initiator, t.mode, t.status, "
        "t.created_at_us, t.promised_at_us"
    )
    members = "FROM tree_members AS m WHERE m.tree_id = t.id"
    shares = (
        f"FROM ledger_transfers AS s WHERE s.reference = t.id AND s.kind IN ({pooled}) "
        f"AND s.debit_account LIKE '{planter}%'"
    )
    return Sql(
        f"{tree}, COALESCE((SELECT json_agg(m.user_id ORDER BY m.joined_at_us, m.user_id) "
        f"{members})::text, '[]'), COALESCE((SELECT json_agg(json_build_array(s.debit_account, "
        f"s.amount_g) ORDER BY s.seq) {shares.replace('%', '%%')})::text, '[]') "
        "FROM trees AS t WHERE t.id = ANY(CAST(%b AS TEXT[]))",
        f"{tree}, (SELECT json_group_array(m.user_id ORDER BY m.joined_at_us, m.user_id) "
        f"{members}), (SELECT json_group_array(json_array(s.debit_account, s.amount_g) "
        f"ORDER BY s.seq) {shares}) FROM trees AS t WHERE t.id IN (SELECT value FROM json_each(?))",
    )


_LOAD = _load_sql()
_INSERT = Sql.insert(
    "trees",
    [
        ("id", "text"),
        ("species_id", "text"),
        ("catalogue", "text"),
        ("cost_g", "bigint"),
        ("initiator", "text"),
        ("mode", "text"),
        ("status", "text"),
        ("created_at_us", "bigint"),
        ("promised_at_us", "bigint"),
    ],
)
_INSERT_MEMBERS = Sql.insert(
    "tree_members", [("tree_id", "text"), ("user_id", "text"), ("joined_at_us", "bigint")]
)
_UPDATE = Sql(
    "UPDATE trees AS t SET status = d.status, promised_at_us = d.promised "
    "FROM unnest(CAST(%b AS TEXT[]), CAST(%b AS TEXT[]), CAST(%b AS BIGINT[])) "
    "AS d(id, status, promised) WHERE t.id = d.id",
    "UPDATE trees SET status = ?2, promised_at_us = ?3 WHERE id = ?1",
    ("text", "text", "bigint"),
)


def load_trees(conn: UnitOfWork, tree_ids: Collection[str]) -> dict[str, Tree]:
    """The trees with these ids, with their planters and pooled shares in order."""
    return driver.read(conn, trees_read(tree_ids))


def trees_read(tree_ids: Collection[str]) -> Read[dict[str, Tree]]:
    """``load_trees`` as a ``Read``, to be sent with others (``driver.read_all``)."""
    if not tree_ids:
        return Read(None, (), lambda _: {})
    return Read(_LOAD, (sorted(tree_ids),), _trees)


def _trees(found: driver.Rows) -> dict[str, Tree]:
    out: dict[str, Tree] = {}
    for row in found:
        tree_id, species_id, catalogue, cost_g, initiator, mode, status = row[:7]
        created_us, promised_us, members, shares = row[7:]
        out[tree_id] = Tree(
            id=tree_id,
            species_id=species_id,
            catalogue=catalogue,
            cost_g=cost_g,
            initiator=initiator,
            mode=TreeMode(mode),
            status=TreeStatus(status),
            members=tuple(json.loads(members)),
            created_at=from_us(created_us),
            promised_at=None if promised_us is None else from_us(promised_us),
            shares=tuple(
                (accounts.key_of(debit, AccountKind.PARTICIPANT), int(grams))
                for debit, grams in json.loads(shares)
            ),
        )
    return out


def _promised_us(tree: Tree) -> int | None:
    return None if tree.promised_at is None else to_us(tree.promised_at)


def save_trees(conn: WriteUnitOfWork, changed: Mapping[str, Tree], known: Collection[str]) -> None:
    """Insert new trees with their planters; update the status of known ones."""
    new = [tree for tree_id, tree in changed.items() if tree_id not in known]
    driver.execute_columns(
        conn,
        _INSERT,
        [
            [t.id for t in new],
            [t.species_id for t in new],
            [t.catalogue for t in new],
            [t.cost_g for t in new],
            [t.initiator for t in new],
            [t.mode.value for t in new],
            [t.status.value for t in new],
            [to_us(t.created_at) for t in new],
            [_promised_us(t) for t in new],
        ],
    )
    members = [(t, n, member) for t in new for n, member in enumerate(t.members)]
    driver.execute_columns(
        conn,
        _INSERT_MEMBERS,
        [
            [t.id for t, _, _ in members],
            [member for _, _, member in members],
            [to_us(t.created_at) + n for t, n, _ in members],
        ],
    )
    updated = [tree for tree_id, tree in changed.items() if tree_id in known]
    driver.execute_columns(
        conn,
        _UPDATE,
        [
            [t.id for t in updated],
            [t.status.value for t in updated],
            [_promised_us(t) for t in updated],
        ],
    )


def trees_of(
    conn: UnitOfWork, user: str, *, limit: int | None, after_id: str | None = None
) -> dict[str, Tree]:
    """The trees ``user`` plants or co-plants, newest first: at most ``limit`` (``None``: all,
    for a statement of everything), after tree ``after_id`` in that order."""
    query = (
        select(tree_members.c.tree_id)
        .join(trees, trees.c.id == tree_members.c.tree_id)
        .where(tree_members.c.user_id == user)
        .order_by(trees.c.created_at_us.desc(), trees.c.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(newest_first_after(trees.c.created_at_us, trees.c.id, after_id))
    ids = conn.execute(query).scalars()
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
