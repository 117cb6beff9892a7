"""Reads over a whole population at once: every ripe ball, every participant holding enough.

Why: a simulated crowd of 200,000 participants plays each morning; asking for each one's
forest (``balls_repo.live_balls``) would be 200,000 reads a morning. These two reads answer
for everyone in one statement each, from the same tables the per-participant reads use.

Example: ``ripe_balls(conn, now_us)`` → ``[("u1", "aw-7"), …]`` in owner, ripening order.
"""

from __future__ import annotations

from sqlalchemy import select

from saxaul.domain.ledger import AccountKind
from saxaul.store import driver
from saxaul.store.balls_repo import LIVE_BALLS
from saxaul.store.driver import Sql
from saxaul.store.tables import ledger_accounts
from saxaul.store.uow import UnitOfWork

_RIPE = Sql.of(
    f"SELECT balls.owner, balls.id FROM {LIVE_BALLS} AND balls.ripens_at_us <= {{p}} "
    "AND balls.expires_at_us > {p} ORDER BY balls.owner, balls.ripens_at_us, balls.id"
)


def ripe_balls(conn: UnitOfWork, now_us: int) -> list[tuple[str, str]]:
    """(owner, ball id) of every ball ripe at ``now_us`` and not expired that holds energy."""
    return [(owner, ball_id) for owner, ball_id in driver.rows(conn, _RIPE, now_us, now_us)]


def balances_at_least(conn: UnitOfWork, min_g: int) -> dict[str, int]:
    """Participants whose energy balance is at least ``min_g``, with that balance."""
    rows = conn.execute(
        select(ledger_accounts.c.user_id, ledger_accounts.c.balance_g).where(
            ledger_accounts.c.kind == AccountKind.PARTICIPANT.value,
            ledger_accounts.c.balance_g >= min_g,
        )
    ).all()
    return {row.user_id: row.balance_g for row in rows}
