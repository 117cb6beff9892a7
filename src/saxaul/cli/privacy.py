"""``saxaul participants erase USER_ID`` and ``saxaul retention run``: erasure on a request the
operator received, and raw-event retention from cron (docs/privacy.md).

Why erase asks first: it cannot be undone; ``--yes`` is for a script that has asked already.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.console import Console

from saxaul.cli.common import JsonOpt, fail, print_json, runtime
from saxaul.domain.errors import DomainError
from saxaul.services.erasure import erase_participant
from saxaul.services.retention import run_retention

REQUESTED_BY_CLI = "operator:cli"

retention_app = typer.Typer(
    help="Raw-event retention: payment details and quarantined rows past the window.",
    no_args_is_help=True,
)


def participants_erase(
    user_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Erase a participant's personal data for good (their pseudonym stays for the ledger's
    sums); partners holding their trees are told. Erasing again changes nothing."""
    if not yes:
        typer.confirm(f"erase {user_id}'s personal data for good?", abort=True)
    try:
        erasure = erase_participant(runtime(), user_id, REQUESTED_BY_CLI)
    except DomainError as exc:
        fail(exc)
    if as_json:
        print_json(dataclasses.asdict(erasure))
        return
    if erasure.already:
        Console().print(f"{user_id} was erased already, at {erasure.erased_at.isoformat()}")
        return
    rows = ", ".join(f"{table} {n}" for table, n in erasure.touched.items() if n)
    told = ", ".join(erasure.partners_notified) or "none"
    Console().print(f"{user_id} erased ({rows or 'no rows'}); partners told: {told}")


@retention_app.command("run")
def retention_run(as_json: JsonOpt = False) -> None:
    """Null the payment details of events older than SAXAUL_RAW_EVENT_RETENTION_DAYS and delete
    quarantined rows as old; safe to run again (e.g. daily from cron)."""
    done = run_retention(runtime())
    if as_json:
        print_json(dataclasses.asdict(done))
        return
    Console().print(
        f"before {done.before.isoformat()}: {done.events_stripped:,} event(s) stripped, "
        f"{done.quarantine_deleted:,} quarantined row(s) deleted"
    )
