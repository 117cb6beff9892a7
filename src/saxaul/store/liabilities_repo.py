"""Projects' rooms and the trees they owe, on the game's hot path (``store.driver`` statements).

Why a counter (``projects.allocated``) beside the rows: a batch that plants reads the room of
every open project of the species it plants, locked, in one statement that costs the same
whether a project owes ten trees or a million; the counter moves in the batch's own
transaction as rows are inserted or deleted, and a CHECK keeps it within the capacity, so even
a defect could not over-promise. Only ``waiting`` and ``owed`` rows are written here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.liabilities import Capacity, Liability, LiabilityStatus, Room
from saxaul.domain.partners import Mode
from saxaul.domain.projects import ProjectOutcome, ProjectStatus
from saxaul.store import driver
from saxaul.store.driver import Read, Sql
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

_OPEN = (
    f"mode = '{Mode.LIVE.value}' AND outcome = '{ProjectOutcome.TREES.value}' "
    f"AND status = '{ProjectStatus.OPEN.value}'"
)
_ROOMS = Sql.of(
    "SELECT id, species_id, capacity, allocated FROM projects "
    f"WHERE {_OPEN} AND species_id {{any}} ORDER BY id {{lock}}"
)
_REMAINING = Sql.of(
    f"SELECT species_id, SUM(capacity - allocated) FROM projects WHERE {_OPEN} GROUP BY species_id"
)
_INSERT = Sql.insert(
    "tree_liabilities",
    [
        ("tree_id", "text"),
        ("species_id", "text"),
        ("project_id", "text"),
        ("status", "text"),
        ("replacements", "bigint"),
        ("promised_at_us", "bigint"),
        ("updated_at_us", "bigint"),
    ],
)
_TAKE = Sql(
    "UPDATE projects AS p SET allocated = p.allocated + d.n "
    "FROM unnest(CAST(%b AS TEXT[]), CAST(%b AS BIGINT[])) AS d(id, n) WHERE p.id = d.id",
    "UPDATE projects SET allocated = allocated + ?2 WHERE id = ?1",
    ("text", "bigint"),
)
_GIVE_BACK = Sql.of(
    "UPDATE projects SET allocated = allocated - (SELECT count(*) FROM tree_liabilities AS l "
    "WHERE l.project_id = projects.id AND l.tree_id {any}) "
    "WHERE id IN (SELECT project_id FROM tree_liabilities WHERE tree_id {any})"
)
_DELETE = Sql.of("DELETE FROM tree_liabilities WHERE tree_id {any}")
_WAITING = Sql.of(
    "SELECT tree_id, species_id, promised_at_us FROM tree_liabilities "
    f"WHERE status = '{LiabilityStatus.WAITING.value}' "
    "ORDER BY promised_at_us, tree_id LIMIT {p}"
)
_PLACE = Sql(
    "UPDATE tree_liabilities AS l SET project_id = d.project, status = d.status, "
    "updated_at_us = d.at FROM unnest(CAST(%b AS TEXT[]), CAST(%b AS TEXT[]), "
    "CAST(%b AS TEXT[]), CAST(%b AS BIGINT[])) AS d(id, project, status, at) "
    "WHERE l.tree_id = d.id",
    "UPDATE tree_liabilities SET project_id = ?2, status = ?3, updated_at_us = ?4 "
    "WHERE tree_id = ?1",
    ("text", "text", "text", "bigint"),
)


def rooms_read(species: Collection[str]) -> Read[dict[str, Room]]:
    """The open live projects of ``species``, locked until commit (PostgreSQL: ``FOR UPDATE``;
    SQLite's write lock already serialises); nothing is asked for no species."""
    if not species:
        return Read(None, (), lambda _: {})
    return Read(
        _ROOMS,
        (sorted(species),),
        lambda found: {row[0]: Room(row[0], row[1], int(row[2]), int(row[3])) for row in found},
    )


def save(conn: WriteUnitOfWork, capacity: Capacity, at_us: int) -> None:
    """Write what a batch allocated and released (no statement for what it did not do)."""
    new = capacity.liabilities
    driver.execute_columns(
        conn,
        _INSERT,
        [
            [n.tree_id for n in new],
            [n.species_id for n in new],
            [n.project_id for n in new],
            [n.status.value for n in new],
            [0 for _ in new],
            [to_us(n.promised_at) for n in new],
            [at_us for _ in new],
        ],
    )
    taken = sorted((p, n) for p, n in capacity.taken.items() if n)
    driver.execute_columns(conn, _TAKE, [[p for p, _ in taken], [n for _, n in taken]])
    if capacity.released:
        released = sorted(capacity.released)
        driver.execute(conn, _GIVE_BACK, released, released)
        driver.execute(conn, _DELETE, released)


def waiting(conn: UnitOfWork, limit: int) -> list[Liability]:
    """The oldest ``limit`` trees on the waiting list."""
    return [
        Liability(tree_id, species_id, None, LiabilityStatus.WAITING, from_us(promised_us))
        for tree_id, species_id, promised_us in driver.rows(conn, _WAITING, limit)
    ]


def place(conn: WriteUnitOfWork, placed: Sequence[Liability], at_us: int) -> None:
    """Give waiting trees their project and count them in its ``allocated``."""
    driver.execute_columns(
        conn,
        _PLACE,
        [
            [p.tree_id for p in placed],
            [p.project_id for p in placed],
            [p.status.value for p in placed],
            [at_us for _ in placed],
        ],
    )
    counts: dict[str, int] = {}
    for p in placed:
        if p.project_id is not None:
            counts[p.project_id] = counts.get(p.project_id, 0) + 1
    ordered = sorted(counts.items())
    driver.execute_columns(conn, _TAKE, [[p for p, _ in ordered], [n for _, n in ordered]])


def remaining_by_species(conn: UnitOfWork) -> dict[str, int]:
    """Trees each species' open live projects may still be promised, together."""
    return {species: int(left) for species, left in driver.rows(conn, _REMAINING)}
