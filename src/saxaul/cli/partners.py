"""``saxaul partners``: the operator's side of partners from the server's shell.

Why a CLI beside ``/v1/operator/partners``: an operator seeding an instance (the default
catalogue's planting partners, an operator organisation) or deciding applications needs no
operator key and no running server, just the database the settings name. Keys are printed
once, like ``saxaul apikey create``; only their hashes are stored.

Example: ``saxaul partners create see-foundation --name "SEE Foundation" --kind ngo --email
tech@see.example`` prints its sandbox key; ``saxaul partners approve see-foundation`` and
``saxaul partners key create see-foundation --name prod --mode live --scope orders:read``.
"""

from __future__ import annotations

from typing import Annotated, Any

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
from saxaul.domain.partners import Mode, PartnerKind, PartnerStatus, parse_scopes
from saxaul.services import partner_keys, partners
from saxaul.services.partners import IssuedKey
from saxaul.store.partners_repo import StoredPartner

partners_app = typer.Typer(
    help="Partners (NGOs, businesses, operators): create, decide, issue keys.",
    no_args_is_help=True,
)
key_app = typer.Typer(help="A partner's API keys.", no_args_is_help=True)
partners_app.add_typer(key_app, name="key")

console = Console()
err = Console(stderr=True)
BY = "cli"
"""Who decided, as recorded on the partner: the shell of the server, not an API key."""


def _partner_json(p: StoredPartner) -> dict[str, Any]:
    return {
        "id": p.id,
        "name_en": p.name_en,
        "name_zh": p.name_zh,
        "kind": p.kind,
        "status": p.status,
        "contact_email": p.contact_email,
        "created_at": from_us(p.created_at_us).isoformat(),
        "decided_at": None if p.decided_at_us is None else from_us(p.decided_at_us).isoformat(),
        "decision_note": p.decision_note,
    }


def _key_json(key: IssuedKey) -> dict[str, Any]:
    return {
        "id": key.key_id,
        "name": key.name,
        "mode": key.mode.value,
        "scopes": sorted(s.value for s in key.scopes),
        "secret": key.secret,
    }


def _print_key(key: IssuedKey) -> None:
    scopes = ", ".join(sorted(s.value for s in key.scopes))
    err.print(f"{key.mode.value} key {key.key_id} {escape(key.name)!r} ({scopes}); shown once:")
    console.print(key.secret, markup=False, highlight=False)


@partners_app.command("list")
def partners_list(
    status: Annotated[
        PartnerStatus | None, typer.Option(help="only partners in this status")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Partners by id: kind, status, contact and the last decision."""
    stored = partners.list_partners(_runtime(), status, limit)
    if as_json:
        _print_json([_partner_json(p) for p in stored])
        return
    headers = ("partner", "name", "kind", "status", "contact", "note")
    rows = [
        (
            p.id,
            p.name_en if p.name_zh is None else f"{p.name_en} / {p.name_zh}",
            p.kind,
            p.status,
            p.contact_email,
            p.decision_note or "",
        )
        for p in stored
    ]
    if not console.is_terminal:
        print_plain(console, headers, rows)
        return
    table = Table(*headers)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


@partners_app.command("create")
def partners_create(
    partner_id: Annotated[str, typer.Argument(help="a slug, e.g. see-foundation")],
    name: Annotated[str, typer.Option("--name", help="the English name")],
    kind: Annotated[PartnerKind, typer.Option(help="ngo | business | operator")],
    email: Annotated[str, typer.Option("--email", help="contact, and the first owner's email")],
    name_zh: Annotated[str | None, typer.Option("--name-zh", help="the Chinese name")] = None,
    owner: Annotated[str, typer.Option(help="the first owner's name")] = "Owner",
    as_json: JsonOpt = False,
) -> None:
    """Create a pending partner with its first owner; prints its sandbox key once."""
    application = partners.Application(partner_id, name, name_zh, kind, email, owner)
    try:
        stored, key = partners.signup(_runtime(), application, by_operator=True)
    except DomainError as exc:
        _fail(exc)
    if as_json:
        _print_json({"partner": _partner_json(stored), "key": _key_json(key)})
        return
    err.print(f"{stored.id} created ({stored.kind}, {stored.status})")
    _print_key(key)


def _decide(partner_id: str, note: str | None, *, approve: bool, as_json: bool) -> None:
    try:
        decided = partners.decide(_runtime(), partner_id, approve=approve, by=BY, note=note)
    except DomainError as exc:
        _fail(exc)
    if as_json:
        _print_json(_partner_json(decided))
    else:
        console.print(f"{decided.id} is {decided.status}")


NoteOpt = Annotated[str | None, typer.Option(help="a note the partner can read")]


@partners_app.command("approve")
def partners_approve(partner_id: str, note: NoteOpt = None, as_json: JsonOpt = False) -> None:
    """Approve a partner: it may then create live keys (and is told by webhook)."""
    _decide(partner_id, note, approve=True, as_json=as_json)


@partners_app.command("suspend")
def partners_suspend(partner_id: str, note: NoteOpt = None, as_json: JsonOpt = False) -> None:
    """Suspend a partner: its live keys are refused from the next request on."""
    _decide(partner_id, note, approve=False, as_json=as_json)


@key_app.command("create")
def key_create(
    partner_id: str,
    name: Annotated[str, typer.Option("--name", help="what the key is for, e.g. prod")],
    scope: Annotated[
        list[str], typer.Option("--scope", help="a scope, e.g. orders:read; repeat for more")
    ],
    mode: Annotated[Mode, typer.Option(help="sandbox | live (live: approved partners only)")] = (
        Mode.SANDBOX
    ),
    as_json: JsonOpt = False,
) -> None:
    """Issue a key to a partner (acting for no member); prints its secret once."""
    try:
        key = partner_keys.issue_key(_runtime(), partner_id, name, mode, parse_scopes(scope))
    except DomainError as exc:
        _fail(exc)
    if as_json:
        _print_json(_key_json(key))
    else:
        _print_key(key)
