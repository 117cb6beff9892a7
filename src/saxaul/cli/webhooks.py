"""``saxaul webhooks deliver``: the webhook dispatcher from a shell (cron, or a one-off catch-up).

Why beside the server's own dispatcher: with ``SAXAUL_WEBHOOKS_INTERVAL_S=0`` the servers send
nothing and cron runs this instead; and running both at once is safe, since every delivery is
leased to one dispatcher at a time.

Example: ``saxaul webhooks deliver --until-idle --json`` →
``{"events": 3, "queued": 3, "sent": 3, "retrying": 0, "failed": 0, "pending": 0}``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

from saxaul.services import webhooks
from saxaul.services.runtime import Runtime


def webhooks_app(runtime: Callable[[], Runtime]) -> typer.Typer:
    """The ``webhooks`` command group, building its runtime with ``runtime``."""
    group = typer.Typer(help="Webhook deliveries to partners.", no_args_is_help=True)

    @group.command("deliver")
    def deliver(
        until_idle: Annotated[
            bool,
            typer.Option(
                "--until-idle",
                help="keep going until nothing is due (else one pass: at most one delivery "
                "per subscription)",
            ),
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = (
            False
        ),
    ) -> None:
        """Fan the outbox out and send what is due, signed; failed attempts are retried later."""
        rt = runtime()
        done = webhooks.dispatch_until_idle(rt) if until_idle else webhooks.dispatch_once(rt)
        waiting = webhooks.pending(rt)
        if as_json:
            sys.stdout.write(json.dumps({**dataclasses.asdict(done), "pending": waiting}) + "\n")
            return
        Console().print(
            f"{done.events:,} events → {done.queued:,} deliveries queued; "
            f"{done.sent:,} delivered, {done.retrying:,} to retry, {done.failed:,} failed; "
            f"{waiting:,} pending"
        )

    return group
