"""``saxaul abuse scan | flags | decide``: the abuse detectors and review queue from a shell.

Why commands beside the HTTP routes: a nightly cron scans the day just ended
(``saxaul abuse scan``), and an operator can work the queue without an API key. Each command
is the same service function as its route (``services.abuse``), safe to run together.

Example: ``saxaul abuse scan --from 2026-11-05T00:00:00+08:00 --to 2026-11-06T00:00:00+08:00``
→ ``3 findings, 3 new flags holding 420 g``; ``saxaul abuse decide 3 confirm --note script``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from saxaul.cli.common import JsonOpt, fail, print_json, runtime
from saxaul.domain.errors import DomainError
from saxaul.domain.holds import Decision, FlagStatus
from saxaul.services import abuse

abuse_app = typer.Typer(
    help="Abuse detection and the review queue of flagged energy.", no_args_is_help=True
)
console = Console()

SCAN_WINDOW = dt.timedelta(days=1)
"""Without ``--from``, a scan covers the day before ``--to``: the nightly run's window."""


class Status(StrEnum):
    """The statuses a flag may be listed by."""

    open = "open"
    released = "released"
    confirmed = "confirmed"


class Verdict(StrEnum):
    """What an operator decides."""

    release = "release"
    confirm = "confirm"


def _instant(text: str | None, default: dt.datetime) -> dt.datetime:
    if text is None:
        return default
    instant = dt.datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise typer.BadParameter(f"{text!r} has no UTC offset; write e.g. {text}+08:00")
    return instant


@abuse_app.command("scan")
def scan(
    since: Annotated[
        str | None,
        typer.Option("--from", help="Window start, ISO 8601 with offset (default: --to − 1 day)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="Window end, ISO 8601 with offset (default: now).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run every detector over the moves in [--from, --to); a flag per finding, holding what
    the flagged play gained. Scanning the same window again raises nothing new."""
    rt = runtime()
    end = _instant(until, rt.clock.now())
    result = abuse.scan(rt, _instant(since, end - SCAN_WINDOW), end)
    if as_json:
        print_json(dataclasses.asdict(result))
        return
    console.print(
        f"{result.findings:,} findings, {result.flagged:,} new flags holding {result.held_g:,} g"
    )


@abuse_app.command("flags")
def flags(
    status: Annotated[Status | None, typer.Option(help="Only flags in this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=abuse.MAX_PAGE)] = 100,
    after_id: Annotated[int, typer.Option(min=0, help="Start after this flag id.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List flags, oldest first (``--status open`` is the review queue)."""
    found, total = abuse.list_flags(
        runtime(),
        status=None if status is None else FlagStatus(status.value),
        limit=limit,
        after_id=after_id,
    )
    if as_json:
        print_json({"total": total, "items": [dataclasses.asdict(f) for f in found]})
        return
    table = Table("id", "participant", "rule", "held g", "status", "reason", title=f"{total} flags")
    for flag in found:
        table.add_row(
            str(flag.id),
            flag.user_id,
            f"{flag.rule_id} ({flag.rules_ref})",
            f"{flag.held_g:,}",
            flag.status.value,
            flag.reason_en,
        )
    console.print(table)


@abuse_app.command("decide")
def decide(
    flag_id: Annotated[int, typer.Argument(min=1, help="The flag's id.")],
    verdict: Annotated[Verdict, typer.Argument(help="release (give back) or confirm (forfeit).")],
    note: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    by: Annotated[str, typer.Option(help="Who decides (recorded on the flag).")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Release or confirm a flag, exactly once; the same decision again changes nothing."""
    try:
        flag = abuse.decide(runtime(), flag_id, Decision(verdict.value), by, note)
    except DomainError as exc:
        fail(exc)
    if as_json:
        print_json(dataclasses.asdict(flag))
        return
    console.print(f"flag {flag.id} {flag.status.value} by {flag.decided_by}")
