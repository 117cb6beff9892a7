"""The demo's trust step: the abuse detectors over every move played, and one player's signed
personal carbon statement written and verified offline, as its holder would.

Why in the demo: a newcomer should see that ordinary play raises no flag and that what a
participant takes away verifies without the server; both are what an operator is asked first.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from saxaul.domain.holds import FlagStatus
from saxaul.services import abuse, statement_seal, statements
from saxaul.services.runtime import Runtime


def print_trust(
    console: Console, rt: Runtime, since: dt.date, until: dt.datetime, player: str, out: Path
) -> None:
    """Scan every move from ``since`` to ``until``; export ``player``'s statement to ``out``."""
    zone = ZoneInfo(rt.rules.timezone)
    found = abuse.scan(rt, dt.datetime.combine(since, dt.time(), tzinfo=zone), until)
    _, open_flags = abuse.list_flags(rt, status=FlagStatus.OPEN, limit=1)
    console.print(
        f"abuse scan · 反作弊扫描 ({rt.abuse.ref}): {found.findings} findings, "
        f"{found.flagged} new flags holding {found.held_g:,} g; {open_flags} open for review"
    )
    data = statements.signed(rt, player)
    path = out / f"statement-{player}.json"
    path.write_bytes(data)
    verified = statement_seal.verify(data)
    doc = verified.statement
    console.print(
        f"{player}'s personal carbon statement · 个人碳账单: {escape(str(path))} "
        f"({len(data):,} bytes, {len(doc['awards'])} awards, {len(doc['history'])} transfers), "
        f"verified offline with key {verified.key_id}: {doc['totals']['energy_g']:,} g energy, "
        f"as the ledger says (saxaul statement verify {escape(str(path))})"
    )
