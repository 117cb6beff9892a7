"""The operator's dashboard: the programme's headline figures and its last days, in one answer.

Why one service rather than the console asking five routes: the days are the programme's
local days (the rules' zone, the server's clock, which a browser cannot know), and one call
keeps a dashboard that reloads cheap. Every figure is counted here from the ledger, the
scoring totals and the liability pipeline; the console only draws it.

Example: ``dashboard(rt, 14)`` → participants 3, avoided 2.3 kg, energy issued 20 156 g of
which 156 g collected, trees owed 1, and 14 days of flows and active players.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from saxaul.domain.accounts import prefix
from saxaul.domain.ledger import AccountKind, TransferKind
from saxaul.reports.awards import programme_totals
from saxaul.reports.impact import ENERGY_KINDS, MOVES_BY_GIVER, MOVES_BY_RECEIVER
from saxaul.services.impact import day_start_us
from saxaul.services.pipeline import Counts, liability_summary
from saxaul.services.runtime import Runtime
from saxaul.store import dashboard_repo

FLOWS = tuple(str(k) for k in dict.fromkeys((*ENERGY_KINDS, TransferKind.PLANT)))
"""The flows shown: issued (award), collected, stolen, gifted by watering, expired, planted."""
MAX_DAYS = 90


@dataclass(frozen=True, slots=True)
class Day:
    """One local day: grams moved by each flow, and the participants who made a move."""

    day: dt.date
    energy_g: dict[str, int]
    players: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Headline figures now, and ``days`` local days ending today."""

    as_of: dt.datetime
    participants: int
    consenting: int
    avoided_mg: int
    energy_g: dict[str, int]
    trees: Counts
    days: list[Day]


def dashboard(rt: Runtime, days: int) -> Dashboard:
    """The dashboard at the runtime's now, with the last ``days`` (1..``MAX_DAYS``) local days."""
    now = rt.clock.now()
    zone = ZoneInfo(rt.rules.timezone)
    today = now.astimezone(zone).date()
    dates = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    bounds = [day_start_us(d, zone) for d in (*dates, today + dt.timedelta(days=1))]
    with rt.db.reading() as conn:
        programme = programme_totals(conn)
        overall = dashboard_repo.grams_by_kind(conn, FLOWS)
        grams, players = dashboard_repo.daily(
            conn,
            bounds,
            FLOWS,
            [str(k) for k in MOVES_BY_RECEIVER],
            [str(k) for k in MOVES_BY_GIVER],
            prefix(AccountKind.PARTICIPANT),
        )
    return Dashboard(
        as_of=now,
        participants=programme.participants,
        consenting=programme.consenting,
        avoided_mg=programme.avoided_mg,
        energy_g={kind: overall.get(kind, 0) for kind in FLOWS},
        trees=liability_summary(rt).total,
        days=[
            Day(d, {kind: grams.get((i, kind), 0) for kind in FLOWS}, players.get(i, 0))
            for i, d in enumerate(dates)
        ],
    )
