"""``saxaul apikey`` (operator keys and their roles) and ``saxaul audit`` (who read whom).

Why keys are made here and nowhere else: whoever runs this holds the database already, so
making a key grants them nothing new; an API route making keys would let a leaked key mint
more. Why ``--role`` defaults to ``admin``: ``services.api_keys`` says.

Example: ``saxaul apikey create helpdesk-1 --role support`` prints its secret once;
``saxaul apikey list`` shows every key with its role; ``saxaul audit list --user-id u1``
shows every operator act on ``u1``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from saxaul.cli.common import JsonOpt
from saxaul.cli.common import fail as _fail
from saxaul.cli.common import print_json as _print_json
from saxaul.cli.common import runtime as _runtime
from saxaul.cli.tables import print_plain
from saxaul.domain.clock import from_us
from saxaul.domain.errors import DomainError
from saxaul.domain.operators import ROLE_PERMISSIONS, OperatorRole, parse_role
from saxaul.services import api_keys, operator_audit

apikey_app = typer.Typer(help="Operator API keys and their roles.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit log of operator access to participants' data (read-only).",
    no_args_is_help=True,
)

console = Console()
err = Console(stderr=True)
ROLES = ", ".join(
    f"{role.value} ({len(ROLE_PERMISSIONS[role])} permissions)" for role in OperatorRole
)


@apikey_app.command("create")
def apikey_create(
    name: str,
    role: Annotated[
        str, typer.Option(help=f"what the key may do: {ROLES}")
    ] = OperatorRole.ADMIN.value,
) -> None:
    """Create an operator API key; the secret is printed once and stored only as a hash."""
    try:
        chosen = parse_role(role)
        secret = api_keys.create_api_key(_runtime(), name, chosen)
    except DomainError as exc:
        _fail(exc)
    err.print(f"{name}: role {chosen.value}")
    console.print(secret)


@apikey_app.command("revoke")
def apikey_revoke(name: str) -> None:
    """Revoke an operator API key by name."""
    api_keys.revoke_api_key(_runtime(), name)
    console.print(f"{name} revoked")


@apikey_app.command("list")
def apikey_list(as_json: JsonOpt = False) -> None:
    """Every operator key, live and revoked, with its role (never its secret)."""
    keys = api_keys.list_api_keys(_runtime())
    if as_json:
        _print_json([dataclasses.asdict(k) for k in keys])
        return
    _print_table(
        ("name", "role", "created", "revoked"),
        [
            (
                key.name,
                key.role.value,
                f"{key.created_at:%Y-%m-%d %H:%M}",
                "" if key.revoked_at is None else f"{key.revoked_at:%Y-%m-%d %H:%M}",
            )
            for key in keys
        ],
    )


@audit_app.command("list")
def audit_list(
    user_id: Annotated[
        str | None, typer.Option("--user-id", help="only entries about this participant")
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--from", help="only entries at or after this UTC instant"),
    ] = None,
    until: Annotated[
        dt.datetime | None, typer.Option("--to", help="only entries before this UTC instant")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=operator_audit.MAX_PAGE)] = 100,
    after_id: Annotated[int, typer.Option("--after-id", min=0, help="page on")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Operator acts on participants' data, oldest first: who, what, about whom, outcome."""
    entries, total = operator_audit.list_entries(
        _runtime(),
        user_id=user_id,
        since=_utc(since),
        until=_utc(until),
        limit=limit,
        after_id=after_id,
    )
    if as_json:
        _print_json({"total": total, "items": [dataclasses.asdict(e) for e in entries]})
        return
    _print_table(
        ("id", "at (UTC)", "key", "role", "permission", "route", "user", "outcome"),
        [
            (
                str(e.id),
                f"{from_us(e.at_us):%Y-%m-%d %H:%M:%S}",
                e.key_name,
                e.role,
                e.permission,
                f"{e.method} {e.route}",
                e.user_id,
                e.outcome,
            )
            for e in entries
        ],
    )
    console.print(f"{len(entries)} of {total} entries")


def _print_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A boxed table in a terminal, plain columns in a pipe (``cli.tables`` says why)."""
    if not console.is_terminal:
        print_plain(console, headers, rows)
        return
    table = Table(*headers)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


def _utc(instant: dt.datetime | None) -> dt.datetime | None:
    """A datetime from the command line (naive: UTC, as the help says)."""
    if instant is None or instant.tzinfo is not None:
        return instant
    return instant.replace(tzinfo=dt.UTC)
