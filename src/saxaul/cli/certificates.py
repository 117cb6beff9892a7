"""``saxaul certificate``: export a tree's signed certificate, and verify one offline.

Why verify opens nothing: a certificate is meant to be checked by someone who has only the
file (and, to be sure of the signer, the instance's public key), so ``verify`` reads the file,
never the settings' database or a server. Exit 0 prints ``genuine``; exit 1 prints why not.

Example: ``saxaul certificate export t3b9 --out t3b9.json`` then
``saxaul certificate verify t3b9.json --public-key "$(curl -s …/v1/certificates/public-key |
jq -r .public_key)"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from saxaul.bootstrap import bootstrap
from saxaul.cli.common import key_text
from saxaul.config import Settings
from saxaul.domain.errors import DomainError
from saxaul.services import certificates
from saxaul.services.certificate_seal import CertificateInvalid, parse_public_key, verify

certificate_app = typer.Typer(
    help="Tree certificates: export one signed, verify one offline.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


@certificate_app.command("export")
def export(
    tree_id: Annotated[str, typer.Argument(help="The promised tree's id.")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="Where to write it.")],
    fmt: Annotated[
        Literal["json", "html", "pdf"],
        typer.Option("--format", help="json: the signed file; html or pdf: a view of it."),
    ] = "json",
    lang: Annotated[
        Literal["zh", "en"], typer.Option(help="Which language's labels come first.")
    ] = "zh",
) -> None:
    """Write the certificate of a promised tree (any tree: this is the operator's export)."""
    rt = bootstrap(Settings())
    try:
        data = certificates.render(certificates.signed(rt, tree_id, user=None), fmt, lang)
    except DomainError as exc:
        err.print(f"[bold red]error[/] {escape(f'[{exc.code}]')} {escape(exc.detail)}")
        raise typer.Exit(code=2) from exc
    finally:
        rt.db.dispose()
    out.write_bytes(data)
    console.print(f"wrote {escape(str(out))} ({len(data):,} bytes, key {rt.keys.key_id})")


@certificate_app.command("verify")
def verify_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .json file.")],
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            help="The expected key: PEM, raw base64(url), or a file holding either. Without "
            "it, the key inside the file is trusted: compare its key id with the instance's.",
        ),
    ] = None,
) -> None:
    """Check a certificate file offline: exit 0 if genuine, 1 with the reason if not."""
    try:
        pinned = None if public_key is None else parse_public_key(key_text(public_key))
        verified = verify(file.read_bytes(), pinned)
    except CertificateInvalid as exc:
        err.print(f"[bold red]not genuine[/] {escape(exc.detail)}")
        raise typer.Exit(code=1) from exc
    cert = verified.certificate
    tree = cert["tree"]
    console.print(
        f"[bold green]genuine[/] {escape(cert['number'])}: {escape(tree['species']['name_en'])} "
        f"({escape(tree['species']['name_zh'])}), tree {escape(tree['id'])}, "
        f"key {escape(verified.key_id)}" + ("" if pinned else " (not pinned)")
    )
    for share in cert["funding"]:
        for portion in share["energy"]:
            award = cert["awards"].get(portion["award"] or "")
            where = portion["kind"]
            if award is not None:
                events = ", ".join(f"{e['source']}/{e['event_id']}" for e in award["events"])
                where = f"{award['behaviour']} {award['pack']} {award['day']}: {events}"
            console.print(f"  {portion['grams']} g ← {escape(where)}")
