"""What the operator's dashboard reads: grams moved by transfer kind, overall and per local day.

Why apart from the game's queries: like the audit's, these scan transfers (the daily one only
its period's) once per dashboard load, and no move may call them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import case, func, select

from saxaul.store.tables import ledger_transfers
from saxaul.store.uow import UnitOfWork


def grams_by_kind(conn: UnitOfWork, kinds: Collection[str]) -> dict[str, int]:
    """Grams ever moved by transfers of each of ``kinds`` (a kind never used is absent)."""
    t = ledger_transfers.c
    rows = conn.execute(
        select(t.kind, func.sum(t.amount_g)).where(t.kind.in_(kinds)).group_by(t.kind)
    )
    return {str(kind): int(grams) for kind, grams in rows}


def daily(
    conn: UnitOfWork,
    day_bounds_us: Sequence[int],
    kinds: Collection[str],
    receivers: Collection[str],
    givers: Collection[str],
    participant_prefix: str,
) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    """Per day ``i`` (``day_bounds_us[i]`` ≤ at < ``day_bounds_us[i + 1]``): grams by kind of
    ``kinds``, and how many distinct participants made a move — credited by a ``receivers``
    transfer (a collect), debited by a ``givers`` one (a watering).

    Why bounds rather than dividing by a day's length: a local day need not last 24 hours."""
    t = ledger_transfers.c
    ends = enumerate(day_bounds_us[1:])
    day = case(*((t.at_us < end, i) for i, end in ends), else_=None).label("day")
    period = (t.at_us >= day_bounds_us[0]) & (t.at_us < day_bounds_us[-1])
    flows = conn.execute(
        select(day, t.kind, func.sum(t.amount_g))
        .where(period, t.kind.in_(kinds))
        .group_by(day, t.kind)
    )
    grams = {(int(i), str(kind)): int(g) for i, kind, g in flows}
    mover = case((t.kind.in_(receivers), t.credit_account), else_=t.debit_account)
    moved = conn.execute(
        select(day, func.count(mover.distinct()))
        .where(
            period,
            t.kind.in_([*receivers, *givers]),
            mover.startswith(participant_prefix),
        )
        .group_by(day)
    )
    return grams, {int(i): int(n) for i, n in moved}
