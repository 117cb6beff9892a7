"""``saxaul statement``: export a participant's signed statement, verify one, import one.

Why verify opens nothing: a statement is meant to be checked by someone who has only the file
(and, to be sure of the signer, the issuing instance's public key), so ``verify`` reads the
file, never the settings' database or a server. It checks the signature, the format, that the
totals equal the sum of the history and that every embedded certificate verifies. Exit 0 prints
``genuine``; exit 1 prints why not.

``export`` is the operator's, on a participant's request (the participant downloads their own
with ``GET /v1/me/statement``). ``import`` keeps a statement from another instance as read-only
history for a participant here (``--as``; by default the id the statement names): no energy is
credited, because that energy was issued by the other instance's ledger.

Example: ``saxaul statement export u-42 --out u-42.json``; ``saxaul statement verify u-42.json
--key issuer.pem``; on the other instance ``saxaul statement import u-42.json --key
issuer.pem``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from saxaul.cli.common import fail, key_text, runtime
from saxaul.domain.errors import DomainError
from saxaul.services import statement_imports, statements
from saxaul.services.statement_seal import StatementInvalid, parse_public_key, verify

statement_app = typer.Typer(
    help="Personal carbon statements: export one signed, verify one offline, import one.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="The issuer's public key: PEM, raw base64(url), or a file holding either. Without "
        "it, the key inside the file is trusted: compare its key id with the issuer's.",
    ),
]


@statement_app.command("export")
def export(
    user_id: Annotated[str, typer.Argument(help="The participant's pseudonymous id.")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="Where to write it.")],
    fmt: Annotated[
        Literal["json", "html"],
        typer.Option("--format", help="json: the signed file; html: a page of it."),
    ] = "json",
    lang: Annotated[
        Literal["zh", "en"], typer.Option(help="Which language's labels come first.")
    ] = "zh",
) -> None:
    """Write a participant's signed statement (the operator's export, on their request)."""
    rt = runtime()
    try:
        data = statements.render(statements.signed(rt, user_id), fmt, lang)
    except DomainError as exc:
        fail(exc)
    out.write_bytes(data)
    console.print(f"wrote {escape(str(out))} ({len(data):,} bytes, key {rt.keys.key_id})")


@statement_app.command("verify")
def verify_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .json file.")],
    key: KeyOption = None,
) -> None:
    """Check a statement file offline: exit 0 if genuine and consistent, 1 with why if not."""
    try:
        pinned = None if key is None else parse_public_key(key_text(key))
        verified = verify(file.read_bytes(), pinned)
    except StatementInvalid as exc:
        err.print(f"[bold red]not genuine[/] {escape(exc.detail)}")
        raise typer.Exit(code=1) from exc
    doc = verified.statement
    totals = doc["totals"]
    console.print(
        f"[bold green]genuine[/] statement of {escape(doc['participant']['user_id'])}, "
        f"{escape(doc['period']['from'])} – {escape(doc['period']['to'])}, "
        f"key {escape(verified.key_id)}" + ("" if pinned else " (not pinned)")
    )
    console.print(
        f"  {len(doc['awards'])} awards, {len(doc['history'])} transfers, "
        f"{len(doc['trees'])} trees ({len(verified.certificates)} certificates verified); "
        f"energy {totals['energy_g']} g, owed {totals['owed_g']} g, "
        f"in balls {totals['in_balls_g']} g"
    )


@statement_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .json file.")],
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="The participant here it belongs to (default: its own id)."),
    ] = None,
    key: KeyOption = None,
) -> None:
    """Keep a statement from another instance as read-only history (no energy is credited)."""
    data = file.read_bytes()
    rt = runtime()
    try:
        pinned = None if key is None else parse_public_key(key_text(key))
        user = as_user or verify(data, pinned).statement["participant"]["user_id"]
        brought = statement_imports.bring(rt, user, data, pinned)
    except DomainError as exc:
        fail(exc)
    kept = brought.statement
    said = "imported" if brought.created else "already imported"
    console.print(
        f"{said} statement {kept.id} for {escape(user)} "
        f"(from {escape(kept.origin_user_id)}, key {escape(kept.issuer_key_id)})"
    )
