"""``saxaul archive export --out DIR [--before YYYY-MM-DD]``: the impact report's inputs as a
Parquet archive (docs/impact-report.md#the-archive), which ``saxaul report --archive DIR``
reads back.

Why a command of its own: an operator archives closed months (``--before`` the first day of
the current one) on a schedule; re-running replaces the months it writes, so a failed or
repeated run is harmless.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from saxaul.cli.common import JsonOpt, fail, print_json, runtime
from saxaul.domain.errors import DomainError
from saxaul.services.archive import export_archive

archive_app = typer.Typer(
    help="The impact report's inputs as a Parquet archive.", no_args_is_help=True
)


@archive_app.command("export")
def archive_export(
    out: Annotated[Path, typer.Option(help="directory of the archive (created or refreshed)")],
    before: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="only awards, events and transfers before this local day (default: all)",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write awards, events and ledger transfers by month, participants and trees whole, and a
    manifest (rows and sha256 of every file)."""
    try:
        manifest = export_archive(runtime(), out, None if before is None else before.date())
    except DomainError as exc:
        fail(exc)
    if as_json:
        print_json(manifest)
        return
    rows = ", ".join(f"{name} {t['rows']:,}" for name, t in manifest["tables"].items())
    Console().print(f"archive in {out}: {rows}; {len(manifest['files'])} file(s)")
