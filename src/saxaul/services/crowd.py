"""What a whole simulated population sees in the forest, read at once (``store.crowd_repo``).

Why a service of its own: the pilot simulator (``saxaul simulate --play``) plays every
participant's morning through ``game.play``; it needs to know whose balls are ripe and who can
afford a tree without one read per participant. The answers are what ``forest.my_forest``
would say for each (ripe balls holding energy; the ledger balance).

Example: ``ripe_by_owner(rt)`` → ``{"p0000007": ["aw-1", "aw-9"], …}`` at the clock's now.
"""

from __future__ import annotations

from saxaul.domain.clock import to_us
from saxaul.services.runtime import Runtime
from saxaul.store import crowd_repo


def ripe_by_owner(rt: Runtime) -> dict[str, list[str]]:
    """Each participant's ripe balls that still hold energy, oldest ripening first."""
    with rt.db.reading() as conn:
        found = crowd_repo.ripe_balls(conn, to_us(rt.clock.now()))
    out: dict[str, list[str]] = {}
    for owner, ball_id in found:
        out.setdefault(owner, []).append(ball_id)
    return out


def affording(rt: Runtime, grams: int) -> dict[str, int]:
    """Participants holding at least ``grams`` of energy, with their balance."""
    with rt.db.reading() as conn:
        return crowd_repo.balances_at_least(conn, grams)
